//! Privacy models on hand-made classes, against values worked out by hand.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use duet_anon::model::entropy;
use duet_anon::{GroundDistance, Hierarchy, Policy, PrivacyModel, Problem, Table};

/// A one-attribute table whose sensitive column `s` has the given counts
/// in a single class (the quasi-identifier `q` is constant).
fn one_class(counts: &[u64]) -> (Table, Problem) {
    let mut rows = Vec::new();
    for (v, &c) in counts.iter().enumerate() {
        for _ in 0..c {
            rows.push(vec!["a".to_string(), format!("v{v}")]);
        }
    }
    let table = Table::from_rows("t.csv", &["q", "s"], &rows).unwrap();
    let h = Hierarchy::from_rows("hq", vec![vec!["a".into(), "*".into()]]).unwrap();
    let g = h.bind(&table, "q").unwrap();
    let p = Problem::new(&table, vec![("q".into(), g)], Some("s")).unwrap();
    (table, p)
}

fn accepts(counts: &[u64], model: PrivacyModel) -> bool {
    let (_, p) = one_class(counts);
    let policy = Policy::new(&p, vec![model], 0.0, None).unwrap();
    policy.assess(&p.classes(&[0], true)).anonymous
}

#[test]
fn entropy_of_4_2_1_1_1_1_is_exactly_ln_5() {
    let hist: Vec<(u32, u64)> = [4u64, 2, 1, 1, 1, 1]
        .iter()
        .enumerate()
        .map(|(i, &c)| (i as u32, c))
        .collect();
    assert!((entropy(&hist) - 5f64.ln()).abs() < 1e-12);
    assert!(accepts(
        &[4, 2, 1, 1, 1, 1],
        PrivacyModel::EntropyL { l: 5.0 }
    ));
    assert!(!accepts(
        &[4, 2, 1, 1, 1, 1],
        PrivacyModel::EntropyL { l: 5.01 }
    ));
    assert!(accepts(&[3, 3], PrivacyModel::EntropyL { l: 2.0 }));
    assert!(!accepts(&[4, 2], PrivacyModel::EntropyL { l: 2.0 }));
}

#[test]
fn distinct_and_recursive_l() {
    assert!(accepts(&[5, 1], PrivacyModel::DistinctL { l: 2 }));
    assert!(!accepts(&[6], PrivacyModel::DistinctL { l: 2 }));
    // (c,l) = (2,2): r1 < 2 (r2 + r3): 4 < 2*(2+1) holds; 6 < 2*(2+1) fails.
    assert!(accepts(
        &[4, 2, 1],
        PrivacyModel::RecursiveCl { c: 2.0, l: 2 }
    ));
    assert!(!accepts(
        &[6, 2, 1],
        PrivacyModel::RecursiveCl { c: 2.0, l: 2 }
    ));
    // (c,l) = (3,3): 4 < 3 * 1 fails; too few values fails.
    assert!(!accepts(
        &[4, 2, 1],
        PrivacyModel::RecursiveCl { c: 3.0, l: 3 }
    ));
    assert!(!accepts(
        &[4, 2],
        PrivacyModel::RecursiveCl { c: 9.0, l: 3 }
    ));
}

/// Two classes (q = a, q = b) with sensitive counts; returns the policy's
/// verdict per class.
fn two_classes(
    a: &[(&str, u64)],
    b: &[(&str, u64)],
    model: PrivacyModel,
    tree: Option<&Hierarchy>,
) -> Vec<bool> {
    let mut rows = Vec::new();
    for (q, counts) in [("a", a), ("b", b)] {
        for &(s, c) in counts {
            rows.extend((0..c).map(|_| vec![q.to_string(), s.to_string()]));
        }
    }
    let table = Table::from_rows("t.csv", &["q", "s"], &rows).unwrap();
    let hq = Hierarchy::from_rows(
        "hq",
        vec![vec!["a".into(), "*".into()], vec!["b".into(), "*".into()]],
    )
    .unwrap();
    let p = Problem::new(
        &table,
        vec![("q".into(), hq.bind(&table, "q").unwrap())],
        Some("s"),
    )
    .unwrap();
    let gs = tree.map(|h| h.bind(&table, "s").unwrap());
    let policy = Policy::new(&p, vec![model], 1.0, gs.as_ref()).unwrap();
    let classes = p.classes(&[0], true);
    policy.assess(&classes).outlier.iter().map(|o| !o).collect()
}

#[test]
fn t_closeness_equal_distance() {
    // Global: x 1/2, y 1/4, z 1/4. Class a = {x, x} has EMD 1/2; class b = {x x y y z z}/... see below.
    let a = [("x", 2)];
    let b = [("y", 1), ("z", 1)];
    // global x=1/2 y=1/4 z=1/4; a: (1,0,0) -> EMD 1/2; b: (0,1/2,1/2) -> EMD 1/2.
    let eq = |t| PrivacyModel::TCloseness {
        t,
        distance: GroundDistance::Equal,
    };
    assert_eq!(two_classes(&a, &b, eq(0.5), None), [true, true]);
    assert_eq!(two_classes(&a, &b, eq(0.49), None), [false, false]);
}

#[test]
fn t_closeness_hierarchical_distance() {
    // Tree of height 2: {x, y} under `xy`, z alone under `z`, all under `*`.
    let rows = vec![
        vec!["x".into(), "xy".into(), "*".into()],
        vec!["y".into(), "xy".into(), "*".into()],
        vec!["z".into(), "z".into(), "*".into()],
    ];
    let tree = Hierarchy::from_rows("hs", rows).unwrap();
    // Global over a+b: x 2/8, y 2/8, z 4/8.
    // Class a = {x, x, y, y}? -> (1/2, 1/2, 0): extra x=+1/4, y=+1/4, z=-1/2.
    //   level 1: xy has only positive children -> cost 0; z node: cost 0.
    //   root (height 2/2): extra(xy)=+1/2, extra(z)=-1/2 -> min = 1/2, cost 1/2.
    // Class b = {z, z, z, z} -> mirror image, also 1/2.
    let a = [("x", 2), ("y", 2)];
    let b = [("z", 4)];
    let h = |t| PrivacyModel::TCloseness {
        t,
        distance: GroundDistance::Hierarchical,
    };
    assert_eq!(two_classes(&a, &b, h(0.5), Some(&tree)), [true, true]);
    assert_eq!(two_classes(&a, &b, h(0.49), Some(&tree)), [false, false]);
    // Moving mass between siblings costs half: a = {x x x x}, b = {y y z z z z}...
    // global x 4/10, y 2/10, z 4/10; a (1,0,0): extra x +.6, y -.2, z -.4.
    //   xy node (level 1, cost 1/2): min(.6, .2) = .2 -> 0.1
    //   root (cost 1): extra(xy) = +.4, extra(z) = -.4 -> 0.4.  EMD = 0.5.
    let a = [("x", 4)];
    let b = [("y", 2), ("z", 4)];
    assert!(two_classes(&a, &b, h(0.5), Some(&tree))[0]);
    assert!(!two_classes(&a, &b, h(0.499), Some(&tree))[0]);
    // Equal distance on the same class: half L1 = (.6 + .2 + .4) / 2 = 0.6.
    let eq = PrivacyModel::TCloseness {
        t: 0.59,
        distance: GroundDistance::Equal,
    };
    assert!(!two_classes(&a, &b, eq, None)[0]);
}

#[test]
fn invalid_parameters_are_rejected() {
    let (_, p) = one_class(&[2, 2]);
    for m in [
        PrivacyModel::KAnonymity { k: 0 },
        PrivacyModel::DistinctL { l: 0 },
        PrivacyModel::EntropyL { l: 0.5 },
        PrivacyModel::RecursiveCl { c: 0.0, l: 2 },
        PrivacyModel::TCloseness {
            t: 1.5,
            distance: GroundDistance::Equal,
        },
    ] {
        assert!(Policy::new(&p, vec![m], 0.0, None).is_err(), "{m:?}");
    }
    assert!(Policy::new(&p, vec![PrivacyModel::KAnonymity { k: 5 }], 0.0, None).is_err());
    assert!(Policy::new(&p, vec![PrivacyModel::KAnonymity { k: 4 }], 1.5, None).is_err());
    let hier = PrivacyModel::TCloseness {
        t: 0.2,
        distance: GroundDistance::Hierarchical,
    };
    assert!(
        Policy::new(&p, vec![hier], 0.0, None).is_err(),
        "hierarchical needs a tree"
    );
}

#[test]
fn sensitive_models_need_a_sensitive_attribute() {
    let table = Table::from_rows("t.csv", &["q"], &[vec!["a"], vec!["a"]]).unwrap();
    let h = Hierarchy::from_rows("hq", vec![vec!["a".into(), "*".into()]]).unwrap();
    let p = Problem::new(
        &table,
        vec![("q".into(), h.bind(&table, "q").unwrap())],
        None,
    )
    .unwrap();
    let err = Policy::new(&p, vec![PrivacyModel::DistinctL { l: 2 }], 0.0, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "distinct l-diversity needs a sensitive attribute; give one when preparing the data"
    );
    assert!(Policy::new(&p, vec![PrivacyModel::KAnonymity { k: 2 }], 0.0, None).is_ok());
}
