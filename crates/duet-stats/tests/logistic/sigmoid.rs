//! The on-share sigmoid against f64 over a grid, the breakpoints exactly,
//! and far beyond ±14.

use duet_core::{FixedPoint, Role, Z64};
use duet_stats::secure::logistic::{logistic, logistic_approx, sigmoid};
use futures::executor::block_on;

use crate::logistic::{engines, input};

/// Interpolation error (7.1e-8 within ±14, 8.3e-7 beyond) plus the final
/// rounding to 2^-20 (9.5e-7).
const TOL: f64 = 1.1e-6;

fn secure_sigmoid(xs: &[f64]) -> Vec<f64> {
    secure_sigmoid_at(xs, 20)
}

fn secure_sigmoid_at(xs: &[f64], f: u32) -> Vec<f64> {
    let fp = FixedPoint::new(f).unwrap();
    let enc: Vec<Z64> = xs.iter().map(|&x| fp.encode_f64(x).unwrap()).collect();
    let (mut e0, mut e1) = engines(9);
    let body = async |e: &mut crate::logistic::TestEngine| {
        let x = input(e, Role::P1, &enc).await.unwrap();
        let s = sigmoid(e, &x, f).await.unwrap();
        e.open(&s).await.unwrap()
    };
    let (a, b) = block_on(futures::future::join(body(&mut e0), body(&mut e1)));
    assert_eq!(a, b);
    a.iter().map(|&v| fp.decode_f64(v)).collect()
}

#[test]
fn matches_f64_on_a_grid_and_at_the_breakpoints() {
    let mut xs: Vec<f64> = (-2000..=2000).map(|i| f64::from(i) / 100.0).collect();
    for b in [0.75, 1.5, 2.5, 3.5, 4.5, 6.0, 8.0, 10.0, 14.0] {
        let ulp = 2f64.powi(-20);
        xs.extend([b, -b, b - ulp, -b + ulp, b + ulp, -b - ulp]);
    }
    // Where the narrowed comparisons (8 fractional bits) may place a value
    // on either side of a breakpoint.
    for b in [0.0, 0.75, 1.5, 2.5, 3.5, 4.5, 6.0, 8.0, 10.0, 14.0] {
        for d in [-3.0, -1.0, -0.5, 0.5, 1.0, 3.0] {
            let x = b + d * 2f64.powi(-9);
            xs.extend([x, -x]);
        }
    }
    // The comparisons run on 25 bits: inputs below 2^15 in value (a fit's
    // linear predictor stays below 2^14).
    let top = 2f64.powi(15) - 1.0;
    xs.extend([0.0, 2e4, -2e4, top, -top]);
    let got = secure_sigmoid(&xs);
    let mut worst = 0f64;
    for (&x, &s) in xs.iter().zip(&got) {
        let err = (s - logistic(x)).abs();
        worst = worst.max(err);
        assert!(err < TOL, "sigmoid({x}) = {s}, want {}", logistic(x));
        assert!(
            (0.0..=1.0).contains(&s),
            "sigmoid({x}) = {s} outside [0, 1]"
        );
    }
    // Far out the result is exactly 0 or 1.
    let n = got.len();
    assert_eq!(&got[n - 4..], &[1.0, 0.0, 1.0, 0.0]);
    assert!(
        worst > 2.5e-7,
        "the grid should see the rounding, worst {worst:e}"
    );
}

#[test]
fn the_plaintext_approximation_is_continuous_enough() {
    // Steps at the breakpoints are at most twice the interpolation error,
    // and the approximation is that close everywhere.
    for b in [0.0, 0.75, 1.5, 2.5, 3.5, 4.5, 6.0, 8.0, 10.0, 14.0] {
        for x in [b, -b] {
            let jump = (logistic_approx(x) - logistic_approx(x - 1e-9)).abs();
            assert!(jump < 1.7e-6, "jump {jump} at {x}");
        }
    }
    for i in -3000..=3000 {
        let x = f64::from(i) / 150.0;
        assert!((logistic_approx(x) - logistic(x)).abs() < 8.4e-7, "at {x}");
    }
}

#[test]
fn other_fractional_bits_and_empty_input() {
    assert!(secure_sigmoid(&[]).is_empty());
    // At f = 16 the final rounding is 2^-16 = 1.5e-5.
    let xs: Vec<f64> = (-400..=400).map(|i| f64::from(i) / 25.0).collect();
    for (x, s) in xs.iter().zip(secure_sigmoid_at(&xs, 16)) {
        assert!((s - logistic(*x)).abs() < 1.7e-5, "sigmoid({x}) = {s}");
    }
}

#[test]
fn symmetric_up_to_rounding() {
    let xs: Vec<f64> = (0..200).map(|i| f64::from(i) * 0.0731).collect();
    let neg: Vec<f64> = xs.iter().map(|x| -x).collect();
    let (a, b) = (secure_sigmoid(&xs), secure_sigmoid(&neg));
    for i in 0..xs.len() {
        assert!((a[i] + b[i] - 1.0).abs() < 2.2e-6, "at {}", xs[i]);
    }
}
