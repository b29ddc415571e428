//! The secure results against the plaintext references on fixed data
//! sets: numeric predictors, categories, small and large n, narrow spread,
//! negative values, both rings. Tolerance: [`ACCURACY`] (see its doc).

use duet_core::{Ring, Z128, Z64};
use duet_stats::secure::linear::{CorrelationMatrix, LinearError, LinearFit, ACCURACY};

use crate::linear::data::{Gen, Outcome, Records};
use crate::linear::oracle::{ols, pearson};
use crate::linear::{secure_correlation, secure_regression};

/// `|a - b|` relative to `1 + |b|`, both scaled by `f`.
fn rel(a: f64, b: f64, f: f64) -> f64 {
    (a - b).abs() * f / (1.0 + b.abs() * f)
}

/// The worst errors of a fit on the bound-standardised scale:
/// (coefficients, standard errors, R^2).
pub fn regression_errors(d: &Records, fit: &LinearFit) -> (f64, f64, f64) {
    let o = ols(d).expect("the reference fits");
    let k = d.terms() - 1;
    let sy = d.half(k);
    let scale = |i: usize| if i == 0 { 1.0 / sy } else { d.half(i - 1) / sy };
    let mut worst = (0f64, 0f64, 0f64);
    for i in 0..=k {
        worst.0 = worst
            .0
            .max(rel(fit.coefficients[i], o.coefficients[i], scale(i)));
        worst.1 = worst
            .1
            .max(rel(fit.std_errors[i], o.std_errors[i], scale(i)));
    }
    // The residual standard error, in units of s_y like the others.
    let sigma = rel(fit.residual_std_error, o.residual_std_error, 1.0 / sy);
    worst.1 = worst.1.max(sigma);
    worst.2 = match (fit.r_squared, o.r_squared) {
        (Some(a), Some(b)) => (a - b).abs(),
        (None, None) => 0.0,
        (a, b) => panic!("R^2 {a:?} against the reference's {b:?}"),
    };
    assert_eq!(fit.residual_df, (d.n() - k - 1) as u64);
    worst
}

/// Checks a secure regression against the reference; returns the worst error.
pub fn check_regression<R: Ring>(name: &str, seed: u64, d: &Records) -> f64 {
    let fit = secure_regression::<R>(seed, d).unwrap();
    let (c, s, r) = regression_errors(d, &fit);
    println!("{name}: coefficients {c:.2e}, standard errors {s:.2e}, R^2 {r:.2e}");
    assert!(
        c <= ACCURACY && s <= ACCURACY && r <= ACCURACY,
        "{name}: {fit:?}"
    );
    c.max(s).max(r)
}

/// The worst absolute error of a correlation matrix.
pub fn correlation_error(d: &Records, got: &CorrelationMatrix) -> f64 {
    let want = pearson(d);
    let mut worst = 0f64;
    for (gr, wr) in got.matrix.iter().zip(&want) {
        for (g, w) in gr.iter().zip(wr) {
            match (g, w) {
                (Some(a), Some(b)) => worst = worst.max((a - b).abs()),
                (None, None) => {}
                (a, b) => panic!("entry {a:?} against the reference's {b:?}"),
            }
        }
    }
    worst
}

/// Checks a secure correlation matrix against the reference.
pub fn check_correlation<R: Ring>(name: &str, seed: u64, d: &Records) -> f64 {
    let got = secure_correlation::<R>(seed, d).unwrap();
    assert_eq!(got.matrix.len(), d.terms());
    let e = correlation_error(d, &got);
    println!("{name}: correlation {e:.2e}");
    assert!(e <= ACCURACY, "{name}: {got:?}");
    e
}

const Y: Outcome = Outcome {
    min: -100_000,
    max: 100_000,
    intercept: 250.0,
    noise: 900.0,
};

fn numeric() -> Records {
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
    ];
    Records::generate(1, 500, &gens, &[3.0, -20.0, 7.5], Y)
}

fn categories() -> Records {
    let gens = [
        Gen::Uniform {
            min: 0,
            max: 200,
            lo: 0,
            hi: 200,
        },
        Gen::Category { levels: 4 },
    ];
    Records::generate(2, 400, &gens, &[4.0, 300.0, -800.0, 1500.0], Y)
}

#[test]
fn numeric_predictors() {
    check_regression::<Z64>("numeric", 1, &numeric());
    check_correlation::<Z64>("numeric", 1, &numeric());
}

#[test]
fn category_indicators() {
    check_regression::<Z64>("categories", 2, &categories());
    check_correlation::<Z64>("categories", 2, &categories());
}

#[test]
fn small_n() {
    let gens = [
        Gen::Uniform {
            min: 0,
            max: 100,
            lo: 0,
            hi: 100,
        },
        Gen::Uniform {
            min: 0,
            max: 100,
            lo: 0,
            hi: 100,
        },
        Gen::Uniform {
            min: 0,
            max: 100,
            lo: 0,
            hi: 100,
        },
    ];
    // p = 4 coefficients, p + 2 records.
    let d = Records::generate(3, 6, &gens, &[1.0, 2.0, -1.0], Y);
    check_regression::<Z64>("small n", 3, &d);
    check_correlation::<Z64>("small n", 3, &d);
}

#[test]
fn large_n_near_bounds() {
    let gens = [
        Gen::Edges {
            min: -1_000_000,
            max: 1_000_000,
            jitter: 50_000,
        },
        Gen::Edges {
            min: 0,
            max: 500_000,
            jitter: 100_000,
        },
        Gen::Category { levels: 3 },
    ];
    let y = Outcome {
        min: -1_000_000,
        max: 1_000_000,
        intercept: -300_000.0,
        noise: 50_000.0,
    };
    let d = Records::generate(4, 100_000, &gens, &[0.2, 0.9, 40_000.0, -20_000.0], y);
    check_regression::<Z64>("large n", 4, &d);
    check_correlation::<Z64>("large n", 4, &d);
}

#[test]
fn narrow_spread_within_wide_bounds() {
    // Spread about 2.3e-4 of the half-width for x, 1e-3 for y.
    let gens = [
        Gen::Uniform {
            min: 0,
            max: 1_000_000,
            lo: 500_000,
            hi: 500_400,
        },
        Gen::Uniform {
            min: 0,
            max: 10,
            lo: 0,
            hi: 10,
        },
    ];
    let y = Outcome {
        min: -10_000_000,
        max: 10_000_000,
        intercept: -2_000_000.0,
        noise: 800.0,
    };
    let d = Records::generate(5, 300, &gens, &[4.0, 300.0], y);
    check_regression::<Z64>("narrow spread", 5, &d);
    check_correlation::<Z64>("narrow spread", 5, &d);
}

#[test]
fn negative_values() {
    let gens = [
        Gen::Uniform {
            min: -500,
            max: -100,
            lo: -500,
            hi: -100,
        },
        Gen::Uniform {
            min: -9000,
            max: -1000,
            lo: -9000,
            hi: -3000,
        },
    ];
    let y = Outcome {
        min: -50_000,
        max: 0,
        intercept: -30_000.0,
        noise: 300.0,
    };
    let d = Records::generate(6, 250, &gens, &[-12.0, 0.8], y);
    check_regression::<Z64>("negative", 6, &d);
    check_correlation::<Z64>("negative", 6, &d);
}

#[test]
fn z128_ring() {
    let gens = [
        Gen::Uniform {
            min: -1_000_000_000_000,
            max: 1_000_000_000_000,
            lo: -1_000_000_000_000,
            hi: 1_000_000_000_000,
        },
        Gen::Category { levels: 2 },
    ];
    let y = Outcome {
        min: -4_000_000_000_000,
        max: 4_000_000_000_000,
        intercept: 1e11,
        noise: 1e11,
    };
    let d = Records::generate(7, 1000, &gens, &[1.5, 3e11], y);
    // n s^2 is about 2^90: Z_2^64 cannot hold the shifted sums.
    assert!(matches!(
        secure_regression::<Z64>(7, &d),
        Err(LinearError::OutOfRange { ring_bits: 64 })
    ));
    check_regression::<Z128>("z128", 7, &d);
    check_correlation::<Z128>("z128", 7, &d);
    check_regression::<Z128>("z128, small data", 8, &numeric());
}
