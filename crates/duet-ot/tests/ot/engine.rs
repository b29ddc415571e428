//! duet-core's engine with OtPreprocessing instead of the insecure dealer:
//! multiplication, dot products, truncation, comparison, equality and
//! bit-to-arithmetic against plaintext, both rings.

use duet_core::{Engine, EngineError, FixedPoint, MemoryChannel, Ring, Role, Shared, Z128, Z64};
use duet_ot::OtPreprocessing;
use futures::executor::block_on;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};

use crate::{rng, SID};

type E = Engine<MemoryChannel, OtPreprocessing>;

fn both<T>(seed: u64, body: impl AsyncFn(&mut E) -> Result<T, EngineError>) -> T
where
    T: PartialEq + core::fmt::Debug,
{
    let (c0, c1) = MemoryChannel::pair();
    let mk = |role, ch| {
        let mut g = rng(seed, role);
        let pre = OtPreprocessing::new(role, SID, &mut g);
        Engine::new(role, ch, pre, &mut g)
    };
    let (mut e0, mut e1) = (mk(Role::P0, c0), mk(Role::P1, c1));
    let (a, b) = block_on(futures::future::join(body(&mut e0), body(&mut e1)));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a, b, "the parties opened different values");
    a
}

async fn input<R: Ring>(e: &mut E, owner: Role, v: &[R]) -> Result<Shared<R>, EngineError> {
    if e.role() == owner {
        e.share_input(v).await
    } else {
        e.receive_input(v.len()).await
    }
}

fn check_mul_dot<R: Ring>(seed: u64, xs: &[R], ys: &[R]) {
    let (prod, dot) = both(seed, async |e| {
        let x = input(e, Role::P0, xs).await?;
        let y = input(e, Role::P1, ys).await?;
        let z = e.mul(&x, &y).await?;
        let d = e.dot(&x, &y).await?;
        Ok((e.open(&z).await?, e.open(&d).await?))
    });
    let want: Vec<R> = xs.iter().zip(ys).map(|(&a, &b)| a * b).collect();
    assert_eq!(prod, want);
    assert_eq!(dot, vec![want.iter().fold(R::ZERO, |a, &b| a + b)]);
}

fn check_compare<R: Ring>(seed: u64, xs: &[R], ys: &[R]) {
    let got = both(seed, async |e| {
        let x = input(e, Role::P0, xs).await?;
        let y = input(e, Role::P1, ys).await?;
        let ltz = e.ltz(&x).await?;
        let eqz = e.eqz(&x).await?;
        let lt = e.lt(&x, &y).await?;
        let eq = e.eq(&x, &y).await?;
        let mut out = Vec::new();
        for s in [&ltz, &eqz, &lt, &eq] {
            out.push(e.open(s).await?);
        }
        Ok(out)
    });
    for i in 0..xs.len() {
        let (x, y) = (xs[i].to_i128(), ys[i].to_i128());
        let bit = |b: bool| R::from_u64(u64::from(b));
        assert_eq!(got[0][i], bit(x < 0), "ltz {x}");
        assert_eq!(got[1][i], bit(x == 0), "eqz {x}");
        assert_eq!(got[2][i], bit(x < y), "{x} < {y}");
        assert_eq!(got[3][i], bit(x == y), "{x} == {y}");
    }
}

fn boundaries<R: Ring>() -> Vec<R> {
    let k = R::BITS;
    let min = R::ONE.shl(k - 2);
    vec![
        R::ZERO,
        R::ONE,
        -R::ONE,
        min - R::ONE,
        -min,
        R::from_u64(7),
        R::ZERO,
    ]
}

#[test]
fn mul_and_dot_edges_and_large() {
    for n in [0usize, 1, 5000] {
        let mut g = rand_chacha::ChaCha8Rng::seed_from_u64(n as u64);
        let x: Vec<Z64> = duet_core::ring::random_vec(&mut g, n);
        let y: Vec<Z64> = duet_core::ring::random_vec(&mut g, n);
        check_mul_dot(100, &x, &y);
        let x: Vec<Z128> = duet_core::ring::random_vec(&mut g, n);
        let y: Vec<Z128> = duet_core::ring::random_vec(&mut g, n);
        check_mul_dot(101, &x, &y);
    }
}

#[test]
fn comparisons_at_the_boundaries() {
    let b64 = boundaries::<Z64>();
    let r64: Vec<Z64> = b64.iter().rev().copied().collect();
    check_compare(102, &b64, &r64);
    check_compare(103, &b64, &b64);
    let b128 = boundaries::<Z128>();
    let r128: Vec<Z128> = b128.iter().rev().copied().collect();
    check_compare(104, &b128, &r128);
}

#[test]
fn truncation_within_one_ulp() {
    let fp = FixedPoint::new(16).unwrap();
    let mut g = rand_chacha::ChaCha8Rng::seed_from_u64(105);
    let n = 20_000;
    let xs: Vec<Z64> = (0..n)
        .map(|_| fp.encode_f64(g.gen_range(-3e4..3e4)).unwrap())
        .collect();
    let ys: Vec<Z64> = (0..n)
        .map(|_| fp.encode_f64(g.gen_range(-3e4..3e4)).unwrap())
        .collect();
    let got = both(106, async |e| {
        let x = input(e, Role::P0, &xs).await?;
        let y = input(e, Role::P1, &ys).await?;
        let z = e.mul_fixed(&x, &y, 16).await?;
        e.open(&z).await
    });
    for i in 0..n {
        let floor = (xs[i].to_i128() * ys[i].to_i128()).div_euclid(1 << 16);
        let d = got[i].to_i128() - floor;
        assert!(
            d == 0 || d == 1,
            "product {i}: got {}, floor {floor}",
            got[i].to_i128()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn mul_and_compare_match_plaintext(v in prop::collection::vec((-(1i64 << 61)..(1i64 << 61), -(1i64 << 61)..(1i64 << 61), any::<bool>()), 0..150)) {
        let xs: Vec<Z64> = v.iter().map(|&(a, _, _)| Z64::from_i128(a.into())).collect();
        let ys: Vec<Z64> = v.iter().map(|&(a, b, same)| Z64::from_i128(if same { a } else { b }.into())).collect();
        check_mul_dot(107, &xs, &ys);
        check_compare(108, &xs, &ys);
        let xs: Vec<Z128> = xs.iter().map(|x| Z128::from_i128(x.to_i128() << 50)).collect();
        let ys: Vec<Z128> = ys.iter().map(|y| Z128::from_i128(y.to_i128() << 50)).collect();
        check_compare(109, &xs, &ys);
    }
}
