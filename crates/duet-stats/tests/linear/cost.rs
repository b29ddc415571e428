//! Cost of a regression with p = 6: preprocessing drawn and online time,
//! measured in the test (run it in release mode with `--nocapture`).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use duet_core::{Channel, Engine, InsecureDealer, MemoryChannel, Preprocessing, Ring, Role, Z64};
use duet_stats::secure::linear::{decode_regression, schulz_steps};
use duet_stats::CountingChannel;
use futures::executor::block_on;
use rand::SeedableRng;

use crate::accuracy::regression_errors;
use crate::data::{Gen, Outcome, Records};
use crate::{party, Analysis};

/// Material drawn: (Z_2^64 triples, Z_2^128 triples, AND words, daBits).
#[derive(Debug, Default, Clone, Copy)]
struct Drawn {
    triples64: usize,
    triples128: usize,
    and_words: usize,
    dabits: usize,
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
}

#[test]
fn regression_p6_cost() {
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
    let d = Records::generate(21, 10_000, &gens, &[3.0, -20.0, 7.5, 300.0, -200.0], y);
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
