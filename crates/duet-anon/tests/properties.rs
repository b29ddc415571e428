//! Property tests on random small tables: grouping against a naive string
//! oracle, and the pruned search against exhaustive evaluation for every
//! privacy model, suppression limit and measure.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::collections::HashMap;

use duet_anon::{
    exhaustive, search, AnonError, GroundDistance, Hierarchy, Measure, Policy, PrivacyModel,
    Problem, Table,
};
use proptest::prelude::*;

/// Level `l` label of value `v`: values sharing `v >> l` merge; last level `*`.
fn label(v: u32, l: usize, height: usize) -> String {
    if l == 0 {
        format!("v{v}")
    } else if l == height {
        "*".into()
    } else {
        format!("L{l}-{}", v >> l)
    }
}

fn hierarchy(domain: u32, height: usize) -> Hierarchy {
    let rows = (0..domain)
        .map(|v| (0..=height).map(|l| label(v, l, height)).collect())
        .collect();
    Hierarchy::from_rows("h", rows).unwrap()
}

#[derive(Debug, Clone)]
struct Case {
    heights: Vec<usize>,
    rows: Vec<(Vec<u32>, u32)>,
}

fn case() -> impl Strategy<Value = Case> {
    prop::collection::vec(1usize..=3, 1..=3).prop_flat_map(|heights| {
        let q = heights.len();
        let row = (prop::collection::vec(0u32..6, q), 0u32..3);
        prop::collection::vec(row, 1..40).prop_map(move |rows| Case {
            heights: heights.clone(),
            rows,
        })
    })
}

fn build(c: &Case) -> (Table, Problem) {
    let names: Vec<String> = (0..c.heights.len()).map(|a| format!("q{a}")).collect();
    let mut header: Vec<&str> = names.iter().map(String::as_str).collect();
    header.push("s");
    let rows: Vec<Vec<String>> = c
        .rows
        .iter()
        .map(|(qs, s)| {
            qs.iter()
                .map(|v| format!("v{v}"))
                .chain([format!("s{s}")])
                .collect()
        })
        .collect();
    let table = Table::from_rows("t.csv", &header, &rows).unwrap();
    let qis = names
        .iter()
        .zip(&c.heights)
        .map(|(n, &h)| (n.clone(), hierarchy(6, h).bind(&table, n).unwrap()))
        .collect();
    let p = Problem::new(&table, qis, Some("s")).unwrap();
    (table, p)
}

fn model() -> impl Strategy<Value = PrivacyModel> {
    prop_oneof![
        (1u64..5).prop_map(|k| PrivacyModel::KAnonymity { k }),
        (1u64..3).prop_map(|l| PrivacyModel::DistinctL { l }),
        (1.0f64..2.5).prop_map(|l| PrivacyModel::EntropyL { l }),
        (0.5f64..3.0).prop_map(|c| PrivacyModel::RecursiveCl { c, l: 2 }),
        (0.0f64..0.8).prop_map(|t| PrivacyModel::TCloseness {
            t,
            distance: GroundDistance::Equal
        }),
    ]
}

fn measure() -> impl Strategy<Value = Measure> {
    prop_oneof![
        Just(Measure::Loss),
        Just(Measure::NonUniformEntropy),
        Just(Measure::Discernibility),
        Just(Measure::Aecs),
        Just(Measure::Precision),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn classes_match_naive_grouping(c in case(), pick in any::<prop::sample::Index>()) {
        let (_, p) = build(&c);
        let n_nodes: usize = c.heights.iter().map(|h| h + 1).product();
        let node = pick.index(n_nodes);
        let mut levels = Vec::new();
        let mut rest = node;
        for &h in &c.heights { levels.push(rest % (h + 1)); rest /= h + 1; }
        // Oracle: group records by their generalised label strings.
        let mut oracle: HashMap<Vec<String>, HashMap<u32, u64>> = HashMap::new();
        for (qs, s) in &c.rows {
            let key = qs.iter().zip(&levels).zip(&c.heights).map(|((&v, &l), &h)| label(v, l, h)).collect();
            *oracle.entry(key).or_default().entry(*s).or_default() += 1;
        }
        let classes = p.classes(&levels, true);
        prop_assert_eq!(classes.len(), oracle.len());
        let mut got: Vec<(u64, Vec<u64>)> = (0..classes.len()).map(|i| {
            let mut h: Vec<u64> = classes.histogram(i).iter().map(|&(_, n)| n).collect();
            h.sort_unstable();
            (classes.sizes[i], h)
        }).collect();
        let mut want: Vec<(u64, Vec<u64>)> = oracle.values().map(|h| {
            let mut v: Vec<u64> = h.values().copied().collect();
            v.sort_unstable();
            (v.iter().sum(), v)
        }).collect();
        got.sort();
        want.sort();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn search_equals_exhaustive(c in case(), models in prop::collection::vec(model(), 1..3),
                                limit in prop_oneof![Just(0.0), Just(0.1), Just(0.3)], m in measure()) {
        let (table, p) = build(&c);
        // Sensitive tree: s0 and s1 under g0, s2 under g1, then the root.
        let rows = (0..3).map(|v| vec![format!("s{v}"), format!("g{}", v / 2), "*".into()]).collect();
        let tree = Hierarchy::from_rows("hs", rows).unwrap().bind(&table, "s").unwrap();
        let policy = match Policy::new(&p, models, limit, Some(&tree)) {
            Err(AnonError::ImpossibleK { .. }) => return Ok(()),
            other => other.unwrap(),
        };
        let (best, _) = exhaustive(&p, &policy, m).unwrap();
        match (search(&p, &policy, m), best) {
            (Ok(found), Some(best)) => {
                prop_assert_eq!(&found.levels, &best.levels);
                prop_assert_eq!(found.value, best.value);
                prop_assert_eq!(found.suppressed, best.suppressed);
            }
            (Err(AnonError::NoSolution { .. }), None) => {}
            (got, want) => prop_assert!(false, "search {:?} vs exhaustive {:?}", got, want),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn roll_up_equals_direct_grouping(c in case(), a in any::<prop::sample::Index>(), b in any::<prop::sample::Index>(), hist in any::<bool>()) {
        let (_, p) = build(&c);
        let lat = duet_anon::Lattice::new(&p.heights()).unwrap();
        let (x, y) = (lat.levels(a.index(lat.size())), lat.levels(b.index(lat.size())));
        let (lo, hi): (Vec<usize>, Vec<usize>) = x.iter().zip(&y).map(|(&u, &v)| (u.min(v), u.max(v))).unzip();
        let direct = p.classes(&hi, hist);
        let rolled = p.classes_from(&p.classes(&lo, hist), &hi, hist);
        // Same partition of rows, same sizes and histograms per class.
        let mut rename = std::collections::HashMap::new();
        for (&d, &r) in direct.class_of_row.iter().zip(&rolled.class_of_row) {
            prop_assert_eq!(*rename.entry(r).or_insert(d), d);
        }
        prop_assert_eq!(direct.len(), rolled.len());
        for (&r, &d) in &rename {
            prop_assert_eq!(rolled.sizes[r as usize], direct.sizes[d as usize]);
            let mut hr = rolled.histogram(r as usize).to_vec();
            let mut hd = direct.histogram(d as usize).to_vec();
            hr.sort_unstable();
            hd.sort_unstable();
            prop_assert_eq!(hr, hd);
        }
    }
}
