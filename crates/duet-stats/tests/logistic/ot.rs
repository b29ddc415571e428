//! One fit with real OT preprocessing (no dealer), stocked ahead from
//! `needs`: the same result as with the test dealer, within tolerance.

use duet_core::{Engine, MemoryChannel, Role};
use duet_ot::OtPreprocessing;
use duet_stats::secure::logistic::{needs, preprocess, LogisticOptions};
use futures::executor::block_on;
use rand::SeedableRng;

use crate::data::{Dataset, Kind};
use crate::reference::{irls, max_error};
use crate::share_and_fit;

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
    let (c0, c1) = MemoryChannel::pair();
    let mut r0 = rand_chacha::ChaCha20Rng::seed_from_u64(21);
    let mut r1 = rand_chacha::ChaCha20Rng::seed_from_u64(22);
    let sid = [9u8; 32];
    let p0 = OtPreprocessing::new(Role::P0, sid, &mut r0);
    let p1 = OtPreprocessing::new(Role::P1, sid, &mut r1);
    let mut e0 = Engine::new(Role::P0, c0, p0, &mut r0);
    let mut e1 = Engine::new(Role::P1, c1, p1, &mut r1);
    let body = async |e: &mut Engine<MemoryChannel, OtPreprocessing>| {
        preprocess(e, &stock).await?;
        share_and_fit(e, &d, &o).await
    };
    let (a, b) = block_on(futures::future::join(body(&mut e0), body(&mut e1)));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a, b);
    let r = irls(&d).unwrap();
    let (eb, es) = max_error(&d, &a, &r);
    assert!(eb < 1e-3 && es < 1e-3, "{eb:e} {es:e}");
}
