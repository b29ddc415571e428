//! Products of vectors held by different parties, against plaintext.

use duet_core::{Ring, Z128, Z64};
use duet_ot::OtSession;
use proptest::prelude::*;

use crate::run;

fn check<R: Ring>(seed: u64, xs: &[R], ys: &[R]) {
    let (s0, s1) = run(
        seed,
        async |s: &mut OtSession, ch: &mut _| s.product_send(ch, xs).await,
        async |s: &mut OtSession, ch: &mut _| s.product_receive(ch, ys).await,
    );
    let got: Vec<R> = s0.iter().zip(&s1).map(|(&a, &b)| a + b).collect();
    let want: Vec<R> = xs.iter().zip(ys).map(|(&a, &b)| a * b).collect();
    assert_eq!(got, want);
    let (d0, d1) = run(
        seed + 1,
        async |s: &mut OtSession, ch: &mut _| s.inner_product_receive(ch, ys).await,
        async |s: &mut OtSession, ch: &mut _| s.inner_product_send(ch, xs).await,
    );
    assert_eq!(d0 + d1, want.iter().fold(R::ZERO, |a, &b| a + b));
}

#[test]
fn bounds_and_edge_lengths() {
    let edge64 = [Z64(0), Z64(1), Z64(u64::MAX), Z64(1 << 63), Z64(12345)];
    let edge128 = [Z128(0), Z128(1), Z128(u128::MAX), Z128(1 << 127), Z128(3)];
    check::<Z64>(90, &[], &[]);
    check(91, &edge64[..1], &edge64[2..3]);
    check(92, &edge64, &[Z64(u64::MAX); 5]);
    check(93, &edge128, &edge128);
}

#[test]
fn longer_than_one_round() {
    let n = (1 << 20) / 64 + 17;
    let xs: Vec<Z64> = (0..n as u64)
        .map(|i| Z64(i.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
        .collect();
    let ys: Vec<Z64> = (0..n as u64).map(|i| Z64(!i)).collect();
    check(94, &xs, &ys);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn products_match_plaintext(v in prop::collection::vec((any::<u64>(), any::<u64>(), any::<u128>(), any::<u128>()), 0..100)) {
        let x64: Vec<Z64> = v.iter().map(|t| Z64(t.0)).collect();
        let y64: Vec<Z64> = v.iter().map(|t| Z64(t.1)).collect();
        check(95, &x64, &y64);
        let x128: Vec<Z128> = v.iter().map(|t| Z128(t.2)).collect();
        let y128: Vec<Z128> = v.iter().map(|t| Z128(t.3)).collect();
        check(96, &x128, &y128);
    }
}

fn check_bits<R: Ring>(seed: u64, xs: &[R], ys: &[bool]) {
    let (s0, s1) = run(
        seed,
        async |s: &mut OtSession, ch: &mut _| s.bit_product_send(ch, xs).await,
        async |s: &mut OtSession, ch: &mut _| s.bit_product_receive(ch, ys).await,
    );
    let got: Vec<R> = s0.iter().zip(&s1).map(|(&a, &b)| a + b).collect();
    let want: Vec<R> = xs
        .iter()
        .zip(ys)
        .map(|(&a, &b)| if b { a } else { R::ZERO })
        .collect();
    assert_eq!(got, want);
}

#[test]
fn bit_products_at_edges_and_beyond_one_round() {
    check_bits::<Z64>(97, &[], &[]);
    check_bits(98, &[Z64(u64::MAX), Z64(7)], &[true, false]);
    check_bits(99, &[Z128(u128::MAX), Z128(1 << 127)], &[true, true]);
    let n = (1 << 20) + 65;
    let xs: Vec<Z64> = (0..n as u64)
        .map(|i| Z64(i.wrapping_mul(0x9e37_79b9)))
        .collect();
    let ys: Vec<bool> = (0..n).map(|i| i % 3 == 1).collect();
    check_bits(100, &xs, &ys);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn bit_products_match_plaintext(v in prop::collection::vec((any::<u64>(), any::<bool>(), any::<u128>()), 0..200)) {
        let x64: Vec<Z64> = v.iter().map(|t| Z64(t.0)).collect();
        let bits: Vec<bool> = v.iter().map(|t| t.1).collect();
        check_bits(101, &x64, &bits);
        let x128: Vec<Z128> = v.iter().map(|t| Z128(t.2)).collect();
        check_bits(102, &x128, &bits);
    }
}
