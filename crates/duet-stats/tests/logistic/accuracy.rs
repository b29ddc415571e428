//! Coefficients and standard errors against the plaintext fit, within the
//! stated tolerance (1e-4 absolute on the standardised scale; the worst
//! seen is 5e-6).

use duet_stats::secure::logistic::LogisticOptions;
use proptest::prelude::*;

use crate::logistic::data::{Dataset, Kind};
use crate::logistic::reference::{irls, max_error};
use crate::logistic::secure_fit;

/// The documented tolerance (module docs of `secure::logistic`).
const TOL: f64 = 1e-4;

const AGE: Kind = Kind::Numeric {
    min: 20.0,
    max: 90.0,
};
const SBP: Kind = Kind::Numeric {
    min: 80.0,
    max: 220.0,
};
const BMI: Kind = Kind::Numeric {
    min: 15.0,
    max: 50.0,
};

fn check(seed: u64, d: &Dataset) -> (f64, f64) {
    check_with(seed, d, &LogisticOptions::default())
}

fn check_with(seed: u64, d: &Dataset, options: &LogisticOptions) -> (f64, f64) {
    let r = irls(d).expect("the reference converges");
    assert!(r.steps <= 10, "reference took {} steps", r.steps);
    let fit = secure_fit(seed, d, options).unwrap();
    assert_eq!(fit.iterations, 10);
    // Within the steps the reference needs, the convergence bit says so.
    assert!(fit.converged, "{fit:?}");
    let (eb, es) = max_error(d, &fit, &r);
    assert!(
        eb < TOL && es < TOL,
        "errors {eb:e} {es:e}: {fit:?} vs {r:?}"
    );
    (eb, es)
}

#[test]
fn mixed_predictors_n2000_p5() {
    let kinds = [AGE, Kind::Binary(0.3), SBP, Kind::Binary(0.6)];
    let d = Dataset::generate(1, 2000, &kinds, &[-0.5, 1.2, 0.8, -0.7, 0.4], 0.0);
    check(31, &d);
}

/// Batches of 7 records (the last one 4, padded rows among them) give
/// the fit of the whole at once, within the same tolerance.
#[test]
fn batches_of_a_few_records_give_the_same_fit() {
    let kinds = [AGE, Kind::Binary(0.4)];
    let d = Dataset::generate(8, 599, &kinds, &[0.3, -1.0, 0.9], 0.3);
    check_with(35, &d, &LogisticOptions::default().with_batch(7));
}

#[test]
fn padded_rows_do_not_change_the_fit() {
    let kinds = [AGE, Kind::Binary(0.4)];
    let d = Dataset::generate(2, 600, &kinds, &[0.3, -1.0, 0.9], 0.5);
    assert!(d.used.iter().filter(|u| !**u).count() > 200);
    check(32, &d);
    // The same used rows without padding give the same fit (within tolerance).
    let mut dense = d.clone();
    let keep: Vec<usize> = (0..d.y.len()).filter(|&i| d.used[i]).collect();
    dense.x = keep.iter().map(|&i| d.x[i].clone()).collect();
    dense.y = keep.iter().map(|&i| d.y[i]).collect();
    dense.used = vec![true; keep.len()];
    let a = secure_fit(33, &d, &LogisticOptions::default()).unwrap();
    let b = secure_fit(34, &dense, &LogisticOptions::default()).unwrap();
    for (x, y) in a.estimates.iter().zip(&b.estimates) {
        assert!((x - y).abs() < TOL, "{a:?} vs {b:?}");
    }
}

#[test]
fn small_and_weak_effects() {
    let d = Dataset::generate(3, 150, &[BMI], &[-1.0, 0.5], 0.1);
    check(35, &d);
    let d = Dataset::generate(
        4,
        400,
        &[Kind::Binary(0.1), BMI, AGE],
        &[0.0, 0.0, 0.1, 0.0],
        0.0,
    );
    check(36, &d);
}

#[test]
fn strong_rare_narrow_and_heavily_padded() {
    let band = Kind::Band {
        min: 0.0,
        max: 1000.0,
        lo: 400.0,
        hi: 500.0,
    };
    let b = Kind::Binary(0.3);
    // Strong effects (reference needs 8 steps).
    let d = Dataset::generate(12, 2000, &[AGE, b, AGE], &[-1.0, 3.0, 2.0, -2.5], 0.0);
    check(38, &d);
    // 90% padding: A is ten times smaller than its bound.
    let d = Dataset::generate(13, 2000, &[AGE, b], &[-0.5, 1.2, 0.8], 0.9);
    check(39, &d);
    // Data in a narrow band of wide declared bounds (ill-conditioned A).
    let d = Dataset::generate(14, 2000, &[band, Kind::Binary(0.1)], &[0.5, 8.0, 0.8], 0.0);
    check(40, &d);
    // A rare outcome (about 3%): the sigmoid's accuracy near 0 matters.
    let d = Dataset::generate(15, 2000, &[AGE, Kind::Binary(0.05)], &[-3.5, 1.0, 1.0], 0.0);
    check(41, &d);
}

#[test]
fn intercept_only() {
    let d = Dataset::generate(5, 300, &[], &[-1.3], 0.2);
    check(37, &d);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn random_small_fits(
        seed in 0u64..1000,
        n in 60usize..200,
        p in 1usize..4,
        pad in 0.0f64..0.4,
    ) {
        let kinds: Vec<Kind> = (1..p)
            .map(|j| if j % 2 == 0 { Kind::Binary(0.5) } else { AGE })
            .collect();
        let beta: Vec<f64> = (0..p).map(|j| 0.4 - 0.3 * j as f64).collect();
        let d = Dataset::generate(seed, n, &kinds, &beta, pad);
        // Small samples may be separated; only compare proper fits.
        if let Some(r) = irls(&d).filter(|r| r.steps <= 10 && r.beta.iter().all(|b| b.abs() < 5.0)) {
            let fit = secure_fit(seed, &d, &LogisticOptions::default()).unwrap();
            let (eb, es) = max_error(&d, &fit, &r);
            prop_assert!(eb < TOL && es < TOL, "errors {:e} {:e}", eb, es);
        }
    }
}

/// The first Newton steps on an evenly spaced sample, the last three on
/// every record: the same fit, within the tolerance, here with a sample
/// of a quarter of the records (the default sample is 32,768 records).
#[test]
fn a_warm_up_on_a_sample_gives_the_same_fit() {
    let warm = LogisticOptions::default().with_warm_up(500, 7);
    assert_eq!(warm.schedule(2000), (7, 3));
    let b = Kind::Binary(0.3);
    let d = Dataset::generate(16, 2000, &[AGE, b, SBP], &[0.3, -1.0, 0.9, 0.5], 0.0);
    check_with(42, &d, &warm);
    // Strong effects: the sample's estimate is further off.
    let d = Dataset::generate(12, 2000, &[AGE, b, AGE], &[-1.0, 3.0, 2.0, -2.5], 0.0);
    check_with(43, &d, &warm);
    // Half the rows padding: the sample holds about 250 records.
    let d = Dataset::generate(17, 2000, &[AGE, b], &[-0.5, 1.2, 0.8], 0.5);
    check_with(44, &d, &warm);
    // Records sorted by outcome: an evenly spaced sample still holds both.
    let mut d = Dataset::generate(18, 2000, &[AGE, b], &[-0.5, 1.2, 0.8], 0.0);
    let mut order: Vec<usize> = (0..d.y.len()).collect();
    order.sort_by(|&i, &j| d.y[i].total_cmp(&d.y[j]));
    d.x = order.iter().map(|&i| d.x[i].clone()).collect();
    d.y = order.iter().map(|&i| d.y[i]).collect();
    d.used = order.iter().map(|&i| d.used[i]).collect();
    check_with(45, &d, &warm);
}

/// The default warm-up at the sizes it is for: 100,000 and 400,000
/// records (the bundled job at 200,000 per side), the first 7 steps on
/// 32,768 of them, then 3 on all, against the plaintext fit; half the
/// rows padding, as a job with `max_rows` above its counts has. About 25 s
/// in a release build: `cargo test --release -p duet-stats --test stats
/// -- --ignored --nocapture logistic::accuracy::the_default_warm_up`.
#[test]
#[ignore]
fn the_default_warm_up_on_100000_and_400000_records() {
    let options = LogisticOptions::default();
    let kinds = [AGE, Kind::Binary(0.25), BMI];
    for n in [100_000, 400_000] {
        assert_eq!(options.schedule(n), (7, 3));
        let d = Dataset::generate(19, n, &kinds, &[-0.4, 1.3, 0.6, -0.9], 0.5);
        let (eb, es) = check_with(46, &d, &options);
        println!("{n} records, default warm-up: errors {eb:.1e} (coefficients), {es:.1e} (standard errors)");
    }
}
