//! Terms spread over a small part of wide bounds: between the constant
//! threshold (`2^-SCALE_BITS` of the half-width) and the narrowest spread
//! the accuracy holds for (`2^-PRECISION_BITS`) a regression is refused,
//! never released off; elsewhere it is within [`ACCURACY`].

use duet_core::Z128;
use duet_stats::secure::linear::{LinearError, LinearFit, ACCURACY, PRECISION_BITS, SCALE_BITS};

use crate::linear::accuracy::regression_errors;
use crate::linear::data::{Gen, Outcome, Records};
use crate::linear::oracle::ols;
use crate::linear::{opened, secure_regression, Analysis};

/// Standard deviation of term `i` over its half-width.
fn spread(d: &Records, i: usize) -> f64 {
    let v: Vec<f64> = d.rows.iter().map(|r| r[i] as f64).collect();
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64;
    var.sqrt() / d.half(i)
}

/// The worst error on the data's own scale (a slope in units of `sd_y /
/// sd_i`, the intercept and its standard error in units of `sd_y`),
/// relative to `1 + |value|`; reported, not asserted (the stated accuracy
/// is on the bounds' scale).
fn data_scale_error(d: &Records, fit: &LinearFit) -> f64 {
    let o = ols(d).unwrap();
    let k = d.terms() - 1;
    let sd = |i: usize| spread(d, i) * d.half(i);
    let f = |i: usize| {
        if i == 0 {
            1.0 / sd(k)
        } else {
            sd(i - 1) / sd(k)
        }
    };
    let rel = |a: f64, b: f64, f: f64| (a - b).abs() * f / (1.0 + b.abs() * f);
    (0..=k)
        .map(|i| {
            rel(fit.coefficients[i], o.coefficients[i], f(i)).max(rel(
                fit.std_errors[i],
                o.std_errors[i],
                f(i),
            ))
        })
        .fold(0.0, f64::max)
}

/// What the secure regression of `d` did, checked against the oracle:
/// within [`ACCURACY`] on the bounds' scale, or refused as narrow only
/// when some term's spread is near or below `2^-PRECISION_BITS`, or
/// singular only when a predictor is about constant. Returns the data-scale
/// error of a released fit.
fn released_or_refused(name: &str, d: &Records) -> Option<f64> {
    let k = d.terms() - 1;
    let narrowest = (0..=k).map(|i| spread(d, i)).fold(f64::INFINITY, f64::min);
    let precise = 2f64.powi(-(PRECISION_BITS as i32));
    let constant = 2f64.powi(-(SCALE_BITS as i32));
    match secure_regression::<Z128>(41, d) {
        Ok(fit) => {
            if spread(d, k) < constant * 1.01 && fit.r_squared.is_none() {
                // An outcome flagged constant, as documented.
                println!("{name}: outcome taken as constant: {fit:?}");
                return None;
            }
            assert!(
                narrowest > precise * 0.99,
                "{name}: released at {narrowest:e}"
            );
            let (c, s, r) = regression_errors(d, &fit);
            let e = data_scale_error(d, &fit);
            println!("{name}: narrowest {narrowest:.1e}, bounds-scale {c:.1e} {s:.1e} {r:.1e}, data-scale {e:.1e}");
            assert!(
                c <= ACCURACY && s <= ACCURACY && r <= ACCURACY,
                "{name}: {fit:?}"
            );
            Some(c.max(s).max(r))
        }
        Err(LinearError::NarrowSpread) => {
            assert!(
                narrowest < precise * 1.01,
                "{name}: refused at {narrowest:e}"
            );
            println!("{name}: narrowest {narrowest:.1e}, refused as narrow");
            None
        }
        Err(LinearError::SingularDesign) => {
            let predictor = (0..k).map(|i| spread(d, i)).fold(f64::INFINITY, f64::min);
            assert!(
                predictor < constant * 1.01,
                "{name}: singular at {predictor:e}"
            );
            None
        }
        Err(e) => panic!("{name}: {e}"),
    }
}

const HALF: i64 = 1_000_000_000;

/// An outcome spread over `f` of its half-width, its mean at `at` (-1 the
/// bottom edge, 1 the top), on a predictor spread over the whole range.
fn narrow_outcome(seed: u64, f: f64, at: f64) -> Records {
    let sd = (f * HALF as f64).max(0.5);
    let room = (HALF as f64 - 7.0 * sd).max(0.0);
    let x = Gen::Uniform {
        min: 0,
        max: 1000,
        lo: 0,
        hi: 1000,
    };
    // Half the outcome's variance from the slope, half from the noise.
    let slope = 0.7 * sd / 288.7;
    let y = Outcome {
        min: -HALF,
        max: HALF,
        intercept: at * room - slope * 500.0,
        noise: 0.7 * sd,
    };
    Records::generate(seed, 120, &[x], &[slope], y)
}

/// A predictor spread over `f` of its half-width at `at`, the outcome
/// spread over about a thousandth of its own.
fn narrow_predictor(seed: u64, f: f64, at: f64) -> Records {
    let width = (f * HALF as f64 * 12f64.sqrt()).round().max(1.0);
    let room = (HALF as f64 - width / 2.0).max(0.0);
    let mid = (at * room).round() as i64;
    let half = (width / 2.0) as i64;
    let x = Gen::Uniform {
        min: -HALF,
        max: HALF,
        lo: mid - half,
        hi: mid + half,
    };
    let slope = 1e6 / width;
    let y = Outcome {
        min: -HALF,
        max: HALF,
        intercept: -slope * mid as f64,
        noise: 5e5,
    };
    Records::generate(
        seed,
        120,
        &[x, Gen::Category { levels: 2 }],
        &[slope, 2e5],
        y,
    )
}

#[test]
fn outcome_at_the_edge_of_very_wide_bounds_is_refused() {
    // The study's case: an outcome spread over about 3e-7 of its
    // half-width, at the bottom edge, was released with the intercept's
    // standard error off by two thirds.
    let d = narrow_outcome(40, 3e-7, -1.0);
    let f = spread(&d, 1);
    assert!(f > 2f64.powi(-24) && f < 1e-6, "{f}");
    assert!(matches!(
        secure_regression::<Z128>(40, &d),
        Err(LinearError::NarrowSpread)
    ));
    released_or_refused("study's case", &d);
    let v = opened::<Z128>(40, &d, Analysis::Regression).unwrap();
    assert_eq!((v[0].0, v[1].0), (0, 1), "not singular, narrow");
    assert!(
        v[2..].iter().all(|x| x.0 == 0),
        "values after the flags are zeroed"
    );
}

#[test]
fn spreads_from_a_billionth_to_the_whole_range() {
    let mut worst = (0f64, 0f64);
    let spreads = [
        1e-9, 3e-8, 1e-7, 4e-7, 9e-7, 1.1e-6, 3e-6, 1e-5, 1e-3, 0.1, 0.5,
    ];
    for (s, &f) in spreads.iter().enumerate() {
        for (a, at) in [-1.0, -0.3, 0.0, 1.0].into_iter().enumerate() {
            let seed = 100 + 10 * s as u64 + a as u64;
            for (what, d) in [
                ("outcome", narrow_outcome(seed, f, at)),
                ("predictor", narrow_predictor(seed, f, at)),
            ] {
                let name = format!("{what} spread {f:e} at {at}");
                if let Some(e) = released_or_refused(&name, &d) {
                    worst.0 = worst.0.max(e);
                    worst.1 = worst.1.max(data_scale_error(
                        &d,
                        &secure_regression::<Z128>(41, &d).unwrap(),
                    ));
                }
            }
        }
    }
    println!(
        "worst released error: bounds scale {:.2e}, data scale {:.2e}",
        worst.0, worst.1
    );
}
