//! The opened-iterates fit against the plaintext IRLS reference: each
//! side holds a share of the rows in the clear (the split the study makes:
//! P0's records, then P1's), and the fit must match the reference within
//! the stated 1e-4 on the standardised scale, with the iterates equal to
//! the reference's Newton path.

use duet_stats::secure::logistic::{
    fit_opened, LogisticError, LogisticOptions, OpenedFit, OwnRecords, OPENED_TOLERANCE,
};
use futures::executor::block_on;
use proptest::prelude::*;

use crate::logistic::data::{Dataset, Kind};
use crate::logistic::engines;
use crate::logistic::reference::{irls, max_error};

const TOL: f64 = 1e-4;

/// The iterates against the same Newton path in f64.
const ITERATE_TOL: f64 = 1e-8;

const AGE: Kind = Kind::Numeric {
    min: 20.0,
    max: 90.0,
};

/// Each side's used rows: P0 takes row `i` when `split(i)`.
fn sides(d: &Dataset, split: impl Fn(usize) -> bool) -> [OwnRecords; 2] {
    let p = d.kinds.len() + 1;
    let mut out = [OwnRecords::new(p), OwnRecords::new(p)];
    for i in (0..d.y.len()).filter(|&i| d.used[i]) {
        let side = usize::from(!split(i));
        out[side]
            .push(&d.standardize(&d.x[i]), d.y[i] > 0.5)
            .unwrap();
    }
    out
}

fn run(
    seed: u64,
    d: &Dataset,
    own: &[OwnRecords; 2],
    options: &LogisticOptions,
) -> Result<OpenedFit, LogisticError> {
    let (mut e0, mut e1) = engines(seed);
    let st = d.standardization();
    let bound = d.y.len();
    let (a, b) = block_on(futures::future::join(
        fit_opened(&mut e0, &own[0], &st, bound, options),
        fit_opened(&mut e1, &own[1], &st, bound, options),
    ));
    match (a, b) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "the parties got different fits");
            Ok(a)
        }
        (Err(a), Err(_)) => Err(a),
        (a, b) => panic!("one party failed: {a:?} / {b:?}"),
    }
}

fn options() -> LogisticOptions {
    LogisticOptions::default().with_iterations(25)
}

/// The Newton path from 0 on the used rows in f64, with the fit's ridge:
/// steps `(H / 2^s + p 2^-18 I)^-1 g / 2^s` for `2^s >= n`, `n` the rows
/// with padding (the ridge leaves the maximum where it is but bends the
/// path by about `ridge / lambda_min`).
fn reference_path(d: &Dataset, steps: usize) -> Vec<Vec<f64>> {
    let (xs, ys) = d.used_rows();
    let p = d.kinds.len() + 1;
    let scale = (d.y.len() as f64).log2().ceil().exp2();
    let ridge = p as f64 * 2f64.powi(-18);
    let mut beta = vec![0.0; p];
    let mut out = Vec::new();
    for _ in 0..steps {
        let (g, mut h) = crate::logistic::reference::gradient_hessian(&xs, &ys, &beta);
        for (i, row) in h.iter_mut().enumerate() {
            row.iter_mut().for_each(|v| *v /= scale);
            row[i] += ridge;
        }
        let g: Vec<f64> = g.iter().map(|v| v / scale).collect();
        let inv = crate::logistic::reference::invert(h).unwrap();
        for i in 0..p {
            beta[i] += (0..p).map(|j| inv[i][j] * g[j]).sum::<f64>();
        }
        out.push(beta.clone());
    }
    out
}

fn check(seed: u64, d: &Dataset, split: impl Fn(usize) -> bool) -> OpenedFit {
    let r = irls(d).expect("the reference converges");
    let fit = run(seed, d, &sides(d, split), &options()).unwrap();
    assert!(fit.fit.converged, "{fit:?}");
    assert_eq!(fit.fit.iterations as usize, fit.iterates.len());
    let (eb, es) = max_error(d, &fit.fit, &r);
    assert!(
        eb < TOL && es < TOL,
        "errors {eb:e} {es:e}: {fit:?} vs {r:?}"
    );
    // The opened iterates are that Newton path.
    let path = reference_path(d, fit.iterates.len());
    let mut worst = 0f64;
    for (t, (got, want)) in fit.iterates.iter().zip(&path).enumerate() {
        for (g, w) in got.iter().zip(want) {
            worst = worst.max((g - w).abs());
            assert!(
                (g - w).abs() < ITERATE_TOL,
                "iterate {t}: {got:?} vs {want:?}"
            );
        }
    }
    eprintln!("iterates within {worst:e} of the f64 path");
    // It stopped because the step fell below the tolerance.
    let n = fit.iterates.len();
    let last_step: f64 = if n >= 2 {
        let (a, b) = (&fit.iterates[n - 2], &fit.iterates[n - 1]);
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).powi(2))
            .sum::<f64>()
            .sqrt()
    } else {
        f64::NAN
    };
    assert!(last_step < OPENED_TOLERANCE, "{last_step:e}");
    fit
}

#[test]
fn matches_the_reference_with_both_sides_holding_rows() {
    let kinds = [AGE, Kind::Binary(0.3), Kind::Binary(0.6)];
    let d = Dataset::generate(5, 3000, &kinds, &[-0.5, 1.2, 0.8, -0.4], 0.0);
    let fit = check(41, &d, |i| i % 3 == 0);
    // Newton from 0 converges quadratically: far fewer than 25 steps.
    assert!(fit.iterates.len() <= 10, "{}", fit.iterates.len());
}

#[test]
fn one_side_without_records_and_padding_change_nothing() {
    let kinds = [AGE, Kind::Binary(0.4)];
    let d = Dataset::generate(6, 800, &kinds, &[0.3, -1.0, 0.9], 0.3);
    let all_p0 = check(42, &d, |_| true);
    let all_p1 = check(43, &d, |_| false);
    let mixed = check(44, &d, |i| i % 2 == 0);
    for other in [&all_p1, &mixed] {
        for (a, b) in all_p0.fit.estimates.iter().zip(&other.fit.estimates) {
            assert!((a - b).abs() < 1e-6, "{all_p0:?} vs {other:?}");
        }
    }
}

#[test]
fn strong_effects_and_a_rare_outcome() {
    let kinds = [AGE, Kind::Binary(0.5)];
    let d = Dataset::generate(7, 4000, &kinds, &[-3.5, 2.5, 1.5], 0.0);
    check(45, &d, |i| i < 1000);
}

/// Separation: the coefficients run off, the step never falls below the
/// tolerance, and the fit reports it did not converge.
#[test]
fn separated_data_does_not_converge() {
    let kinds = [AGE];
    let mut d = Dataset::generate(8, 200, &kinds, &[0.0, 0.0], 0.0);
    for i in 0..d.y.len() {
        d.y[i] = f64::from(u8::from(d.x[i][0] > 55.0));
    }
    let fit = run(46, &d, &sides(&d, |i| i % 2 == 0), &options()).unwrap();
    assert!(!fit.fit.converged, "{fit:?}");
    assert_eq!(fit.iterates.len(), 25);
}

#[test]
fn bad_records_are_typed_errors() {
    let mut own = OwnRecords::new(3);
    assert!(matches!(
        own.push(&[0.5], true),
        Err(LogisticError::RecordWidth {
            expected: 3,
            found: 2
        })
    ));
    assert!(matches!(
        own.push(&[0.5, 1.5], true),
        Err(LogisticError::OutOfRange { column: 2 })
    ));
    assert!(matches!(
        own.push(&[f64::NAN, 0.0], true),
        Err(LogisticError::OutOfRange { column: 1 })
    ));
    assert!(own.push(&[-1.0, 1.0], false).is_ok());
    assert_eq!(own.len(), 1);
    // Records of another width than the standardisations say, and no
    // records at all: typed errors before any message.
    let (mut e0, _) = engines(47);
    let st = [duet_stats::secure::logistic::Standardization::from_bounds(
        0.0, 1.0,
    )];
    let wrong = block_on(fit_opened(&mut e0, &own, &st, 10, &options()));
    assert!(matches!(
        wrong,
        Err(LogisticError::RecordWidth {
            expected: 2,
            found: 3
        })
    ));
    let empty = block_on(fit_opened(&mut e0, &OwnRecords::new(2), &st, 0, &options()));
    assert!(matches!(empty, Err(LogisticError::NoRecords)), "{empty:?}");
    let text = LogisticError::OutOfRange { column: 2 }.to_string();
    assert!(text.contains("column 2") && !text.contains("1.5"), "{text}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Random sizes (edge sizes included), splits and effects: within the
    /// tolerance whenever the reference converges.
    #[test]
    fn random_data_matches_the_reference(
        seed in 0u64..1000,
        n in 30usize..400,
        b1 in -2.0f64..2.0,
        b2 in -2.0f64..2.0,
        cut in 0usize..400,
    ) {
        let kinds = [AGE, Kind::Binary(0.5)];
        let d = Dataset::generate(seed, n, &kinds, &[0.2, b1, b2], 0.0);
        prop_assume!(irls(&d).is_some_and(|r| r.steps <= 20));
        check(seed, &d, |i| i < cut);
    }
}
