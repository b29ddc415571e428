//! Every mode over loopback QUIC (duet-net), all named cases in sequence
//! over one pinned link, checked against the plaintext join; the session
//! id comes from duet-net's handshake.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use duet_core::{Role, Z64};
use duet_net::{dial, Handshake, Identity, LinkConfig, Listener, QuicChannel};
use duet_psi::*;

use crate::{cases, rng, set, Oracle};

/// Bound on the whole test, so a bug fails instead of hanging.
const LIMIT: Duration = Duration::from_secs(120);

async fn link() -> (QuicChannel, QuicChannel) {
    let (a, b) = (
        Identity::generate("hospital").unwrap(),
        Identity::generate("agency").unwrap(),
    );
    let mut cfg = LinkConfig::default();
    cfg.receive_timeout(Duration::from_secs(60));
    let loopback = SocketAddr::new(Ipv4Addr::LOCALHOST.into(), 0);
    let listener = Listener::bind(loopback, &a, b.fingerprint(), &cfg).unwrap();
    let addr = listener.local_addr().unwrap();
    let job = [9u8; 32];
    let (h0, h1) = (Handshake::new(job, Role::P0), Handshake::new(job, Role::P1));
    let (mut r0, mut r1) = (rng(41), rng(42));
    let (c0, c1) = tokio::join!(
        listener.accept(&h0, &mut r0),
        dial(addr, &b, a.fingerprint(), &h1, &cfg, &mut r1),
    );
    (c0.unwrap(), c1.unwrap())
}

fn psi_config(ch: &QuicChannel) -> PsiConfig {
    PsiConfig::new(ch.session_id().0, 1_000).with_chunk(4)
}

/// Receiver and sender outcomes of one case, in every mode, as plain values.
type Outcome = (usize, Z64, Vec<usize>, Z64, Vec<usize>);

async fn receiver(ch: &mut QuicChannel, x: &[String]) -> Result<Outcome, PsiError> {
    let (cfg, s, mut r) = (psi_config(ch), set(x), rng(43));
    let mut ot = duet_ot::OtSession::setup(ch, Role::P0, cfg.session_id().to_owned(), &mut r)
        .await
        .unwrap();
    let c = cardinality_receiver(ch, &cfg, &s, &mut r).await?;
    let sum =
        intersection_sum_receiver::<Z64, _, _>(ch, &mut ot, &cfg, &s, SumReveal::Open, &mut r)
            .await?;
    let j = join_receiver(ch, &cfg, &s, &mut r).await?;
    let w: Vec<Z64> = (0..x.len() as u64).map(|i| Z64(i + 1)).collect();
    let dot = j.inner_products(&mut ot, ch, &[&w[..]]).await?;
    let i = intersection_receiver(ch, &cfg, &s, &mut r).await?;
    Ok((
        c.intersection,
        sum.sum.unwrap(),
        j.matched_rows().to_vec(),
        dot[0],
        i.rows,
    ))
}

async fn sender(ch: &mut QuicChannel, y: &[String]) -> Result<Outcome, PsiError> {
    let (cfg, s, mut r) = (psi_config(ch), set(y), rng(44));
    let mut ot = duet_ot::OtSession::setup(ch, Role::P1, cfg.session_id().to_owned(), &mut r)
        .await
        .unwrap();
    let v: Vec<Z64> = (0..y.len() as u64).map(|i| Z64(10 * i + 1)).collect();
    let c = cardinality_sender(ch, &cfg, &s, &mut r).await?;
    let sum = intersection_sum_sender(ch, &mut ot, &cfg, &s, &v, SumReveal::Open, &mut r).await?;
    let j = join_sender(ch, &cfg, &s, &mut r).await?;
    let dot = j.inner_products(&mut ot, ch, &[&v[..]]).await?;
    intersection_sender(ch, &cfg, &s, &mut r).await?;
    Ok((c.intersection, sum.sum.unwrap(), vec![], dot[0], vec![]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mode_over_loopback_quic_matches_the_plaintext_join() {
    tokio::time::timeout(LIMIT, async {
        let (mut c0, mut c1) = link().await;
        assert_eq!(c0.session_id(), c1.session_id());
        for (name, x, y) in cases() {
            let (a, b) = tokio::join!(receiver(&mut c0, &x), sender(&mut c1, &y));
            let (a, b) = (a.unwrap(), b.unwrap());
            let pairs = Oracle::new(&x, &y).pairs();
            let rows: Vec<usize> = pairs.iter().map(|p| p.0).collect();
            let sum = pairs
                .iter()
                .fold(Z64(0), |s, &(_, r)| s + Z64(10 * r as u64 + 1));
            let dot = pairs.iter().fold(Z64(0), |s, &(q, r)| {
                s + Z64(q as u64 + 1) * Z64(10 * r as u64 + 1)
            });
            assert_eq!(
                (a.0, a.1, &a.2, a.3 + b.3, &a.4),
                (pairs.len(), sum, &rows, dot, &rows),
                "{name}"
            );
            assert_eq!((b.0, b.1), (pairs.len(), sum), "{name}");
        }
        let (s0, s1) = tokio::join!(c0.close(), c1.close());
        assert_eq!(s0.unwrap().digest, s1.unwrap().digest);
    })
    .await
    .expect("the QUIC test did not finish in time");
}
