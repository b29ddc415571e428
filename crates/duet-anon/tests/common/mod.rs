//! Shared test helpers: the Adult data as the issue specifies it.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::path::PathBuf;

use duet_anon::{CsvOptions, Hierarchy, Problem, Table};

/// The quasi-identifiers of the issue, in ARX's order.
pub const ADULT_QIS: [&str; 8] = [
    "sex",
    "age",
    "race",
    "marital-status",
    "education",
    "native-country",
    "workclass",
    "occupation",
];

pub fn adult_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/adult")
}

pub fn semicolon() -> CsvOptions {
    CsvOptions {
        delimiter: b';',
        ..CsvOptions::default()
    }
}

pub fn adult_table() -> Table {
    Table::read_csv(&adult_dir().join("adult.csv"), &semicolon()).unwrap()
}

pub fn hierarchy(attr: &str) -> Hierarchy {
    Hierarchy::read_arx(
        &adult_dir().join(format!("adult_hierarchy_{attr}.csv")),
        &semicolon(),
    )
    .unwrap()
}

/// Adult with the eight quasi-identifiers and salary-class as sensitive.
pub fn adult_problem(table: &Table) -> Problem {
    let qis = ADULT_QIS
        .iter()
        .map(|q| (q.to_string(), hierarchy(q).bind(table, q).unwrap()))
        .collect();
    Problem::new(table, qis, Some("salary-class")).unwrap()
}
