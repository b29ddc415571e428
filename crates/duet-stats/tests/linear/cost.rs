//! Cost of a regression with p = 6: preprocessing drawn and online time,
//! measured in the test (run it in release mode with `--nocapture`).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use duet_core::{Channel, Engine, InsecureDealer, MemoryChannel, Preprocessing, Ring, Role, Z64};
use duet_stats::secure::linear::{decode_regression, schulz_steps};
use duet_stats::CountingChannel;
use futures::executor::block_on;
use rand::SeedableRng;

use crate::linear::accuracy::regression_errors;
use crate::linear::data::{Gen, Outcome, Records};
use crate::linear::{party, Analysis};

/// Material drawn: (Z_2^64 triples, Z_2^128 triples, AND words, daBits,
/// bit-OLE pairs, leaf-OT pairs).
#[derive(Debug, Default, Clone, Copy)]
struct Drawn {
    triples64: usize,
    triples128: usize,
    and_words: usize,
    and_pairs: usize,
    dabits: usize,
    bit_oles: usize,
    leaf_ots: usize,
}

/// The dealer, counting what is drawn from it.
struct Counting(InsecureDealer, Arc<Mutex<Drawn>>);

impl Preprocessing for Counting {
    type Error = core::convert::Infallible;
    async fn triples<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        n: usize,
    ) -> Result<duet_core::BeaverTriples<R>, Self::Error> {
        if let Ok(mut d) = self.1.lock() {
            if R::BITS == 64 {
                d.triples64 += n
            } else {
                d.triples128 += n
            }
        }
        self.0.triples(ch, n).await
    }
    async fn and_triples<C: Channel>(
        &mut self,
        ch: &mut C,
        w: usize,
    ) -> Result<duet_core::AndTriples, Self::Error> {
        if let Ok(mut d) = self.1.lock() {
            d.and_words += w;
        }
        self.0.and_triples(ch, w).await
    }
    async fn and_pairs<C: Channel>(
        &mut self,
        ch: &mut C,
        w: usize,
    ) -> Result<duet_core::AndPairs, Self::Error> {
        if let Ok(mut d) = self.1.lock() {
            d.and_pairs += w;
        }
        self.0.and_pairs(ch, w).await
    }
    async fn leaf_ots<C: Channel>(
        &mut self,
        ch: &mut C,
        n: usize,
    ) -> Result<duet_core::LeafOts, Self::Error> {
        if let Ok(mut d) = self.1.lock() {
            d.leaf_ots += n;
        }
        self.0.leaf_ots(ch, n).await
    }
    async fn dabits<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        n: usize,
    ) -> Result<duet_core::DaBits<R>, Self::Error> {
        if let Ok(mut d) = self.1.lock() {
            d.dabits += n;
        }
        self.0.dabits(ch, n).await
    }
    async fn bit_oles<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        n: usize,
    ) -> Result<duet_core::BitOles<R>, Self::Error> {
        if let Ok(mut d) = self.1.lock() {
            d.bit_oles += n;
        }
        self.0.bit_oles(ch, n).await
    }
}

/// The p = 6 design of the measurements (n = 10^4).
fn design() -> Records {
    let gens = [
        Gen::Uniform {
            min: 0,
            max: 1000,
            lo: 0,
            hi: 1000,
        },
        Gen::Uniform {
            min: 18,
            max: 90,
            lo: 18,
            hi: 90,
        },
        Gen::Uniform {
            min: -50,
            max: 50,
            lo: -50,
            hi: 50,
        },
        Gen::Category { levels: 3 },
    ];
    let y = Outcome {
        min: -100_000,
        max: 100_000,
        intercept: 100.0,
        noise: 500.0,
    };
    Records::generate(21, 10_000, &gens, &[3.0, -20.0, 7.5, 300.0, -200.0], y)
}

#[test]
fn regression_p6_cost() {
    let d = design();
    assert_eq!(d.terms(), 6);
    let shape = d.shape();
    let (c0, c1) = MemoryChannel::pair();
    let c0 = CountingChannel::new(c0);
    let drawn = Arc::new(Mutex::new(Drawn::default()));
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
    let mut e0 = Engine::new(
        Role::P0,
        c0,
        Counting(InsecureDealer::new(Role::P0, [5; 32]), drawn.clone()),
        &mut rng,
    );
    let mut e1 = Engine::new(
        Role::P1,
        c1,
        InsecureDealer::new(Role::P1, [5; 32]),
        &mut rng,
    );
    let start = Instant::now();
    let (a, b) = block_on(futures::future::join(
        party::<Z64, _, _>(&mut e0, &d, &shape, Analysis::Regression),
        party::<Z64, _, _>(&mut e1, &d, &shape, Analysis::Regression),
    ));
    let elapsed = start.elapsed();
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a, b);
    let fit = decode_regression(&a, &shape).unwrap();
    let (c, s, r) = regression_errors(&d, &fit);
    let drawn = *drawn.lock().unwrap();
    let (channel, _) = e0.into_parts();
    let sent = channel.traffic().total();
    println!(
        "p = 6, {} Newton-Schulz steps: {drawn:?} (P0), {} messages / {} bytes sent by P0, \
         {:.1} ms both parties on one thread (dealer generating on demand, input sharing \
         included); errors {c:.1e} {s:.1e} {r:.1e}",
        schulz_steps(5),
        sent.sent_frames,
        sent.sent_bytes,
        elapsed.as_secs_f64() * 1e3
    );
    // Comparisons: m SCALE_BITS + 2k + 2 = 6 * 24 + 10 + 2.
    assert_eq!(drawn.dabits, 156);
}

/// One party of the robust measurement: the plain fit, then (counted
/// apart) the robust pass on the same pooled shares.
async fn robust_party<C: Channel, P: Preprocessing>(
    e: &mut Engine<CountingChannel<C>, P>,
    d: &Records,
    drawn: &Arc<Mutex<Drawn>>,
) -> (Drawn, duet_stats::traffic::KindCount, Vec<f64>) {
    use duet_stats::secure::linear::{decode_robust, regression_shares, robust_shares, LocalMeat};
    let shape = d.shape();
    let (first, second) = d.split();
    let cross = crate::linear::pooled_parts::<Z64, _, _>(e, &first, &second)
        .await
        .unwrap();
    let plain = regression_shares(e, &cross, &shape).await.unwrap();
    let fit = decode_regression(&e.open(&plain).await.unwrap(), &shape).unwrap();
    let before = (*drawn.lock().unwrap(), e.channel().traffic().total());
    let own = if e.role() == Role::P0 {
        &first
    } else {
        &second
    };
    let rows: Vec<Vec<i128>> = own
        .rows
        .iter()
        .map(|r| r.iter().map(|&v| i128::from(v)).collect())
        .collect();
    let meat = LocalMeat::new(&shape, &fit, rows.iter().map(Vec::as_slice), e.role()).unwrap();
    let shares = robust_shares(e, &cross, &shape, &fit, &meat).await.unwrap();
    let se = decode_robust(&e.open(&shares).await.unwrap(), &shape).unwrap();
    let after = (*drawn.lock().unwrap(), e.channel().traffic().total());
    let extra = Drawn {
        triples64: after.0.triples64 - before.0.triples64,
        triples128: after.0.triples128 - before.0.triples128,
        and_words: after.0.and_words - before.0.and_words,
        and_pairs: after.0.and_pairs - before.0.and_pairs,
        dabits: after.0.dabits - before.0.dabits,
        bit_oles: after.0.bit_oles - before.0.bit_oles,
        leaf_ots: after.0.leaf_ots - before.0.leaf_ots,
    };
    let mut sent = after.1;
    sent.sent_frames -= before.1.sent_frames;
    sent.sent_bytes -= before.1.sent_bytes;
    (extra, sent, se)
}

#[test]
fn robust_p6_cost() {
    let d = design();
    let (c0, c1) = MemoryChannel::pair();
    let drawn = Arc::new(Mutex::new(Drawn::default()));
    let other = Arc::new(Mutex::new(Drawn::default()));
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
    let d0 = Counting(InsecureDealer::new(Role::P0, [5; 32]), drawn.clone());
    let d1 = Counting(InsecureDealer::new(Role::P1, [5; 32]), other.clone());
    let mut e0 = Engine::new(Role::P0, CountingChannel::new(c0), d0, &mut rng);
    let mut e1 = Engine::new(Role::P1, CountingChannel::new(c1), d1, &mut rng);
    let start = Instant::now();
    let ((extra, sent, se), _) = block_on(futures::future::join(
        robust_party(&mut e0, &d, &drawn),
        robust_party(&mut e1, &d, &other),
    ));
    let elapsed = start.elapsed();
    let err = crate::linear::robust::robust_error(&d, &se);
    println!(
        "robust (HC1) pass, p = 6: {extra:?} (P0), {} messages / {} bytes sent by P0 beyond \
         the plain fit, {:.1} ms for fit and robust pass together; error {err:.1e}",
        sent.sent_frames,
        sent.sent_bytes,
        elapsed.as_secs_f64() * 1e3
    );
    // The recomputed solver's comparisons, nothing more: 6 * 24 + 10 + 2.
    assert_eq!(extra.dabits, 156);
    assert!(err <= duet_stats::secure::linear::ACCURACY);
}
