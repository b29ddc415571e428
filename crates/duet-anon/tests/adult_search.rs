//! The search on Adult against exhaustive evaluation of all 6,480 nodes.

mod common;

use common::{adult_problem, adult_table, hierarchy};
use duet_anon::{exhaustive, search, GroundDistance, Measure, Policy, PrivacyModel};

fn cases() -> Vec<(&'static str, Vec<PrivacyModel>, f64)> {
    let k = |k| vec![PrivacyModel::KAnonymity { k }];
    vec![
        ("k=2 0%", k(2), 0.0),
        ("k=5 0%", k(5), 0.0),
        ("k=10 0%", k(10), 0.0),
        ("k=2 5%", k(2), 0.05),
        ("k=5 5%", k(5), 0.05),
        ("k=10 5%", k(10), 0.05),
        ("l=2 0%", vec![PrivacyModel::DistinctL { l: 2 }], 0.0),
        (
            "t=0.2 0%",
            vec![PrivacyModel::TCloseness {
                t: 0.2,
                distance: GroundDistance::Equal,
            }],
            0.0,
        ),
    ]
}

#[test]
fn search_matches_exhaustive_on_adult() {
    let table = adult_table();
    let problem = adult_problem(&table);
    let salary = hierarchy("salary-class")
        .bind(&table, "salary-class")
        .unwrap();
    for (name, models, limit) in cases() {
        let policy = Policy::new(&problem, models, limit, Some(&salary)).unwrap();
        let t0 = std::time::Instant::now();
        let found = search(&problem, &policy, Measure::Loss).unwrap();
        let t1 = t0.elapsed();
        let (best, evals) = exhaustive(&problem, &policy, Measure::Loss).unwrap();
        let best = best.unwrap();
        eprintln!("{name}: search {:?} {:?} value {} checked {} ({t1:?}); exhaustive {:?} {} ({} ms), accepted {}",
            found.levels, found.suppressed, found.value, found.checked, best.levels, best.value, best.millis,
            evals.iter().filter(|e| e.anonymous).count());
        assert_eq!(found.levels, best.levels, "{name}");
        assert_eq!(found.value, best.value, "{name}");
    }
}
