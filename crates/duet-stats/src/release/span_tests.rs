#![allow(clippy::unwrap_used)]

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Zero;
use proptest::prelude::*;

use super::Basis;
use crate::release::test_oracle;

fn q(n: i64, d: i64) -> BigRational {
    BigRational::new(BigInt::from(n), BigInt::from(d))
}

fn basis(vectors: &[&[usize]]) -> Basis {
    let mut b = Basis::new();
    for (id, v) in vectors.iter().enumerate() {
        b.insert_support(id, v);
    }
    b
}

#[test]
fn the_empty_basis_spans_only_zero() {
    let b = Basis::new();
    assert_eq!(b.express_support(&[]), Some(vec![]));
    assert_eq!(b.express_support(&[3]), None);
    assert_eq!(b.rank(), 0);
}

#[test]
fn a_part_is_the_total_minus_the_other_parts() {
    let b = basis(&[&[0, 1, 2], &[0], &[1]]);
    assert_eq!(
        b.express_support(&[2]),
        Some(vec![(0, q(1, 1)), (1, q(-1, 1)), (2, q(-1, 1))])
    );
}

#[test]
fn a_dependent_vector_adds_nothing_and_is_never_used() {
    let mut b = basis(&[&[0], &[1]]);
    assert!(!b.insert_support(2, &[0, 1]));
    assert!(b.insert_support(3, &[2]));
    assert_eq!(b.rank(), 3);
    assert_eq!(
        b.express_support(&[0, 1, 2]),
        Some(vec![(0, q(1, 1)), (1, q(1, 1)), (3, q(1, 1))])
    );
}

#[test]
fn an_overlapping_chain_does_not_span_its_ends() {
    // a(1,1,0) + b(0,1,1) = (1,0,1) needs a = b = 1 and then 2 in the middle.
    let b = basis(&[&[0, 1], &[1, 2]]);
    assert_eq!(b.express_support(&[0, 2]), None);
    assert_eq!(b.express_support(&[0, 1, 2]), None);
}

#[test]
fn coefficients_may_be_fractions() {
    let b = basis(&[&[0, 1], &[1, 2], &[0, 2]]);
    let half = q(1, 2);
    assert_eq!(
        b.express_support(&[0, 1, 2]),
        Some(vec![(0, half.clone()), (1, half.clone()), (2, half)])
    );
}

#[test]
fn removing_a_vector_a_dependent_one_replaces_keeps_the_span() {
    // total, a, b: then c = total - a - b; without a, a = total - b - c.
    let mut b = basis(&[&[0, 1, 2], &[0], &[1], &[2]]);
    assert_eq!(b.rank(), 3);
    b.remove(1);
    assert_eq!(b.rank(), 3);
    assert_eq!(
        b.express_support(&[0]),
        Some(vec![(0, q(1, 1)), (2, q(-1, 1)), (3, q(-1, 1))])
    );
}

/// The replacing vector's coefficient is 1/2 (the total is half the sum
/// of three overlapping pairs), so replacing divides by it: a = 2 total -
/// b - c. Multiplying instead (coefficients that are all 1 or -1 cannot
/// tell) gives a combination that does not sum to a.
#[test]
fn a_replacement_with_a_fractional_coefficient_is_divided_by_it() {
    let mut b = basis(&[&[0, 1], &[1, 2], &[0, 2], &[0, 1, 2]]);
    b.remove(0);
    assert_eq!(b.rank(), 3);
    assert_eq!(
        b.express_support(&[0, 1]),
        Some(vec![(1, q(-1, 1)), (2, q(-1, 1)), (3, q(2, 1))])
    );
}

/// Removing a pair that nothing replaces from three overlapping pairs:
/// the third pair's echelon row holds the removed one with coefficient
/// -1/2, so eliminating it from the other rows divides by -1/2. The span
/// left is that of the other two pairs, and no combination uses the
/// removed one.
#[test]
fn a_removal_eliminated_through_a_fractional_coefficient_is_divided_by_it() {
    let mut b = basis(&[&[0, 1], &[1, 2], &[0, 2]]);
    b.remove(0);
    assert_eq!(b.rank(), 2);
    assert_eq!(b.express_support(&[0, 1]), None);
    assert_eq!(b.express_support(&[0, 2]), Some(vec![(2, q(1, 1))]));
    let sum = [(0, q(1, 1)), (1, q(1, 1)), (2, q(2, 1))]
        .into_iter()
        .collect();
    assert_eq!(b.express(sum), Some(vec![(1, q(1, 1)), (2, q(1, 1))]));
}

#[test]
fn removing_a_vector_nothing_replaces_shrinks_the_span() {
    let mut b = basis(&[&[0, 1, 2], &[0], &[1]]);
    b.remove(1);
    assert_eq!(b.rank(), 2);
    assert_eq!(b.express_support(&[0]), None);
    assert_eq!(
        b.express_support(&[0, 2]),
        Some(vec![(0, q(1, 1)), (2, q(-1, 1))])
    );
    b.remove(7);
    assert_eq!(b.rank(), 2);
}

/// Up to 8 random 0/1 vectors over 6 indices, and a target.
fn vectors() -> impl Strategy<Value = (Vec<Vec<usize>>, Vec<usize>)> {
    let support = proptest::sample::subsequence((0..6usize).collect::<Vec<_>>(), 0..=6);
    (proptest::collection::vec(support.clone(), 0..8), support)
}

proptest! {
    #[test]
    fn membership_agrees_with_dense_rank_and_the_combination_sums_to_the_target(
        (rows, target) in vectors()
    ) {
        let refs: Vec<&[usize]> = rows.iter().map(Vec::as_slice).collect();
        let b = basis(&refs);
        let dense: Vec<_> = rows.iter().map(|r| test_oracle::dense(r, 6)).collect();
        prop_assert_eq!(b.rank(), test_oracle::rank(&dense));
        let want = test_oracle::dense(&target, 6);
        let got = b.express_support(&target);
        prop_assert_eq!(got.is_some(), test_oracle::in_span(&dense, &want));
        if let Some(coeffs) = got {
            let mut sum = vec![BigRational::zero(); 6];
            for (id, c) in &coeffs {
                prop_assert!(!c.is_zero());
                for (k, x) in dense[*id].iter().enumerate() {
                    sum[k] += c * x;
                }
            }
            prop_assert_eq!(sum, want);
        }
    }
}

proptest! {
    #[test]
    fn after_removals_the_basis_spans_exactly_the_vectors_left(
        (rows, target) in vectors(),
        removals in proptest::collection::vec(0usize..8, 0..8),
    ) {
        let refs: Vec<&[usize]> = rows.iter().map(Vec::as_slice).collect();
        let mut b = basis(&refs);
        let mut left: Vec<bool> = vec![true; rows.len()];
        for r in removals {
            b.remove(r);
            if let Some(l) = left.get_mut(r) {
                *l = false;
            }
        }
        let kept: Vec<usize> = (0..rows.len()).filter(|&i| left[i]).collect();
        let dense: Vec<_> = rows.iter().map(|r| test_oracle::dense(r, 6)).collect();
        let kept_dense: Vec<_> = kept.iter().map(|&i| dense[i].clone()).collect();
        prop_assert_eq!(b.rank(), test_oracle::rank(&kept_dense));
        let want = test_oracle::dense(&target, 6);
        let got = b.express_support(&target);
        prop_assert_eq!(got.is_some(), test_oracle::in_span(&kept_dense, &want));
        if let Some(coeffs) = got {
            let mut sum = vec![BigRational::zero(); 6];
            for (id, c) in &coeffs {
                prop_assert!(left[*id], "removed vector {} used", id);
                for (k, x) in dense[*id].iter().enumerate() {
                    sum[k] += c * x;
                }
            }
            prop_assert_eq!(sum, want);
        }
    }
}
