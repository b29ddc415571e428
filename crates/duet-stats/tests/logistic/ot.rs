//! Real OT preprocessing (no dealer), stocked ahead from `needs`: the same
//! fit as with the test dealer; and cost figures for the module docs
//! (ignored tests: speed is measured, never asserted), run with
//! `cargo test --release -p duet-stats --test stats -- --ignored --nocapture logistic::ot::timing`.

use std::time::Instant;

use duet_core::{Engine, MemoryChannel, Needs, Role, Z128, Z64};
use duet_ot::OtPreprocessing;
use duet_stats::secure::logistic::{needs, preprocess, LogisticOptions};
use futures::executor::block_on;
use rand::SeedableRng;

use crate::logistic::data::{Dataset, Kind};
use crate::logistic::reference::{irls, max_error};
use crate::logistic::{engines, share_and_fit, TestEngine};

/// A connected pair of engines with OT preprocessing.
fn ot_engines() -> (
    Engine<MemoryChannel, OtPreprocessing>,
    Engine<MemoryChannel, OtPreprocessing>,
) {
    let (c0, c1) = MemoryChannel::pair();
    let mut r0 = rand_chacha::ChaCha20Rng::seed_from_u64(21);
    let mut r1 = rand_chacha::ChaCha20Rng::seed_from_u64(22);
    let sid = [9u8; 32];
    let p0 = OtPreprocessing::new(Role::P0, sid, &mut r0);
    let p1 = OtPreprocessing::new(Role::P1, sid, &mut r1);
    (
        Engine::new(Role::P0, c0, p0, &mut r0),
        Engine::new(Role::P1, c1, p1, &mut r1),
    )
}

fn assert_send<T: Send>(_: &T) {}

#[test]
fn ot_preprocessing_fits_the_same() {
    let kinds = [Kind::Numeric {
        min: 0.0,
        max: 10.0,
    }];
    let d = Dataset::generate(11, 40, &kinds, &[0.2, 1.0], 0.1);
    let o = LogisticOptions::default()
        .with_iterations(4)
        .with_inverse_steps(12, 6);
    let stock = needs(d.y.len(), 2, &o).unwrap();
    let (mut e0, mut e1) = ot_engines();
    let body = async |e: &mut Engine<MemoryChannel, OtPreprocessing>| {
        preprocess(e, &stock).await?;
        share_and_fit(e, &d, &o).await
    };
    let f0 = body(&mut e0);
    assert_send(&f0);
    let (a, b) = block_on(futures::future::join(f0, body(&mut e1)));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a, b);
    let r = irls(&d).unwrap();
    let (eb, es) = max_error(&d, &a, &r);
    assert!(eb < 1e-3 && es < 1e-3, "{eb:e} {es:e}");
}

#[test]
#[ignore]
fn timing_n2000_p4() {
    let age = Kind::Numeric {
        min: 20.0,
        max: 90.0,
    };
    let kinds = [age, Kind::Binary(0.3), age];
    let d = Dataset::generate(1, 2000, &kinds, &[-0.5, 1.2, 0.8, -0.7], 0.0);
    let o = LogisticOptions::default();
    let stock = needs(2000, 4, &o).unwrap();
    eprintln!("needs: {stock:?}");
    let (mut e0, mut e1) = engines(5);
    let body = async |e: &mut TestEngine| {
        let t0 = Instant::now();
        preprocess(e, &stock).await.unwrap();
        let t1 = Instant::now();
        let (f0, b0) = (e.channel().frames_sent(), e.channel().bytes_sent());
        let fit = share_and_fit(e, &d, &o).await.unwrap();
        let (f1, b1) = (e.channel().frames_sent(), e.channel().bytes_sent());
        (fit, t1 - t0, t1.elapsed(), f1 - f0, b1 - b0)
    };
    let (a, b) = block_on(futures::future::join(body(&mut e0), body(&mut e1)));
    assert_eq!(a.0, b.0);
    eprintln!(
        "dealer stocking {:?}; online (input sharing + fit) {:?}; frames sent per party {} / {}; bytes sent {} / {}",
        a.1, a.2, a.3, b.3, a.4, b.4
    );
}

#[test]
#[ignore]
fn timing_ot_preprocessing_n2000_p4() {
    let o = LogisticOptions::default();
    let stock = needs(2000, 4, &o).unwrap();
    let (mut e0, mut e1) = ot_engines();
    let body = async |e: &mut Engine<MemoryChannel, OtPreprocessing>| {
        let mut parts = Vec::new();
        let z64 = Needs {
            triples: stock.z64.triples,
            ..Default::default()
        };
        let rest = Needs {
            triples: 0,
            ..stock.z64
        };
        for (name, n64, n128) in [
            ("z64 triples", z64, Needs::default()),
            ("z64 ltz material", rest, Needs::default()),
            ("z128 material", Needs::default(), stock.z128),
        ] {
            let (t0, b0) = (Instant::now(), e.channel().bytes_sent());
            e.preprocess::<Z64>(n64).await.unwrap();
            e.preprocess::<Z128>(n128).await.unwrap();
            parts.push((name, t0.elapsed(), e.channel().bytes_sent() - b0));
        }
        parts
    };
    let (a, _) = block_on(futures::future::join(body(&mut e0), body(&mut e1)));
    eprintln!("OT stocking for n 2000 p 4 (time, bytes sent per party): {a:?}");
}
