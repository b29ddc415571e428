#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use super::{atomize, AtomError, ColumnDomain, Domain};
use crate::release::provenance::{Cell, Condition, LinearValue};

fn levels(names: &[&str]) -> Condition {
    Condition::Levels(names.iter().map(|s| s.to_string()).collect())
}

fn range(places: u32, lo: Option<i64>, hi: Option<i64>) -> Condition {
    Condition::Range { places, lo, hi }
}

fn lv(quantity: &[&str], conds: &[(&str, Condition)]) -> LinearValue {
    let cell: Cell = conds
        .iter()
        .map(|(c, cond)| (c.to_string(), cond.clone()))
        .collect();
    LinearValue::new(quantity.iter().map(|s| s.to_string()).collect(), cell)
}

fn level_domain(column: &str, names: &[&str]) -> (String, ColumnDomain) {
    let set: BTreeSet<String> = names.iter().map(|s| s.to_string()).collect();
    (column.to_string(), ColumnDomain::Levels(set))
}

fn vectors(values: &[LinearValue], domain: &Domain) -> Vec<(usize, Vec<usize>)> {
    let refs: Vec<&LinearValue> = values.iter().collect();
    atomize(&refs, domain, 1 << 10).unwrap().vectors
}

#[test]
fn a_total_is_the_sum_of_its_levels_when_the_domain_lists_them_all() {
    let values = [
        lv(&[], &[("region", levels(&["n"]))]),
        lv(&[], &[("region", levels(&["s"]))]),
        lv(&[], &[]),
    ];
    let domain = Domain::from([level_domain("region", &["n", "s"])]);
    let refs: Vec<&LinearValue> = values.iter().collect();
    let got = atomize(&refs, &domain, 16).unwrap();
    assert_eq!(got.spaces, vec![(vec![], 2)]);
    assert_eq!(
        got.vectors,
        vec![(0, vec![0]), (0, vec![1]), (0, vec![0, 1])]
    );
}

#[test]
fn without_a_domain_any_other_level_is_one_more_piece() {
    let values = [
        lv(&[], &[("region", levels(&["n"]))]),
        lv(&[], &[("region", levels(&["s", "w"]))]),
        lv(&[], &[]),
    ];
    let got = vectors(&values, &Domain::new());
    assert_eq!(
        got,
        vec![(0, vec![0]), (0, vec![1, 2]), (0, vec![0, 1, 2, 3])]
    );
}

#[test]
fn levels_outside_the_domain_hold_no_records() {
    let values = [lv(&[], &[("region", levels(&["x"]))]), lv(&[], &[])];
    let domain = Domain::from([level_domain("region", &["n"])]);
    assert_eq!(vectors(&values, &domain), vec![(0, vec![]), (0, vec![0])]);
}

#[test]
fn ranges_of_different_places_meet_on_the_finest_scale_and_empty_pieces_go() {
    // x <= 4 (places 0) and x >= 4.5 (places 1) over integers 0..=10: the
    // piece [4.5, 5) holds no integer, so the two make up every record.
    let values = [
        lv(&[], &[("x", range(0, None, Some(5)))]),
        lv(&[], &[("x", range(1, Some(45), None))]),
        lv(&[], &[]),
    ];
    let domain = Domain::from([(
        "x".to_string(),
        ColumnDomain::Numeric {
            places: 0,
            min: 0,
            max: 10,
        },
    )]);
    assert_eq!(
        vectors(&values, &domain),
        vec![(0, vec![0]), (0, vec![1]), (0, vec![0, 1])]
    );
    let unbounded = vectors(&values, &Domain::new());
    assert_eq!(
        unbounded,
        vec![(0, vec![0, 1]), (0, vec![1, 2]), (0, vec![0, 1, 2])]
    );
}

#[test]
fn pieces_beyond_the_declared_bounds_go() {
    let values = [
        lv(&[], &[("x", range(0, Some(20), Some(30)))]),
        lv(&[], &[]),
    ];
    let domain = Domain::from([(
        "x".to_string(),
        ColumnDomain::Numeric {
            places: 0,
            min: 0,
            max: 10,
        },
    )]);
    assert_eq!(vectors(&values, &domain), vec![(0, vec![]), (0, vec![0])]);
}

#[test]
fn atoms_combine_pieces_of_every_column_first_most_significant() {
    let values = [
        lv(&[], &[("a", levels(&["p"]))]),
        lv(&[], &[("b", levels(&["u"]))]),
        lv(&[], &[("a", levels(&["q"])), ("b", levels(&["v"]))]),
    ];
    let domain = Domain::from([
        level_domain("a", &["p", "q"]),
        level_domain("b", &["u", "v"]),
    ]);
    assert_eq!(
        vectors(&values, &domain),
        vec![(0, vec![0, 1]), (0, vec![0, 2]), (0, vec![3])]
    );
}

#[test]
fn each_quantity_is_its_own_space_with_its_own_columns() {
    let values = [
        lv(&["x"], &[("a", levels(&["p"]))]),
        lv(&[], &[("b", levels(&["u"]))]),
        lv(&["x"], &[]),
    ];
    let refs: Vec<&LinearValue> = values.iter().collect();
    let got = atomize(&refs, &Domain::new(), 16).unwrap();
    assert_eq!(got.spaces, vec![(vec![], 2), (vec!["x".to_string()], 2)]);
    assert_eq!(
        got.vectors,
        vec![(1, vec![0]), (0, vec![0]), (1, vec![0, 1])]
    );
}

#[test]
fn empty_conditions_have_no_atoms() {
    let values = [
        lv(&[], &[("a", levels(&[]))]),
        lv(&[], &[("x", range(0, Some(3), Some(3)))]),
        lv(&[], &[]),
    ];
    let got = vectors(&values, &Domain::new());
    // One piece of `a` (any level) times two of `x` (cut at 3).
    assert_eq!(got, vec![(0, vec![]), (0, vec![]), (0, vec![0, 1])]);
}

#[test]
fn too_many_atoms_are_refused_naming_the_quantity() {
    let values = [lv(&["x"], &[("region", levels(&["n", "s", "e", "w"]))])];
    let refs: Vec<&LinearValue> = values.iter().collect();
    assert_eq!(
        atomize(&refs, &Domain::new(), 4),
        Err(AtomError::TooManyAtoms {
            quantity: vec!["x".to_string()],
            atoms: 5,
            limit: 4,
        })
    );
}

#[test]
fn a_column_of_two_kinds_is_refused() {
    let values = [
        lv(&[], &[("a", levels(&["p"]))]),
        lv(&[], &[("a", range(0, Some(1), None))]),
    ];
    let refs: Vec<&LinearValue> = values.iter().collect();
    assert_eq!(
        atomize(&refs, &Domain::new(), 16),
        Err(AtomError::MixedKinds {
            column: "a".to_string()
        })
    );
}
