//! Edges of the stated ranges: spread near the constant threshold, an
//! origin far from the bounds, strong collinearity, many predictors.

use duet_core::{Z128, Z64};

use crate::linear::accuracy::{check_correlation, check_regression};
use crate::linear::data::{Gen, Outcome, Records};
use crate::linear::oracle::ols;

#[test]
fn spread_of_a_millionth_of_the_range() {
    // sd about 1.2e-6 of the half-width (the threshold is 6e-8), outcome
    // spread about 2e-6 of its half-width.
    let gens = [
        Gen::Uniform {
            min: 0,
            max: 1_000_000_000,
            lo: 500_000_000,
            hi: 500_002_000,
        },
        Gen::Uniform {
            min: 0,
            max: 1_000_000_000,
            lo: 0,
            hi: 1_000_000_000,
        },
    ];
    let y = Outcome {
        min: -1_000_000_000,
        max: 1_000_000_000,
        intercept: -1_000_000_000.0,
        noise: 900.0,
    };
    let d = Records::generate(31, 400, &gens, &[2.0, 0.000_001], y);
    check_regression::<Z128>("millionth spread", 31, &d);
    check_correlation::<Z128>("millionth spread", 31, &d);
}

#[test]
fn origin_far_from_the_bounds() {
    // The bounds' centre lies about 2000 half-widths from 0: l = 6.
    let gens = [
        Gen::Uniform {
            min: 1_000_000,
            max: 1_001_000,
            lo: 1_000_000,
            hi: 1_001_000,
        },
        Gen::Category { levels: 3 },
    ];
    let y = Outcome {
        min: 0,
        max: 100_000,
        intercept: -2_950_000.0,
        noise: 200.0,
    };
    let d = Records::generate(32, 500, &gens, &[3.0, 100.0, -50.0], y);
    check_regression::<Z64>("far origin", 32, &d);
}

#[test]
fn strong_collinearity() {
    let gens = [
        Gen::Uniform {
            min: 0,
            max: 1000,
            lo: 0,
            hi: 1000,
        },
        Gen::Uniform {
            min: 0,
            max: 1000,
            lo: 0,
            hi: 1000,
        },
    ];
    let mut d = Records::generate(
        33,
        300,
        &gens,
        &[1.0, -1.0],
        Outcome {
            min: -20_000,
            max: 20_000,
            intercept: 0.0,
            noise: 100.0,
        },
    );
    // A third predictor: x0 + x1 plus noise of 1% of its spread.
    d.bounds.insert(
        2,
        duet_stats::secure::linear::TermBounds {
            min: -40,
            max: 2040,
        },
    );
    for (i, r) in d.rows.iter_mut().enumerate() {
        let v = r[0] + r[1] + ((i * 7919) % 63) as i64 - 31;
        r.insert(2, v);
    }
    let vif = ols(&d).unwrap().max_vif;
    println!("strong collinearity: VIF {vif:.0}");
    assert!(vif > 300.0 && vif < 1000.0);
    check_regression::<Z64>("collinear", 33, &d);
}

#[test]
fn sixteen_predictors() {
    let gens: Vec<Gen> = (0..16)
        .map(|i| Gen::Uniform {
            min: -i,
            max: 100 + 10 * i,
            lo: -i,
            hi: 100 + 10 * i,
        })
        .collect();
    let slopes: Vec<f64> = (0..16).map(|i| f64::from(i) - 7.5).collect();
    let d = Records::generate(
        34,
        2000,
        &gens,
        &slopes,
        Outcome {
            min: -100_000,
            max: 100_000,
            intercept: 50.0,
            noise: 300.0,
        },
    );
    check_regression::<Z64>("16 predictors", 34, &d);
    check_correlation::<Z64>("17 terms", 34, &d);
}

#[test]
fn very_strong_collinearity() {
    // VIF about 1.2 10^4, beyond the stated 10^3: here still within ACCURACY.
    let gens = [
        Gen::Uniform {
            min: 0,
            max: 1000,
            lo: 0,
            hi: 1000,
        },
        Gen::Uniform {
            min: 0,
            max: 1000,
            lo: 0,
            hi: 1000,
        },
    ];
    let y = Outcome {
        min: -20_000,
        max: 20_000,
        intercept: 0.0,
        noise: 100.0,
    };
    let mut d = Records::generate(35, 300, &gens, &[1.0, -1.0], y);
    d.bounds.insert(
        2,
        duet_stats::secure::linear::TermBounds {
            min: -100,
            max: 2100,
        },
    );
    for (i, r) in d.rows.iter_mut().enumerate() {
        let v = r[0] + r[1] + ((i * 7919) % 13) as i64 - 6;
        r.insert(2, v);
    }
    let vif = ols(&d).unwrap().max_vif;
    let fit = crate::linear::secure_regression::<Z64>(35, &d).unwrap();
    let (c, s, r) = crate::linear::accuracy::regression_errors(&d, &fit);
    println!("VIF {vif:.0}: coefficients {c:.2e}, standard errors {s:.2e}, R^2 {r:.2e}");
    assert!(vif > 5e3 && c.max(s).max(r) <= duet_stats::secure::linear::ACCURACY);
}
