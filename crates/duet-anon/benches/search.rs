//! Lattice search on Adult (30,162 records, 8 quasi-identifiers, 6,480
//! nodes), the cases of issue 7, minimising ARX's Loss metric.
//!
//! `CARGO_TARGET_DIR=target-anon cargo bench -p duet-anon --bench search`
//! The search is deterministic (no randomness), so no seed is needed.
#![allow(missing_docs)] // criterion_group! generates an undocumented fn

use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use duet_anon::{
    search, CsvOptions, GroundDistance, Hierarchy, Measure, Policy, PrivacyModel, Problem, Table,
};

const QIS: [&str; 8] = [
    "sex",
    "age",
    "race",
    "marital-status",
    "education",
    "native-country",
    "workclass",
    "occupation",
];

fn adult() -> Result<(Problem, Hierarchy, Table), duet_anon::AnonError> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/adult");
    let opts = CsvOptions {
        delimiter: b';',
        ..CsvOptions::default()
    };
    let table = Table::read_csv(&dir.join("adult.csv"), &opts)?;
    let hierarchy =
        |a: &str| Hierarchy::read_arx(&dir.join(format!("adult_hierarchy_{a}.csv")), &opts);
    let mut qis = Vec::new();
    for q in QIS {
        qis.push((q.to_string(), hierarchy(q)?.bind(&table, q)?));
    }
    let problem = Problem::new(&table, qis, Some("salary-class"))?;
    Ok((problem, hierarchy("salary-class")?, table))
}

fn cases() -> Vec<(&'static str, Vec<PrivacyModel>, f64)> {
    let k = |k| vec![PrivacyModel::KAnonymity { k }];
    let t = PrivacyModel::TCloseness {
        t: 0.2,
        distance: GroundDistance::Equal,
    };
    vec![
        ("k2_0", k(2), 0.0),
        ("k5_0", k(5), 0.0),
        ("k10_0", k(10), 0.0),
        ("k2_5", k(2), 0.05),
        ("k5_5", k(5), 0.05),
        ("k10_5", k(10), 0.05),
        ("l2_0", vec![PrivacyModel::DistinctL { l: 2 }], 0.0),
        ("t0.2_0", vec![t], 0.0),
    ]
}

fn bench(c: &mut Criterion) {
    let Ok((problem, salary, table)) = adult() else {
        eprintln!("Adult data not found under datasets/adult; skipping");
        return;
    };
    let Ok(salary) = salary.bind(&table, "salary-class") else {
        return;
    };
    let mut group = c.benchmark_group("adult_search_loss");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(4));
    for (name, models, limit) in cases() {
        let Ok(policy) = Policy::new(&problem, models, limit, Some(&salary)) else {
            continue;
        };
        if let Ok(r) = search(&problem, &policy, Measure::Loss) {
            eprintln!(
                "{name}: optimum {:?} loss {:.6} suppressed {} checked {} of {}",
                r.levels, r.value, r.suppressed, r.checked, r.nodes
            );
        }
        group.bench_function(name, |b| {
            b.iter(|| search(&problem, &policy, Measure::Loss))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
