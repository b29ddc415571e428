//! The search on Adult against exhaustive evaluation of all 6,480 nodes.
//!
//! Every node is grouped once (with sensitive histograms) and judged under
//! all eight policies of the issue; the optimum of each is the accepted
//! node of least Loss, ties broken by (lower bound, height, node number),
//! the order the search documents.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use common::{adult_problem, adult_table, hierarchy};
use duet_anon::{search, GroundDistance, Lattice, Measure, Policy, PrivacyModel, Scorer};
use rayon::prelude::*;

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
    let policies: Vec<(&str, Policy)> = cases()
        .into_iter()
        .map(|(name, models, limit)| {
            (
                name,
                Policy::new(&problem, models, limit, Some(&salary)).unwrap(),
            )
        })
        .collect();
    let lattice = Lattice::new(&problem.heights()).unwrap();
    assert_eq!(lattice.size(), 6480);
    let scorer = Scorer::new(&problem);

    // evals[node][case] = (accepted, loss)
    let evals: Vec<Vec<(bool, f64)>> = (0..lattice.size())
        .into_par_iter()
        .map(|node| {
            let levels = lattice.levels(node);
            let classes = problem.classes(&levels, true);
            policies
                .iter()
                .map(|(_, policy)| {
                    let a = policy.assess(&classes);
                    (
                        a.anonymous,
                        scorer.value(Measure::Loss, &problem, &levels, &classes, &a),
                    )
                })
                .collect()
        })
        .collect();

    let rank = |node: usize| {
        let levels = lattice.levels(node);
        (
            scorer.lower_bound(Measure::Loss, &levels),
            levels.iter().sum::<usize>(),
            node,
        )
    };
    for (case, (name, policy)) in policies.iter().enumerate() {
        let best = (0..lattice.size())
            .filter(|&n| evals[n][case].0)
            .min_by(|&a, &b| {
                let (ra, rb) = (rank(a), rank(b));
                evals[a][case]
                    .1
                    .total_cmp(&evals[b][case].1)
                    .then(ra.0.total_cmp(&rb.0))
                    .then(ra.1.cmp(&rb.1))
                    .then(ra.2.cmp(&rb.2))
            })
            .unwrap();
        let found = search(&problem, policy, Measure::Loss).unwrap();
        eprintln!(
            "{name}: optimum {:?} loss {:.6} suppressed {}; search checked {} nodes",
            found.levels, found.value, found.suppressed, found.checked
        );
        assert_eq!(found.levels, lattice.levels(best), "{name}");
        assert_eq!(found.value, evals[best][case].1, "{name}");
        assert!(
            found.checked < 1000,
            "{name}: pruning must avoid most of the lattice"
        );
    }
}

#[test]
fn bounds_never_exceed_values_and_grow_with_generalisation() {
    let table = adult_table();
    let problem = adult_problem(&table);
    let policy = Policy::new(
        &problem,
        vec![PrivacyModel::KAnonymity { k: 5 }],
        0.05,
        None,
    )
    .unwrap();
    let lattice = Lattice::new(&problem.heights()).unwrap();
    let scorer = Scorer::new(&problem);
    for measure in [
        Measure::Loss,
        Measure::NonUniformEntropy,
        Measure::Precision,
    ] {
        for node in (0..lattice.size()).step_by(97) {
            let levels = lattice.levels(node);
            let classes = problem.classes(&levels, false);
            let a = policy.assess(&classes);
            let lb = scorer.lower_bound(measure, &levels);
            assert!(lb <= scorer.value(measure, &problem, &levels, &classes, &a) + 1e-9);
            for s in lattice.successors(node) {
                assert!(scorer.lower_bound(measure, &lattice.levels(s)) >= lb - 1e-12);
            }
        }
    }
}
