//! The on-share sigmoid against f64 over a grid, the breakpoints exactly,
//! and far beyond ±14.

use duet_core::{FixedPoint, Role, Z64};
use duet_stats::secure::logistic::{logistic, logistic_approx, sigmoid};
use futures::executor::block_on;

use crate::{engines, input};

/// Interpolation error (1.2e-5) plus fixed-point rounding at f = 20.
const TOL: f64 = 1.5e-5;

fn secure_sigmoid(xs: &[f64]) -> Vec<f64> {
    let fp = FixedPoint::new(20).unwrap();
    let enc: Vec<Z64> = xs.iter().map(|&x| fp.encode_f64(x).unwrap()).collect();
    let (mut e0, mut e1) = engines(9);
    let body = async |e: &mut crate::TestEngine| {
        let x = input(e, Role::P1, &enc).await.unwrap();
        let s = sigmoid(e, &x, 20).await.unwrap();
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
    xs.extend([0.0, 1e6, -1e6, 2f64.powi(30), -(2f64.powi(30))]);
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
    assert!(worst > 1e-6, "the grid should see the interpolation error");
}

#[test]
fn the_plaintext_approximation_is_continuous_enough() {
    // Steps at the breakpoints are at most twice the interpolation error.
    for b in [0.0, 0.75, 1.5, 2.5, 3.5, 4.5, 6.0, 8.0, 10.0, 14.0] {
        for x in [b, -b] {
            let jump = (logistic_approx(x) - logistic_approx(x - 1e-9)).abs();
            assert!(jump < 2.5e-5, "jump {jump} at {x}");
        }
    }
}
