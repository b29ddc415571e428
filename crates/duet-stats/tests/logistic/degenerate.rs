//! Edge sizes and degenerate data: typed errors or finite numbers, never a
//! panic.

use duet_core::{Shared, Z64};
use duet_stats::secure::logistic::{
    needs, LogisticError, LogisticInput, LogisticOptions, Standardization,
};

use crate::logistic::data::{Dataset, Kind};
use crate::logistic::secure_fit;

const X: Kind = Kind::Numeric {
    min: -10.0,
    max: 10.0,
};

fn finite(fit: &duet_stats::secure::logistic::LogisticFit) {
    assert!(
        fit.estimates
            .iter()
            .chain(&fit.std_errors)
            .all(|v| v.is_finite()),
        "{fit:?}"
    );
    assert!(fit.std_errors.iter().all(|&v| v > 0.0), "{fit:?}");
}

#[test]
fn no_records_is_a_typed_error() {
    let d = Dataset::generate(1, 0, &[X], &[0.0, 1.0], 0.0);
    let err = secure_fit(40, &d, &LogisticOptions::default()).unwrap_err();
    assert!(matches!(err, LogisticError::NoRecords), "{err}");
    assert!(matches!(
        needs(0, 2, &LogisticOptions::default()),
        Err(LogisticError::NoRecords)
    ));
}

#[test]
fn one_and_two_records_are_finite() {
    for n in [1, 2] {
        let d = Dataset::generate(n as u64, n, &[X], &[0.0, 1.0], 0.0);
        let fit = secure_fit(41, &d, &LogisticOptions::default()).unwrap();
        finite(&fit);
    }
}

#[test]
fn constant_outcome_and_separation_are_finite_with_huge_errors() {
    let mut d = Dataset::generate(6, 300, &[X, Kind::Binary(0.5)], &[0.0, 0.5, 0.5], 0.1);
    d.y.iter_mut().for_each(|y| *y = 0.0);
    let fit = secure_fit(42, &d, &LogisticOptions::default()).unwrap();
    finite(&fit);
    assert!(fit.estimates[0] < -5.0, "{fit:?}");
    assert!(fit.std_errors[0] > 3.0, "{fit:?}");
    // No finite maximum: the convergence bit is 0.
    assert!(!fit.converged, "{fit:?}");
    // Perfect separation on x: y = [x > 0].
    let mut d = Dataset::generate(7, 300, &[X], &[0.0, 0.0], 0.0);
    for i in 0..d.y.len() {
        d.y[i] = f64::from(u8::from(d.x[i][0] > 0.0));
    }
    let fit = secure_fit(43, &d, &LogisticOptions::default()).unwrap();
    finite(&fit);
    assert!(fit.estimates[1] > 0.5, "{fit:?}");
    assert!(!fit.converged, "{fit:?}");
}

#[test]
fn too_few_iterations_do_not_converge() {
    let d = Dataset::generate(9, 400, &[X, Kind::Binary(0.5)], &[0.2, 1.5, -1.0], 0.0);
    let two = LogisticOptions::default().with_iterations(2);
    let fit = secure_fit(45, &d, &two).unwrap();
    assert!(!fit.converged, "two Newton steps from 0: {fit:?}");
    let fit = secure_fit(45, &d, &LogisticOptions::default()).unwrap();
    assert!(fit.converged, "ten: {fit:?}");
}

#[test]
fn all_rows_padded_is_finite() {
    let d = Dataset::generate(8, 50, &[X], &[0.0, 1.0], 1.0);
    assert!(d.used.iter().all(|u| !u));
    let fit = secure_fit(44, &d, &LogisticOptions::default()).unwrap();
    finite(&fit);
}

#[test]
fn inputs_and_options_are_checked() {
    let col = |n| Shared::from_shares(vec![Z64(0); n]);
    let s = Standardization::from_bounds(0.0, 2.0);
    assert!(matches!(
        LogisticInput::new(vec![], col(3), vec![]),
        Err(LogisticError::NoColumns)
    ));
    assert!(matches!(
        LogisticInput::new(vec![col(3), col(2)], col(3), vec![s]),
        Err(LogisticError::ColumnLength {
            column: 1,
            expected: 3,
            found: 2
        })
    ));
    assert!(matches!(
        LogisticInput::new(vec![col(3)], col(3), vec![s]),
        Err(LogisticError::StandardizationCount {
            expected: 0,
            found: 1
        })
    ));
    let bad = Standardization {
        center: 0.0,
        scale: 0.0,
    };
    assert!(matches!(
        LogisticInput::new(vec![col(3), col(3)], col(3), vec![bad]),
        Err(LogisticError::BadStandardization { column: 1, .. })
    ));
    let o = LogisticOptions::default();
    assert!(matches!(
        needs(10, 2, &o.with_iterations(0)),
        Err(LogisticError::BadOption {
            name: "iterations",
            ..
        })
    ));
    assert!(matches!(
        needs(10, 2, &o.with_frac_bits(30)),
        Err(LogisticError::BadOption {
            name: "frac_bits",
            ..
        })
    ));
    assert!(matches!(
        needs(o.max_records() + 1, 2, &o),
        Err(LogisticError::TooManyRecords { .. })
    ));
    assert!(matches!(
        needs(10, 17, &o),
        Err(LogisticError::TooManyColumns { found: 17, max: 16 })
    ));
}
