//! Singular designs, constant terms, and the number of values opened.

use duet_core::Z64;
use duet_stats::secure::linear::{LinearError, LinearShape, TermBounds};

use crate::linear::accuracy::{check_correlation, regression_errors};
use crate::linear::data::{Gen, Outcome, Records};
use crate::linear::{opened, secure_correlation, secure_regression, Analysis};

const Y: Outcome = Outcome {
    min: -10_000,
    max: 10_000,
    intercept: 100.0,
    noise: 50.0,
};

#[test]
fn empty_level_is_singular() {
    // A category whose level 2 never occurs: its indicator is constant 0.
    let gens = [
        Gen::Uniform {
            min: 0,
            max: 100,
            lo: 0,
            hi: 100,
        },
        Gen::Constant {
            min: 0,
            max: 1,
            value: 0,
        },
    ];
    let d = Records::generate(11, 50, &gens, &[2.0, 0.0], Y);
    assert!(matches!(
        secure_regression::<Z64>(11, &d),
        Err(LinearError::SingularDesign)
    ));
    // The correlation reports the constant term as undefined.
    let c = secure_correlation::<Z64>(11, &d).unwrap();
    assert_eq!(c.matrix[1], vec![None, None, None]);
    assert!(c.matrix[0][0] == Some(1.0) && c.matrix[0][2].is_some());
    check_correlation::<Z64>("empty level", 11, &d);
}

#[test]
fn collinear_predictors_are_singular() {
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
    ];
    let mut d = Records::generate(12, 60, &gens, &[1.0, 1.0], Y);
    // Third predictor: x0 + 2 x1, exactly.
    d.bounds.insert(2, TermBounds { min: 0, max: 300 });
    for r in &mut d.rows {
        let v = r[0] + 2 * r[1];
        r.insert(2, v);
    }
    assert!(matches!(
        secure_regression::<Z64>(12, &d),
        Err(LinearError::SingularDesign)
    ));
}

#[test]
fn singular_opens_only_the_flag() {
    let gens = [Gen::Constant {
        min: -5,
        max: 5,
        value: 3,
    }];
    let d = Records::generate(13, 20, &gens, &[0.0], Y);
    let v = opened::<Z64>(13, &d, Analysis::Regression).unwrap();
    assert_eq!(v[0].0, 1);
    assert_eq!(v[1].0, 0, "not narrow");
    assert!(
        v[2..].iter().all(|x| x.0 == 0),
        "values after the flags are zeroed"
    );
}

#[test]
fn constant_outcome_has_no_r_squared() {
    let gens = [Gen::Uniform {
        min: 0,
        max: 100,
        lo: 0,
        hi: 100,
    }];
    let y = Outcome {
        min: 0,
        max: 1000,
        intercept: 42.0,
        noise: 0.0,
    };
    let d = Records::generate(14, 30, &gens, &[0.0], y);
    let fit = secure_regression::<Z64>(14, &d).unwrap();
    assert_eq!(fit.r_squared, None);
    assert!((fit.coefficients[0] - 42.0).abs() < 1e-9, "{fit:?}");
    assert_eq!(fit.coefficients[1], 0.0);
    assert_eq!(fit.std_errors, vec![0.0, 0.0]);
    let c = secure_correlation::<Z64>(14, &d).unwrap();
    assert_eq!(c.matrix[1], vec![None, None]);
}

#[test]
fn perfect_fit_has_zero_standard_errors() {
    let gens = [Gen::Uniform {
        min: 0,
        max: 100,
        lo: 0,
        hi: 100,
    }];
    let y = Outcome {
        min: -1000,
        max: 1000,
        intercept: 7.0,
        noise: 0.0,
    };
    let d = Records::generate(15, 40, &gens, &[3.0], y);
    let fit = secure_regression::<Z64>(15, &d).unwrap();
    let (c, _, r) = regression_errors(&d, &fit);
    assert!(c < 1e-6 && r < 1e-6, "{fit:?}");
    assert!(fit.std_errors.iter().all(|s| *s < 1e-4), "{fit:?}");
}

#[test]
fn opened_counts_are_as_documented() {
    let gens = [
        Gen::Uniform {
            min: 0,
            max: 100,
            lo: 0,
            hi: 100,
        },
        Gen::Category { levels: 3 },
    ];
    let d = Records::generate(16, 40, &gens, &[1.0, 5.0, -5.0], Y);
    let (m, p) = (d.terms(), d.terms());
    let reg = opened::<Z64>(16, &d, Analysis::Regression).unwrap();
    assert_eq!(reg.len(), 2 * p + 4);
    let cor = opened::<Z64>(16, &d, Analysis::Correlation).unwrap();
    assert_eq!(cor.len(), m * (m + 1) / 2);
}

#[test]
fn shapes_are_checked() {
    assert!(matches!(
        LinearShape::new(0, vec![TermBounds::INDICATOR]),
        Err(LinearError::NoRecords)
    ));
    assert!(matches!(
        LinearShape::new(5, vec![TermBounds { min: 3, max: 2 }]),
        Err(LinearError::BadBounds { term: 0, .. })
    ));
    // p + 0 records: no residual degrees of freedom.
    let gens = [Gen::Uniform {
        min: 0,
        max: 9,
        lo: 0,
        hi: 9,
    }];
    let d = Records::generate(17, 2, &gens, &[1.0], Y);
    assert!(matches!(
        secure_regression::<Z64>(17, &d),
        Err(LinearError::TooFewRecords { n: 2, p: 2 })
    ));
    // An origin far from the bounds' centre.
    let far = TermBounds {
        min: 1 << 40,
        max: (1 << 40) + 2,
    };
    let shape = LinearShape::new(10, vec![far, TermBounds::INDICATOR]).unwrap();
    assert!(matches!(
        duet_stats::secure::linear::decode_regression(&[], &shape),
        Err(LinearError::InterceptRange { .. })
    ));
}
