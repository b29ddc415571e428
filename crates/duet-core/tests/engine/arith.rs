//! Sharing, opening, local operations, multiplication, dot products,
//! truncation and selection against plaintext.

use duet_core::{FixedPoint, Needs, Ring, Role, Shared, Z128, Z64};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};

use crate::{agreed, both, input};

fn rand_vec<R: Ring>(seed: u64, n: usize) -> Vec<R> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    duet_core::ring::random_vec(&mut rng, n)
}

fn check_mul<R: Ring>(xs: &[R], ys: &[R]) {
    let got = agreed(both(3, async |e| {
        let x = input(e, Role::P0, xs).await?;
        let y = input(e, Role::P1, ys).await?;
        let z = e.mul(&x, &y).await?;
        e.open(&z).await
    }));
    let want: Vec<R> = xs.iter().zip(ys).map(|(&a, &b)| a * b).collect();
    assert_eq!(got, want);
}

fn check_linear<R: Ring>(xs: &[R], ys: &[R], c: R) {
    let got = agreed(both(4, async |e| {
        let x = input(e, Role::P1, xs).await?;
        let y = input(e, Role::P0, ys).await?;
        let lin = x.add(&y.mul_scalar(c)).unwrap().sub(&x.neg()).unwrap();
        let lin = e.add_public(&lin, ys)?;
        e.open(&lin).await
    }));
    let want: Vec<R> = xs
        .iter()
        .zip(ys)
        .map(|(&a, &b)| a + b * c + a + b)
        .collect();
    assert_eq!(got, want);
}

fn check_dot<R: Ring>(xs: &[R], ys: &[R]) {
    let got = agreed(both(5, async |e| {
        let x = input(e, Role::P0, xs).await?;
        let y = input(e, Role::P1, ys).await?;
        let z = e.dot(&x, &y).await?;
        e.open(&z).await
    }));
    let want = xs.iter().zip(ys).fold(R::ZERO, |acc, (&a, &b)| acc + a * b);
    assert_eq!(got, vec![want]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn mul_matches_plaintext_z64(v in prop::collection::vec((any::<u64>(), any::<u64>()), 0..300)) {
        let (xs, ys): (Vec<Z64>, Vec<Z64>) = v.iter().map(|&(a, b)| (Z64(a), Z64(b))).unzip();
        check_mul(&xs, &ys);
        check_linear(&xs, &ys, Z64(0xdead_beef));
        check_dot(&xs, &ys);
    }

    #[test]
    fn mul_matches_plaintext_z128(v in prop::collection::vec((any::<u128>(), any::<u128>()), 0..300)) {
        let (xs, ys): (Vec<Z128>, Vec<Z128>) = v.iter().map(|&(a, b)| (Z128(a), Z128(b))).unzip();
        check_mul(&xs, &ys);
        check_linear(&xs, &ys, Z128(u128::MAX - 5));
        check_dot(&xs, &ys);
    }
}

#[test]
fn edge_lengths_and_large_vectors() {
    for n in [0usize, 1, 100_000] {
        let (x64, y64) = (
            rand_vec::<Z64>(n as u64, n),
            rand_vec::<Z64>(n as u64 + 1, n),
        );
        check_mul(&x64, &y64);
        check_dot(&x64, &y64);
        let (x128, y128) = (rand_vec::<Z128>(9, n), rand_vec::<Z128>(10, n));
        check_mul(&x128, &y128);
        check_linear(&x128, &y128, Z128(3));
    }
}

#[test]
fn opening_to_one_party_only() {
    let xs = [Z64(11), Z64(u64::MAX)];
    let (a, b) = both(6, async |e| {
        let x = input(e, Role::P0, &xs).await?;
        e.open_to(&x, Role::P1).await
    });
    assert_eq!(a.unwrap(), None);
    assert_eq!(b.unwrap(), Some(xs.to_vec()));
}

#[test]
fn stocked_preprocessing_is_drawn_first() {
    let xs = rand_vec::<Z64>(1, 500);
    let ys = rand_vec::<Z64>(2, 500);
    let got = agreed(both(7, async |e| {
        e.preprocess::<Z64>(Needs {
            triples: 300,
            and_words: 10,
            and_pairs: 10,
            dabits: 100,
            bit_oles: 0,
            leaf_ots: 40,
        })
        .await?;
        let x = input(e, Role::P0, &xs).await?;
        let y = input(e, Role::P1, &ys).await?;
        let z = e.mul(&x, &y).await?;
        let lt = e.lt(&x, &y).await?;
        Ok(e.open(&z)
            .await?
            .into_iter()
            .chain(e.open(&lt).await?)
            .collect::<Vec<_>>())
    }));
    let want: Vec<Z64> = xs.iter().zip(&ys).map(|(&a, &b)| a * b).collect();
    assert_eq!(&got[..500], &want[..]);
    for (i, lt) in got[500..].iter().enumerate() {
        assert_eq!(lt.0 == 1, (xs[i] - ys[i]).to_i128() < 0);
    }
}

#[test]
fn select_picks_per_element() {
    let cs = [Z128(1), Z128(0), Z128(1), Z128(0)];
    let xs = [Z128(5), Z128(6), Z128::from_i128(-7), Z128(8)];
    let ys = [Z128(50), Z128(60), Z128(70), Z128::from_i128(-80)];
    let got = agreed(both(8, async |e| {
        let c = input(e, Role::P0, &cs).await?;
        let x = input(e, Role::P1, &xs).await?;
        let y = input(e, Role::P0, &ys).await?;
        let z = e.select(&c, &x, &y).await?;
        e.open(&z).await
    }));
    assert_eq!(
        got,
        vec![Z128(5), Z128(60), Z128::from_i128(-7), Z128::from_i128(-80)]
    );
}

/// Truncated fixed-point products: within one unit in the last place of
/// the exact product (floor or floor + 1), for `count` random products of
/// magnitude up to `max_abs`.
fn check_trunc<R: Ring>(seed: u64, count: usize, frac: u32, max_abs: f64) {
    let fp = FixedPoint::new(frac).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut xs = Vec::with_capacity(count);
    let mut ys = Vec::with_capacity(count);
    for _ in 0..count {
        let x: f64 = rng.gen_range(-max_abs..max_abs);
        let y: f64 = rng.gen_range(-max_abs..max_abs);
        xs.push(fp.encode_f64::<R>(x).unwrap());
        ys.push(fp.encode_f64::<R>(y).unwrap());
    }
    let got = agreed(both(seed, async |e| {
        let x = input(e, Role::P0, &xs).await?;
        let y = input(e, Role::P1, &ys).await?;
        let z = e.mul_fixed(&x, &y, frac).await?;
        e.open(&z).await
    }));
    for i in 0..count {
        let exact = xs[i].to_i128() * ys[i].to_i128();
        let floor = exact.div_euclid(1i128 << frac);
        let d = got[i].to_i128() - floor;
        assert!(
            d == 0 || d == 1,
            "product {i}: {exact} >> {frac} gave {} (floor {floor})",
            got[i].to_i128()
        );
    }
}

#[test]
fn truncation_within_one_ulp_over_ten_million_products() {
    // |x * y| * 2^32 < 2^62: the documented bound for Z_2^64 with 16 bits.
    for chunk in 0..10 {
        check_trunc::<Z64>(100 + chunk, 1_000_000, 16, 32767.0);
    }
}

#[test]
fn truncation_z128_and_range_edges() {
    check_trunc::<Z128>(200, 200_000, 40, 2f64.powi(22));
    check_trunc::<Z64>(201, 10_000, 20, 1.0);
    // The extreme values allowed: |x| just below 2^(k-2).
    let edge = [
        Z64::from_i128((1i128 << 62) - 1),
        Z64::from_i128(-(1i128 << 62)),
        Z64(0),
        Z64::from_i128(-1),
    ];
    let got = agreed(both(9, async |e| {
        let x = input(e, Role::P0, &edge).await?;
        let t = e.trunc(&x, 12).await?;
        e.open(&t).await
    }));
    for (v, g) in edge.iter().zip(&got) {
        let d = g.to_i128() - v.to_i128().div_euclid(1 << 12);
        assert!(d == 0 || d == 1, "{v:?} -> {g:?}");
    }
}

#[test]
fn truncation_by_the_most_bits_allowed() {
    // k - 3 fractional bits are accepted (61 for Z_2^64, 125 for Z_2^128);
    // the value's range |x| < 2^(k-2) leaves a quotient in -2..=1.
    let xs = [Z64::from_i128(3 << 60), Z64::from_i128(-(1 << 61)), Z64(0)];
    let got = agreed(both(11, async |e| {
        let x = input(e, Role::P1, &xs).await?;
        let t = e.trunc(&x, 61).await?;
        e.open(&t).await
    }));
    for (v, g) in xs.iter().zip(&got) {
        let d = g.to_i128() - v.to_i128().div_euclid(1 << 61);
        assert!(d == 0 || d == 1, "{v:?} -> {g:?}");
    }
    let wide = [Z128::from_i128(-(1 << 125)), Z128::from_i128(1 << 125)];
    let got = agreed(both(12, async |e| {
        let x = input(e, Role::P0, &wide).await?;
        let t = e.trunc(&x, 125).await?;
        e.open(&t).await
    }));
    for (v, g) in wide.iter().zip(&got) {
        let d = g.to_i128() - v.to_i128().div_euclid(1 << 125);
        assert!(d == 0 || d == 1, "{v:?} -> {g:?}");
    }
}

/// A multiple of 2^f truncates exactly, whatever the random shares (a
/// padded all-zero row must add exactly 0 to a logistic fit's sums, or
/// the fit would depend on the padding, hence on the row count).
#[test]
fn truncation_of_a_multiple_is_exact() {
    let mut xs: Vec<Z64> = rand_vec::<Z64>(13, 2000)
        .into_iter()
        .map(|v| Z64::from_i128((v.to_i128() >> 30) << 20))
        .collect();
    xs.extend([Z64(0), Z64::from_i128(-(1 << 20)), Z64::from_i128(1 << 20)]);
    let got = agreed(both(13, async |e| {
        let x = input(e, Role::P0, &xs).await?;
        let zeros = e.constant(&vec![Z64(0); 500]);
        let t = e.trunc(&Shared::concat(&[&x, &zeros]), 20).await?;
        e.open(&t).await
    }));
    for (i, g) in got.iter().enumerate() {
        let want = xs.get(i).map_or(0, |v| v.to_i128() >> 20);
        assert_eq!(g.to_i128(), want, "element {i}");
    }
}

#[test]
fn truncation_rejects_too_many_fractional_bits() {
    let (a, _) = both(10, async |e| {
        let x: Shared<Z64> = e.constant(&[Z64(1)]);
        e.trunc(&x, 62).await
    });
    assert!(matches!(a, Err(duet_core::EngineError::Parameter { .. })));
}

/// Exact `Needs`: stocking them first means the operation asks the source
/// for nothing more (a wrapper counts the source's requests).
#[test]
fn needs_are_exact() {
    use duet_core::{Channel, InsecureDealer, Preprocessing};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    struct Counting(InsecureDealer, Arc<AtomicUsize>);
    impl Preprocessing for Counting {
        type Error = core::convert::Infallible;
        async fn triples<R: Ring, C: Channel>(
            &mut self,
            ch: &mut C,
            n: usize,
        ) -> Result<duet_core::BeaverTriples<R>, Self::Error> {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.triples(ch, n).await
        }
        async fn and_triples<C: Channel>(
            &mut self,
            ch: &mut C,
            w: usize,
        ) -> Result<duet_core::AndTriples, Self::Error> {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.and_triples(ch, w).await
        }
        async fn and_pairs<C: Channel>(
            &mut self,
            ch: &mut C,
            w: usize,
        ) -> Result<duet_core::AndPairs, Self::Error> {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.and_pairs(ch, w).await
        }
        async fn leaf_ots<C: Channel>(
            &mut self,
            ch: &mut C,
            n: usize,
        ) -> Result<duet_core::LeafOts, Self::Error> {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.leaf_ots(ch, n).await
        }
        async fn dabits<R: Ring, C: Channel>(
            &mut self,
            ch: &mut C,
            n: usize,
        ) -> Result<duet_core::DaBits<R>, Self::Error> {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.dabits(ch, n).await
        }
        async fn bit_oles<R: Ring, C: Channel>(
            &mut self,
            ch: &mut C,
            n: usize,
        ) -> Result<duet_core::BitOles<R>, Self::Error> {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.bit_oles(ch, n).await
        }
    }
    for n in [1usize, 64, 65, 1000] {
        let (c0, c1) = duet_core::MemoryChannel::pair();
        let counts = [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(n as u64);
        let mut e0 = duet_core::Engine::new(
            Role::P0,
            c0,
            Counting(InsecureDealer::new(Role::P0, [5; 32]), counts[0].clone()),
            &mut rng,
        );
        let mut e1 = duet_core::Engine::new(
            Role::P1,
            c1,
            Counting(InsecureDealer::new(Role::P1, [5; 32]), counts[1].clone()),
            &mut rng,
        );
        let needs = Needs::for_ltz::<Z128>(n)
            + Needs::for_eqz::<Z128>(n)
            + Needs::for_trunc(n)
            + Needs::for_mul_fixed(n)
            + Needs::for_mul_bit(n)
            + Needs::for_mul_bit(n)
            + Needs::for_ltz_within::<Z128>(n, 41);
        let body = async |e: &mut duet_core::Engine<duet_core::MemoryChannel, Counting>| {
            e.preprocess::<Z128>(needs).await?;
            let x = e.constant(&vec![Z128(3); n]);
            let bit = e.constant(&vec![Z128(1); n]);
            drop(e.ltz(&x).await?);
            drop(e.ltz_within(&x, 41).await?);
            drop(e.eqz(&x).await?);
            drop(e.trunc(&x, 1).await?);
            drop(e.mul_fixed(&x, &x, 1).await?);
            drop(e.mul_bit(&bit, &x).await?);
            drop(e.select(&bit, &x, &x).await?);
            Ok::<_, duet_core::EngineError>(())
        };
        let (a, b) =
            futures::executor::block_on(futures::future::join(body(&mut e0), body(&mut e1)));
        a.unwrap();
        b.unwrap();
        // preprocess asks once per kind; the operations ask for nothing.
        assert_eq!(counts[0].load(Ordering::SeqCst), 6, "n = {n}");
        assert_eq!(counts[1].load(Ordering::SeqCst), 6, "n = {n}");
    }
}

#[test]
fn long_vectors_stream_in_several_frames() {
    let n = 2 * duet_core::engine::STREAM_CHUNK + 5;
    let xs = rand_vec::<Z64>(11, n);
    let (a, b) = both(12, async |e| {
        let before = e.channel().frames_sent();
        let x = input(e, Role::P0, &xs).await?;
        let input_frames = e.channel().frames_sent() - before;
        let to_p1 = e.open_to(&x, Role::P1).await?;
        let all = e.open(&x).await?;
        Ok::<_, duet_core::EngineError>((input_frames, to_p1, all))
    });
    let ((f0, none, all0), (f1, some, all1)) = (a.unwrap(), b.unwrap());
    assert_eq!((f0, f1), (3, 0), "three input frames from the owner only");
    assert_eq!(none, None);
    assert_eq!(some.as_deref(), Some(&xs[..]));
    assert_eq!((all0, all1), (xs.clone(), xs));
}
