//! Known answers for one design value (`Feature`): its fixed-point
//! encoding (to the nearest unit of `2^-f`, ties up), its value in the
//! column's units, and the standardisation from the column's bounds.

use super::*;

const F: u32 = 20;

/// A decimal column in tenths between 10 and 70 (say BMI), column 1.
const BMI: Feature = Feature::Numeric {
    col: 1,
    places: 1,
    min: 100,
    max: 700,
};

fn row(v: i64) -> [i64; 2] {
    [7, v]
}

fn z(v: i128) -> Z64 {
    Z64::from_i128(v)
}

#[test]
fn a_value_is_encoded_to_the_nearest_unit_with_ties_up() {
    // 45.0 is 45 * 2^20 exactly; 0.1 is 104857.6 units.
    assert!(BMI.encode(&row(450), F) == z(45 << 20));
    assert!(BMI.encode(&row(1), F) == z(104_858));
    assert!(BMI.encode(&row(-1), F) == z(-104_858));
    // With no fractional bits, 0.5, -0.5 and 1.5 are ties.
    assert!(BMI.encode(&row(5), 0) == z(1));
    assert!(BMI.encode(&row(-5), 0) == z(0));
    assert!(BMI.encode(&row(15), 0) == z(2));
    // An integer column: the value itself.
    let age = Feature::Numeric {
        col: 1,
        places: 0,
        min: 18,
        max: 110,
    };
    assert!(age.encode(&row(45), F) == z(45 << 20));
}

#[test]
fn a_value_reads_in_the_columns_units() {
    assert_eq!(BMI.value(&row(455)), 45.5);
    assert_eq!(BMI.value(&row(-3)), -0.3);
    let level = Feature::Level { col: 1, level: 2 };
    assert_eq!((level.value(&row(2)), level.value(&row(1))), (1.0, 0.0));
}

#[test]
fn the_standardisation_maps_the_bounds_in_the_columns_units() {
    // [10, 70] onto [-1, 1].
    let s = BMI.standardization();
    assert_eq!((s.center, s.scale), (40.0, 30.0));
    let level = Feature::Level { col: 1, level: 2 }.standardization();
    assert_eq!((level.center, level.scale), (0.5, 0.5));
}
