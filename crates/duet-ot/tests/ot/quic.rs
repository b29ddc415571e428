//! The engine with OtPreprocessing over a real QUIC link on 127.0.0.1
//! (duet-net): multiplication and comparison against plaintext, the OT
//! session id taken from the link's handshake.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use duet_core::{Engine, EngineError, Ring, Role, Shared, Z128, Z64};
use duet_net::{dial, Handshake, Identity, LinkConfig, Listener, QuicChannel};
use duet_ot::OtPreprocessing;

use crate::rng;

type E = Engine<QuicChannel, OtPreprocessing>;

/// Upper bound on each test step, so a bug fails instead of hanging.
const STEP: Duration = Duration::from_secs(120);

async fn quic_pair() -> (QuicChannel, QuicChannel) {
    let (a, b) = (
        Identity::generate("ot-a").unwrap(),
        Identity::generate("ot-b").unwrap(),
    );
    let mut cfg = LinkConfig::default();
    cfg.receive_timeout(Duration::from_secs(60));
    let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let listener = Listener::bind(loopback, &a, b.fingerprint(), &cfg).unwrap();
    let addr = listener.local_addr().unwrap();
    let (h0, h1) = (
        Handshake::new([3; 32], Role::P0),
        Handshake::new([3; 32], Role::P1),
    );
    let (mut r0, mut r1) = (rng(140, Role::P0), rng(140, Role::P1));
    let (c0, c1) = tokio::time::timeout(STEP, async {
        tokio::join!(
            listener.accept(&h0, &mut r0),
            dial(addr, &b, a.fingerprint(), &h1, &cfg, &mut r1)
        )
    })
    .await
    .unwrap();
    (c0.unwrap(), c1.unwrap())
}

/// Runs `body` for both parties over a fresh link, then closes it cleanly.
async fn over_quic<T: PartialEq + core::fmt::Debug>(
    body: impl AsyncFn(&mut E) -> Result<T, EngineError>,
) -> T {
    let (c0, c1) = quic_pair().await;
    let sid = c0.session_id().0;
    assert_eq!(sid, c1.session_id().0);
    let mk = |role, ch| {
        let mut g = rng(141, role);
        let pre = OtPreprocessing::new(role, sid, &mut g);
        Engine::new(role, ch, pre, &mut g)
    };
    let (mut e0, mut e1): (E, E) = (mk(Role::P0, c0), mk(Role::P1, c1));
    let (a, b) = tokio::time::timeout(STEP, async { tokio::join!(body(&mut e0), body(&mut e1)) })
        .await
        .unwrap();
    let ((c0, _), (c1, _)) = (e0.into_parts(), e1.into_parts());
    let (s0, s1) = tokio::time::timeout(STEP, async { tokio::join!(c0.close(), c1.close()) })
        .await
        .unwrap();
    assert_eq!(s0.unwrap().digest, s1.unwrap().digest);
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a, b);
    a
}

async fn input<R: Ring>(e: &mut E, owner: Role, v: &[R]) -> Result<Shared<R>, EngineError> {
    if e.role() == owner {
        e.share_input(v).await
    } else {
        e.receive_input(v.len()).await
    }
}

fn values<R: Ring>(seed: u64, n: usize) -> Vec<R> {
    duet_core::ring::random_vec(&mut rng(seed, Role::P0), n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mul_and_comparison_over_loopback_quic() {
    let n = 3000;
    let (x64, y64): (Vec<Z64>, Vec<Z64>) = (values(142, n), values(143, n));
    // Within +-2^124, so x - y cannot wrap and lt is the signed comparison.
    let small = |v: Vec<Z128>| -> Vec<Z128> {
        v.into_iter()
            .map(|z| Z128::from_i128(z.to_i128() >> 4))
            .collect()
    };
    let (x128, y128) = (small(values(144, 50)), small(values(145, 50)));
    let got = over_quic(async |e| {
        let x = input(e, Role::P0, &x64).await?;
        let y = input(e, Role::P1, &y64).await?;
        let prod = e.mul(&x, &y).await?;
        let ltz = e.ltz(&x).await?;
        let eq = e.eq(&x, &x).await?;
        let a = input(e, Role::P1, &x128).await?;
        let b = input(e, Role::P0, &y128).await?;
        let p128 = e.mul(&a, &b).await?;
        let lt128 = e.lt(&a, &b).await?;
        Ok((
            e.open(&prod).await?,
            e.open(&ltz).await?,
            e.open(&eq).await?,
            e.open(&p128).await?,
            e.open(&lt128).await?,
        ))
    })
    .await;
    for i in 0..n {
        assert_eq!(got.0[i], x64[i] * y64[i], "mul {i}");
        assert_eq!(got.1[i], Z64(u64::from(x64[i].msb())), "ltz {i}");
        assert_eq!(got.2[i], Z64(1), "eq {i}");
    }
    for i in 0..50 {
        assert_eq!(got.3[i], x128[i] * y128[i], "mul128 {i}");
        let lt = x128[i].to_i128() < y128[i].to_i128();
        assert_eq!(got.4[i], Z128(u128::from(lt)), "lt128 {i}");
    }
}

/// Many small batches over QUIC: the pipelined generation (batch `k + 2`
/// started before batch `k` ends) keeps both parties' message order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_triples_over_loopback_quic() {
    use duet_core::Preprocessing;
    let (mut c0, mut c1) = quic_pair().await;
    let sid = c0.session_id().0;
    let mk = |role| OtPreprocessing::new(role, sid, &mut rng(146, role)).with_batch_ots(1 << 12);
    let (mut p0, mut p1) = (mk(Role::P0), mk(Role::P1));
    // 64 Z_2^64 triples per batch: 15 full batches and a short one.
    let n = 1000;
    let (t0, t1) = tokio::time::timeout(STEP, async {
        tokio::join!(
            p0.triples::<Z64, _>(&mut c0, n),
            p1.triples::<Z64, _>(&mut c1, n)
        )
    })
    .await
    .unwrap();
    let (t0, t1) = (t0.unwrap(), t1.unwrap());
    let ((a0, b0, d0), (a1, b1, d1)) = (t0.parts(), t1.parts());
    assert_eq!(a0.len(), n);
    for i in 0..n {
        assert_eq!(
            d0[i] + d1[i],
            (a0[i] + a1[i]) * (b0[i] + b1[i]),
            "triple {i}"
        );
    }
    let (s0, s1) = tokio::time::timeout(STEP, async { tokio::join!(c0.close(), c1.close()) })
        .await
        .unwrap();
    assert_eq!(s0.unwrap().digest, s1.unwrap().digest);
}
