//! Base OT: correctness over many random choices, and a transcript check.

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::Scalar;
use duet_ot::base::{self, BaseSender, Context};
use rand::{Rng, SeedableRng};

fn ctx() -> Context {
    Context {
        session_id: crate::SID,
        direction: 1,
    }
}

#[test]
fn receiver_obtains_exactly_the_chosen_keys() {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(10);
    for n in [0usize, 1, 2, 300] {
        let choices: Vec<bool> = (0..n).map(|_| rng.gen()).collect();
        let (s, a) = BaseSender::new(&mut rng);
        let (reply, keys) = base::receive(&ctx(), &a, &choices, &mut rng).unwrap();
        assert_eq!(reply.len(), 32 * n);
        let pairs = s.finish(&ctx(), n, &reply).unwrap();
        for i in 0..n {
            let (k0, k1) = &pairs[i];
            assert_eq!(&keys[i], if choices[i] { k1 } else { k0 }, "OT {i}");
            assert_ne!(k0, k1);
        }
    }
}

#[test]
fn keys_are_bound_to_session_and_direction() {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
    let (s, a) = BaseSender::new(&mut rng);
    let (reply, keys) = base::receive(&ctx(), &a, &[true, false], &mut rng).unwrap();
    let other = Context {
        direction: 0,
        ..ctx()
    };
    let pairs = s.finish(&other, 2, &reply).unwrap();
    assert_ne!(&keys[0], &pairs[0].1);
    assert_ne!(&keys[1], &pairs[1].0);
}

/// Transcript check. The receiver's view is the sender's point A, its
/// own scalars b_i and points B_i, its choices and keys (the test replays
/// the receiver's generator to learn b_i). From that view we form every
/// key-shaped value we can think of, plugging A, B_i, B_i - A, b_i A, b_i G,
/// b_i B_i and b_i (B_i - A) into the key derivation, check that the
/// chosen key is among them (so the check exercises the real derivation)
/// and that the non-chosen key never is. This does not prove security
/// (that rests on CDH); it catches the classic slips: a key that ignores
/// the choice, a DH point the receiver can compute, a hash missing a part.
#[test]
fn non_chosen_key_is_not_derivable_from_the_receivers_view() {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(12);
    let n = 200;
    let choices: Vec<bool> = (0..n).map(|_| rng.gen()).collect();
    let (s, a) = BaseSender::new(&mut rng);
    let mut replay = rng.clone();
    let (reply, keys) = base::receive(&ctx(), &a, &choices, &mut rng).unwrap();
    let pairs = s.finish(&ctx(), n, &reply).unwrap();
    let big_a = CompressedRistretto(a).decompress().unwrap();
    for i in 0..n {
        let b = Scalar::random(&mut replay);
        let b_bytes: [u8; 32] = reply[32 * i..32 * i + 32].try_into().unwrap();
        let big_b = CompressedRistretto(b_bytes).decompress().unwrap();
        let points = [
            big_a,
            big_b,
            big_b - big_a,
            b * big_a,
            &b * RISTRETTO_BASEPOINT_TABLE,
            b * big_b,
            b * (big_b - big_a),
        ];
        let derived: Vec<_> = points
            .iter()
            .map(|p| ctx().key(i, &a, &b_bytes, &p.compress().to_bytes()))
            .collect();
        let (chosen, other) = if choices[i] {
            (&pairs[i].1, &pairs[i].0)
        } else {
            (&pairs[i].0, &pairs[i].1)
        };
        assert_eq!(chosen, &keys[i]);
        assert!(derived.contains(chosen), "OT {i}: control failed");
        assert!(!derived.contains(other), "OT {i}: other key derivable");
        assert!(
            !keys.contains(other),
            "OT {i}: other key among received keys"
        );
    }
}
