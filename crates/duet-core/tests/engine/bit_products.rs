//! Products from bit-OLE pairs: bit-times-value products, selection and
//! products of two parties' known bits, against plaintext; what a party
//! sends in them looks uniform.

use duet_core::{
    Channel, Engine, InsecureDealer, MemoryChannel, MsgKind, Ring, Role, Shared, Z128, Z64,
};
use futures::executor::block_on;
use proptest::prelude::*;
use rand::SeedableRng;

use crate::uniformity::looks_uniform;
use crate::{agreed, both, input};

fn check_mul_bit<R: Ring>(bits: &[bool], xs: &[R]) {
    let bs: Vec<R> = bits.iter().map(|&b| R::from_u64(u64::from(b))).collect();
    let got = agreed(both(21, async |e| {
        let b = input(e, Role::P1, &bs).await?;
        let x = input(e, Role::P0, xs).await?;
        let y = input(e, Role::P1, xs).await?;
        let bx = e.mul_bit(&b, &x).await?;
        let sel = e.select(&b, &x, &y.mul_scalar(R::from_u64(3))).await?;
        e.open(&Shared::concat(&[&bx, &sel])).await
    }));
    let n = xs.len();
    for i in 0..n {
        let want = if bits[i] { xs[i] } else { R::ZERO };
        assert_eq!(got[i], want, "b x at {i}");
        let other = xs[i] * R::from_u64(3);
        let want = if bits[i] { xs[i] } else { other };
        assert_eq!(got[n + i], want, "select at {i}");
    }
}

fn check_and_known<R: Ring>(mine0: &[u8], mine1: &[u8]) {
    let got = agreed(both(22, async |e| {
        let mine = if e.role() == Role::P0 { mine0 } else { mine1 };
        let z = e.and_known_bits::<R>("test", mine).await?;
        e.open(&z).await
    }));
    let want: Vec<R> = mine0
        .iter()
        .zip(mine1)
        .map(|(&a, &b)| R::from_u64(u64::from(a & b)))
        .collect();
    assert_eq!(got, want);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn bit_products_match_plaintext_z64(v in prop::collection::vec((any::<bool>(), any::<u64>()), 0..300)) {
        let (bits, xs): (Vec<bool>, Vec<Z64>) = v.iter().map(|&(b, x)| (b, Z64(x))).unzip();
        check_mul_bit(&bits, &xs);
    }

    #[test]
    fn bit_products_match_plaintext_z128(v in prop::collection::vec((any::<bool>(), any::<u128>()), 0..300)) {
        let (bits, xs): (Vec<bool>, Vec<Z128>) = v.iter().map(|&(b, x)| (b, Z128(x))).unzip();
        check_mul_bit(&bits, &xs);
    }

    #[test]
    fn products_of_known_bits_match_plaintext(v in prop::collection::vec((0u8..2, 0u8..2), 0..300)) {
        let (a, b): (Vec<u8>, Vec<u8>) = v.into_iter().unzip();
        check_and_known::<Z64>(&a, &b);
        check_and_known::<Z128>(&a, &b);
    }
}

#[test]
fn edge_sizes_and_every_bit_pair() {
    // Odd sizes split unevenly between the two directions.
    for n in [0usize, 1, 2, 3, 63, 64, 65, 1001] {
        let a: Vec<u8> = (0..n).map(|i| (i % 2) as u8).collect();
        let b: Vec<u8> = (0..n).map(|i| (i / 2 % 2) as u8).collect();
        check_and_known::<Z64>(&a, &b);
        let bits: Vec<bool> = (0..n).map(|i| i % 3 == 0).collect();
        let xs: Vec<Z64> = (0..n).map(|i| Z64(u64::MAX - i as u64)).collect();
        check_mul_bit(&bits, &xs);
    }
}

#[test]
fn a_bit_shared_with_a_wrapping_sum_still_selects() {
    // Shares of 1 as (2^64 - 5, 6): the lowest bits are (1, 0).
    let got = agreed(both(23, async |e| {
        let share = if e.role() == Role::P0 {
            Z64(u64::MAX - 4)
        } else {
            Z64(6)
        };
        let b = Shared::from_shares(vec![share]);
        let x = input(e, Role::P0, &[Z64(77)]).await?;
        let bx = e.mul_bit(&b, &x).await?;
        e.open(&bx).await
    }));
    assert_eq!(got, vec![Z64(77)]);
}

/// What P0 sends in one bit product of a fixed bit and value, with fresh
/// pairs (a new dealer seed) each time.
fn p0_frame(seed: u64) -> Vec<u8> {
    let (mine, mut peer) = MemoryChannel::pair();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let mut common = [0u8; 32];
    common[..8].copy_from_slice(&seed.to_le_bytes());
    let mut e = Engine::new(
        Role::P0,
        mine,
        InsecureDealer::new(Role::P0, common),
        &mut rng,
    );
    block_on(async {
        // The peer's frame first (8 bytes of bits, 8 of value), so P0 finishes.
        peer.send(MsgKind::BIT_OLE, vec![0u8; 16]).await.unwrap();
        let b = Shared::from_shares(vec![Z64(1)]);
        let x = Shared::from_shares(vec![Z64(42)]);
        e.mul_bit(&b, &x).await.unwrap();
        peer.recv(MsgKind::BIT_OLE, 16).await.unwrap()
    })
}

#[test]
fn what_a_party_sends_in_a_bit_product_looks_uniform() {
    let frames: Vec<Vec<u8>> = (0..20_000).map(p0_frame).collect();
    let ones = frames.iter().filter(|f| f[0] & 1 == 1).count();
    // Binomial(20000, 1/2): sd 71, so 9,600..10,400 is over 5 sd.
    assert!(
        (9_600..=10_400).contains(&ones),
        "{ones} of 20000 masked bits set"
    );
    let values: Vec<u64> = frames
        .iter()
        .map(|f| u64::from_le_bytes(f[8..16].try_into().unwrap()))
        .collect();
    assert!(looks_uniform(&values), "the masked values are not uniform");
    // Negative control: the same pair every time sends the same frame.
    let same: Vec<Vec<u8>> = (0..3).map(|_| p0_frame(7)).collect();
    assert!(same.windows(2).all(|w| w[0] == w[1]));
}
