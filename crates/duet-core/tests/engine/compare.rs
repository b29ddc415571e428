//! Comparison, equality and bit-to-arithmetic conversion against plaintext,
//! including the boundaries of both rings.

use duet_core::{Ring, Role, SharedBits, Z128, Z64};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};

use crate::{agreed, both, input};

fn boundaries<R: Ring>() -> Vec<R> {
    let k = R::BITS;
    let min = R::ONE.shl(k - 1);
    let mut v = vec![R::ZERO, R::ONE, -R::ONE, min, min - R::ONE, min + R::ONE];
    for s in [1, 2, k / 2, k - 2] {
        v.push(R::ONE.shl(s));
        v.push(-R::ONE.shl(s));
        v.push(R::ONE.shl(s) - R::ONE);
    }
    v
}

/// Opens [x < 0] and [x == 0] for P0's `xs`; checks them against plaintext.
fn check_sign_and_zero<R: Ring>(seed: u64, xs: &[R]) {
    let got = agreed(both(seed, async |e| {
        let x = input(e, Role::P0, xs).await?;
        let lt = e.ltz(&x).await?;
        let eq = e.eqz(&x).await?;
        Ok((e.open(&lt).await?, e.open(&eq).await?))
    }));
    for (i, &x) in xs.iter().enumerate() {
        assert_eq!(got.0[i], R::from_u64(u64::from(x.msb())), "ltz of {x:?}");
        assert_eq!(
            got.1[i],
            R::from_u64(u64::from(x == R::ZERO)),
            "eqz of {x:?}"
        );
    }
}

/// [x < y] and [x == y] where P0 holds x and P1 holds y.
fn check_lt_eq<R: Ring>(seed: u64, xs: &[R], ys: &[R]) {
    let got = agreed(both(seed, async |e| {
        let x = input(e, Role::P0, xs).await?;
        let y = input(e, Role::P1, ys).await?;
        let lt = e.lt(&x, &y).await?;
        let eq = e.eq(&x, &y).await?;
        Ok((e.open(&lt).await?, e.open(&eq).await?))
    }));
    for i in 0..xs.len() {
        let (x, y) = (xs[i].to_i128(), ys[i].to_i128());
        assert_eq!(got.0[i], R::from_u64(u64::from(x < y)), "{x} < {y}");
        assert_eq!(got.1[i], R::from_u64(u64::from(x == y)), "{x} == {y}");
    }
}

#[test]
fn sign_and_zero_at_the_boundaries() {
    check_sign_and_zero::<Z64>(20, &boundaries::<Z64>());
    check_sign_and_zero::<Z128>(21, &boundaries::<Z128>());
}

#[test]
fn sign_and_zero_edge_lengths_and_large() {
    for n in [0usize, 1, 65, 100_000] {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(n as u64);
        // Mix random values with zeros so equality is exercised both ways.
        let xs: Vec<Z64> = (0..n)
            .map(|i| if i % 7 == 0 { Z64(0) } else { Z64(rng.gen()) })
            .collect();
        check_sign_and_zero(22, &xs);
        let xs: Vec<Z128> = (0..n.min(20_000))
            .map(|i| if i % 5 == 0 { Z128(0) } else { Z128(rng.gen()) })
            .collect();
        check_sign_and_zero(23, &xs);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn lt_and_eq_match_plaintext_z64(v in prop::collection::vec((-(1i64 << 62)..(1i64 << 62), -(1i64 << 62)..(1i64 << 62), any::<bool>()), 0..200)) {
        let xs: Vec<Z64> = v.iter().map(|&(a, _, _)| Z64::from_i128(a.into())).collect();
        let ys: Vec<Z64> = v.iter().map(|&(a, b, same)| Z64::from_i128(if same { a } else { b }.into())).collect();
        check_lt_eq(24, &xs, &ys);
    }

    #[test]
    fn lt_and_eq_match_plaintext_z128(v in prop::collection::vec((-(1i128 << 126)..(1i128 << 126), -(1i128 << 126)..(1i128 << 126), any::<bool>()), 0..200)) {
        let xs: Vec<Z128> = v.iter().map(|&(a, _, _)| Z128::from_i128(a)).collect();
        let ys: Vec<Z128> = v.iter().map(|&(a, b, same)| Z128::from_i128(if same { a } else { b })).collect();
        check_lt_eq(25, &xs, &ys);
    }
}

#[test]
fn and_not_and_b2a_on_bits() {
    let n = 130;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(26);
    let xb: Vec<bool> = (0..n).map(|_| rng.gen()).collect();
    let yb: Vec<bool> = (0..n).map(|_| rng.gen()).collect();
    let xs: Vec<Z64> = xb.iter().map(|&b| Z64(b.into())).collect();
    let ys: Vec<Z64> = yb.iter().map(|&b| Z64(b.into())).collect();
    let got = agreed(both(27, async |e| {
        // Bits enter as [x == 1] computed securely, then AND, NOT, B2A.
        let x = input(e, Role::P0, &xs).await?;
        let y = input(e, Role::P1, &ys).await?;
        let one = e.constant(&vec![Z64(1); n]);
        let xbits: SharedBits = e.eqz_bits(&x.sub(&one).unwrap()).await?;
        let ybits = e.eqz_bits(&y.sub(&one).unwrap()).await?;
        let both_set = e.and(&xbits, &ybits).await?;
        let neither = e.and(&e.not(&xbits), &e.not(&ybits)).await?;
        let a = e.b2a::<Z64>(&both_set).await?;
        let b = e.b2a::<Z64>(&neither).await?;
        Ok((e.open(&a).await?, e.open(&b).await?))
    }));
    for i in 0..n {
        assert_eq!(got.0[i], Z64((xb[i] && yb[i]).into()));
        assert_eq!(got.1[i], Z64((!xb[i] && !yb[i]).into()));
    }
}

/// [x < 0] on a narrower width for values known to fit it.
fn check_within<R: Ring>(seed: u64, xs: &[R], bits: u32) {
    let got = agreed(both(seed, async |e| {
        let x = input(e, Role::P0, xs).await?;
        let lt = e.ltz_within(&x, bits).await?;
        e.open(&lt).await
    }));
    for (i, &x) in xs.iter().enumerate() {
        assert_eq!(
            got[i],
            R::from_u64(u64::from(x.msb())),
            "ltz_within {bits} of {x:?}"
        );
    }
}

#[test]
fn sign_within_a_narrower_width_at_its_bounds() {
    // One leaf (5 bits: 4 below the sign), a leaf and a 1-bit leaf (6),
    // a 3-bit top leaf (20), whole leaves (41), a 2-bit top leaf (63).
    for bits in [2u32, 3, 5, 6, 20, 41, 63, 64] {
        let half = 1i128 << (bits - 1);
        let xs: Vec<Z64> = [-half, -half + 1, -1, 0, 1, half - 1, half / 3, -half / 3]
            .iter()
            .map(|&v| Z64::from_i128(v))
            .collect();
        check_within(40 + u64::from(bits), &xs, bits);
    }
    let half = 1i128 << 90;
    let xs: Vec<Z128> = [-half, -1, 0, half - 1]
        .iter()
        .map(|&v| Z128::from_i128(v))
        .collect();
    check_within(140, &xs, 91);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    #[test]
    fn sign_within_matches_plaintext(bits in 2u32..64, v in prop::collection::vec(any::<i64>(), 0..100)) {
        let xs: Vec<Z64> = v.iter().map(|&x| Z64::from_i128(i128::from(x >> (64 - bits)))).collect();
        check_within(7, &xs, bits);
    }
}
