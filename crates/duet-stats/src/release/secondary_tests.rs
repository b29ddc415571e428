#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use num_rational::BigRational;
use proptest::prelude::*;

use super::{secondary, Item, Protected, Secondary, Withhold};
use crate::release::atoms::{ColumnDomain, Domain};
use crate::release::provenance::{Cell, Condition, LinearValue};
use crate::release::test_oracle;

fn levels(names: &[&str]) -> Condition {
    Condition::Levels(names.iter().map(|s| s.to_string()).collect())
}

fn lv(quantity: &[&str], conds: &[(&str, Condition)]) -> LinearValue {
    let cell: Cell = conds
        .iter()
        .map(|(c, cond)| (c.to_string(), cond.clone()))
        .collect();
    LinearValue::new(quantity.iter().map(|s| s.to_string()).collect(), cell)
}

fn item(value: LinearValue, group: usize, released: bool) -> Item {
    Item {
        value,
        group,
        released,
    }
}

fn level_domain(columns: &[(&str, &[&str])]) -> Domain {
    columns
        .iter()
        .map(|(c, names)| {
            let set = names.iter().map(|s| s.to_string()).collect();
            (c.to_string(), ColumnDomain::Levels(set))
        })
        .collect()
}

const REGIONS: [&str; 4] = ["n", "s", "e", "w"];

fn region(r: &str) -> LinearValue {
    lv(&[], &[("region", levels(&[r]))])
}

#[test]
fn a_suppressed_region_with_a_released_total_costs_one_more_region() {
    let mut items: Vec<Item> = REGIONS
        .iter()
        .enumerate()
        .map(|(i, r)| item(region(r), i, i != 0))
        .collect();
    items.push(item(lv(&[], &[]), 4, true));
    let domain = level_domain(&[("region", &REGIONS)]);
    let got = secondary(&items, &[], &[], &domain).unwrap();
    let expected = Secondary {
        withheld: vec![Withhold {
            group: 3,
            protects: Protected::Item(0),
        }],
        exposed_by_earlier: vec![],
    };
    assert_eq!(got, expected);
    assert_eq!(got.released(&items), [false, true, true, false, true]);
}

#[test]
fn without_the_total_nothing_more_is_withheld() {
    let items: Vec<Item> = REGIONS
        .iter()
        .enumerate()
        .map(|(i, r)| item(region(r), i, i != 0))
        .collect();
    let domain = level_domain(&[("region", &REGIONS)]);
    assert_eq!(
        secondary(&items, &[], &[], &domain).unwrap(),
        Secondary::default()
    );
}

/// A 2x2 table of a x b (cells pu, pv, qu, qv), its margins and total.
fn two_by_two() -> Vec<Item> {
    let cell = |a: &str, b: &str| lv(&[], &[("a", levels(&[a])), ("b", levels(&[b]))]);
    let values = [
        cell("p", "u"),
        cell("p", "v"),
        cell("q", "u"),
        cell("q", "v"),
        lv(&[], &[("a", levels(&["p"]))]),
        lv(&[], &[("a", levels(&["q"]))]),
        lv(&[], &[("b", levels(&["u"]))]),
        lv(&[], &[("b", levels(&["v"]))]),
        lv(&[], &[]),
    ];
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| item(v, i, i != 0))
        .collect()
}

#[test]
fn one_cell_of_a_two_by_two_table_with_margins_costs_the_other_three() {
    let items = two_by_two();
    let domain = level_domain(&[("a", &["p", "q"]), ("b", &["u", "v"])]);
    let got = secondary(&items, &[], &[], &domain).unwrap();
    let withhold = |group, protects| Withhold {
        group,
        protects: Protected::Item(protects),
    };
    // pu = p - pv, then pu = u - qu, then pu = p - v + qv.
    assert_eq!(
        got.withheld,
        vec![withhold(1, 0), withhold(2, 0), withhold(3, 0)]
    );
    let released: Vec<bool> = (0..9).map(|i| i >= 4).collect();
    assert_eq!(got.released(&items), released);
}

#[test]
fn a_group_is_withheld_whole_so_its_sum_needs_no_second_step() {
    let mut items = Vec::new();
    for (g, r) in REGIONS.iter().enumerate() {
        items.push(item(region(r), g, g != 0));
        items.push(item(lv(&["x"], &[("region", levels(&[r]))]), g, g != 0));
    }
    items.push(item(lv(&[], &[]), 4, true));
    items.push(item(lv(&["x"], &[]), 4, true));
    let domain = level_domain(&[("region", &REGIONS)]);
    let got = secondary(&items, &[], &[], &domain).unwrap();
    assert_eq!(
        got.withheld,
        vec![Withhold {
            group: 3,
            protects: Protected::Item(0)
        }]
    );
}

#[test]
fn a_value_earlier_releases_determine_is_reported_not_fixed() {
    let items = [item(region("n"), 0, false), item(region("e"), 1, true)];
    let earlier = [lv(&[], &[]), region("s")];
    let domain = level_domain(&[("region", &["n", "s"])]);
    let got = secondary(&items, &earlier, &[], &domain).unwrap();
    assert_eq!(
        got,
        Secondary {
            withheld: vec![],
            exposed_by_earlier: vec![Protected::Item(0)],
        }
    );
}

#[test]
fn an_earlier_withheld_value_is_protected_from_this_job() {
    let items = [item(region("s"), 0, true), item(lv(&[], &[]), 1, true)];
    let domain = level_domain(&[("region", &["n", "s"])]);
    let got = secondary(&items, &[], &[region("n")], &domain).unwrap();
    assert_eq!(
        got.withheld,
        vec![Withhold {
            group: 0,
            protects: Protected::Earlier(0)
        }]
    );
}

#[test]
fn a_structurally_empty_value_needs_no_protection() {
    let items = [
        item(lv(&[], &[("region", levels(&[]))]), 0, false),
        item(lv(&[], &[]), 1, true),
    ];
    let domain = level_domain(&[("region", &["n", "s"])]);
    let got = secondary(&items, &[], &[], &domain).unwrap();
    assert_eq!(got, Secondary::default());
}

// The property: random cells over a (3 levels), b (2 levels) and x (an
// integer in 0..=3, ranges at 0 or 1 places), checked against the records
// themselves: every possible record is a point, a value is its 0/1 vector
// over the points, and membership is decided by dense rank.

const A: [&str; 3] = ["p", "q", "r"];
const B: [&str; 2] = ["u", "v"];
const X_MAX: i64 = 3;

fn domain() -> Domain {
    let mut d = level_domain(&[("a", &A), ("b", &B)]);
    d.insert(
        "x".to_string(),
        ColumnDomain::Numeric {
            places: 0,
            min: 0,
            max: X_MAX,
        },
    );
    d
}

fn points() -> Vec<(usize, usize, i64)> {
    let mut out = Vec::new();
    for a in 0..A.len() {
        for b in 0..B.len() {
            for x in 0..=X_MAX {
                out.push((a, b, x));
            }
        }
    }
    out
}

fn holds(cond: &Condition, level: &str, x: i64) -> bool {
    match cond {
        Condition::Levels(set) => set.contains(level),
        Condition::Range { places, lo, hi } => {
            let x = x * 10i64.pow(*places);
            lo.is_none_or(|l| l <= x) && hi.is_none_or(|h| x < h)
        }
        // The records here always hold both columns.
        Condition::Recorded => true,
    }
}

/// The value's 0/1 vector over every possible record.
fn dense(v: &LinearValue) -> Vec<BigRational> {
    let support: Vec<usize> = points()
        .into_iter()
        .enumerate()
        .filter(|(_, (a, b, x))| {
            v.cell.iter().all(|(c, cond)| match c.as_str() {
                "a" => holds(cond, A[*a], 0),
                "b" => holds(cond, B[*b], 0),
                _ => holds(cond, "", *x),
            })
        })
        .map(|(i, _)| i)
        .collect();
    test_oracle::dense(&support, points().len())
}

fn condition_on(column: &'static str) -> BoxedStrategy<Option<Condition>> {
    let names: &'static [&'static str] = match column {
        "a" => &A,
        "b" => &B,
        _ => &[],
    };
    if names.is_empty() {
        let bound = proptest::option::of(-5i64..45);
        let range = (0u32..2, bound.clone(), bound)
            .prop_map(|(places, lo, hi)| Some(Condition::Range { places, lo, hi }));
        prop_oneof![Just(None), range].boxed()
    } else {
        let set = proptest::sample::subsequence(names.to_vec(), 0..=names.len())
            .prop_map(|l| Some(levels(&l)));
        prop_oneof![Just(None), set].boxed()
    }
}

fn value() -> impl Strategy<Value = LinearValue> {
    let quantity = prop_oneof![3 => Just(vec![]), 1 => Just(vec!["y"])];
    (
        quantity,
        condition_on("a"),
        condition_on("b"),
        condition_on("x"),
    )
        .prop_map(|(q, a, b, x)| {
            let conds: Vec<(&str, Condition)> = [("a", a), ("b", b), ("x", x)]
                .into_iter()
                .filter_map(|(c, cond)| cond.map(|cond| (c, cond)))
                .collect();
            lv(&q, &conds)
        })
}

/// Whether `target` is a combination of `released` of its quantity.
fn in_span(target: &LinearValue, released: &[&LinearValue]) -> bool {
    let rows: Vec<_> = released
        .iter()
        .filter(|v| v.quantity == target.quantity)
        .map(|v| dense(v))
        .collect();
    test_oracle::in_span(&rows, &dense(target))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn no_withheld_value_is_a_combination_of_released_ones(
        values in proptest::collection::vec((value(), 0usize..5), 1..9),
        group_released in proptest::collection::vec(any::<bool>(), 5),
        earlier_released in proptest::collection::vec(value(), 0..3),
        earlier_withheld in proptest::collection::vec(value(), 0..3),
    ) {
        let items: Vec<Item> = values
            .into_iter()
            .map(|(v, g)| item(v, g, group_released[g]))
            .collect();
        let got = secondary(&items, &earlier_released, &earlier_withheld, &domain()).unwrap();
        let released = got.released(&items);
        let withheld_groups: BTreeSet<usize> = got.withheld.iter().map(|w| w.group).collect();
        for g in &withheld_groups {
            prop_assert!(group_released[*g], "only released groups are withheld");
        }
        let mut open: Vec<&LinearValue> = earlier_released.iter().collect();
        open.extend(items.iter().zip(&released).filter(|(_, r)| **r).map(|(i, _)| &i.value));
        let targets = items
            .iter()
            .zip(&released)
            .enumerate()
            .filter(|(_, (_, r))| !**r)
            .map(|(i, (item, _))| (Protected::Item(i), &item.value))
            .chain(earlier_withheld.iter().enumerate().map(|(k, v)| (Protected::Earlier(k), v)));
        let earlier: Vec<&LinearValue> = earlier_released.iter().collect();
        for (p, v) in targets {
            if dense(v).iter().all(|c| *c == BigRational::from_integer(0.into())) {
                continue;
            }
            if got.exposed_by_earlier.contains(&p) {
                prop_assert!(in_span(v, &earlier), "{p:?} reported but not determined");
            } else {
                prop_assert!(!in_span(v, &open), "{p:?} is a combination of released values");
            }
        }
    }
}

/// A 20 x 20 x 5 table (2,000 cells), every one- and two-way margin and the
/// total: 2,646 counts over 2,000 atoms, one cell in 32 suppressed.
fn three_way_table() -> (Vec<Item>, Domain) {
    let names = |prefix: &str, n: usize| -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    };
    let cols = [
        ("a", names("a", 20)),
        ("b", names("b", 20)),
        ("c", names("c", 5)),
    ];
    let domain: Domain = cols
        .iter()
        .map(|(c, l)| {
            (
                c.to_string(),
                ColumnDomain::Levels(l.iter().cloned().collect()),
            )
        })
        .collect();
    // Every subset of the columns, the full table first.
    let mut items = Vec::new();
    for mask in (0..8u32).rev() {
        let chosen: Vec<&(&str, Vec<String>)> = (0..3)
            .filter(|b| mask >> b & 1 == 1)
            .filter_map(|b| cols.get(b))
            .collect();
        let mut cells = vec![Cell::new()];
        for (c, levels) in chosen {
            cells = cells
                .into_iter()
                .flat_map(|cell| {
                    levels.iter().map(move |l| {
                        let mut cell = cell.clone();
                        cell.insert(c.to_string(), Condition::Levels([l.clone()].into()));
                        cell
                    })
                })
                .collect();
        }
        for cell in cells {
            let n = items.len();
            let released = mask != 7 || (n * 2_654_435_761) % 32 != 5;
            items.push(item(LinearValue::new(vec![], cell), n, released));
        }
    }
    (items, domain)
}

/// Timing on a realistic size; run with
/// `cargo test --release -p duet-stats --lib release::secondary::tests::timing -- --ignored --nocapture`.
#[test]
#[ignore = "timing, not a check"]
fn timing_of_a_three_way_table_with_margins() {
    use crate::release::atoms::{atomize, MAX_ATOMS};
    use crate::release::span::Basis;
    let (items, domain) = three_way_table();
    let refs: Vec<&LinearValue> = items.iter().map(|i| &i.value).collect();
    let start = std::time::Instant::now();
    let atoms = atomize(&refs, &domain, MAX_ATOMS).unwrap();
    let atomized = start.elapsed();
    let mut basis = Basis::new();
    for (id, (i, (_, v))) in items.iter().zip(&atoms.vectors).enumerate() {
        if i.released {
            basis.insert_support(id, v);
        }
    }
    let built = start.elapsed();
    let withheld: Vec<usize> = (0..items.len()).filter(|&i| !items[i].released).collect();
    let in_span = withheld
        .iter()
        .filter(|&&i| basis.express_support(&atoms.vectors[i].1).is_some())
        .count();
    let tested = start.elapsed();
    let got = secondary(&items, &[], &[], &domain).unwrap();
    let whole = start.elapsed() - tested;
    println!(
        "{} values, {} atoms, rank {}, {} withheld ({in_span} in span): atomize {atomized:?}, \
         basis {:?}, {} tests {:?}; secondary {whole:?}, {} groups withheld",
        items.len(),
        atoms.spaces[0].1,
        basis.rank(),
        withheld.len(),
        built - atomized,
        withheld.len(),
        tested - built,
        got.withheld.len()
    );
}
