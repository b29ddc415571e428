//! SoftSpoken OT extension against its definition: the rows' correlation
//! on the pure-math API for many `k` (with real base OTs), `k = 1` against
//! IKNP, random OT over the channel in both roles, exact bytes per OT,
//! bit balance of the outputs, and the material (Gilboa products, Beaver,
//! AND triples, daBits) made with it.

use duet_core::{MemoryChannel, Preprocessing, Ring, Role, Z128, Z64};
use duet_ot::base::{self, BaseSender, Context, OtKey};
use duet_ot::iknp::{self, KAPPA};
use duet_ot::{softspoken, OtError, OtExtension, OtPreprocessing, OtSession};
use futures::executor::block_on;
use rand::{Rng, SeedableRng};

use crate::{run_with, SID};

fn ss(k: usize) -> OtExtension {
    OtExtension::SoftSpoken { k }
}

/// Real base OTs (reversed roles) for a random `delta`: returns `delta`,
/// the key pairs (the extension receiver's) and the chosen keys (the
/// extension sender's).
fn base_ots(seed: u64) -> (u128, Vec<(OtKey, OtKey)>, Vec<OtKey>) {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let ctx = Context {
        session_id: SID,
        direction: 0,
    };
    let delta: u128 = rng.gen();
    let (bs, a) = BaseSender::new(&mut rng);
    let choices = softspoken::base_choices(delta);
    let (reply, keys) = base::receive(&ctx, &a, &choices, &mut rng).unwrap();
    let pairs = bs.finish(&ctx, KAPPA, &reply).unwrap();
    (delta, pairs, keys)
}

/// Real base OTs, then SoftSpoken's setup on both sides. Returns `delta`,
/// the sender, the receiver, and the base-OT key pairs.
fn ss_pair(seed: u64, k: usize) -> (u128, iknp::Sender, iknp::Receiver, Vec<(OtKey, OtKey)>) {
    let (delta, pairs, keys) = base_ots(seed);
    let (receiver, msg) = softspoken::receiver(k, &pairs).unwrap();
    assert_eq!(msg.len(), softspoken::tree_bytes(k));
    let sender = softspoken::sender(k, delta, &keys, &msg).unwrap();
    (delta, sender, receiver, pairs)
}

/// Each side's setup takes exactly 128 base OTs: one fewer or one more is
/// refused, not read as a shorter or a misaligned last block.
#[test]
fn a_setup_from_other_than_128_base_ots_is_refused() {
    let (delta, pairs, keys) = base_ots(200);
    let (_, msg) = softspoken::receiver(4, &pairs).unwrap();
    for n in [KAPPA - 1, KAPPA + 1] {
        let p: Vec<_> = pairs.iter().cycle().take(n).cloned().collect();
        let r = softspoken::receiver(4, &p);
        assert!(
            matches!(r, Err(OtError::LengthMismatch { left, right: KAPPA, .. }) if left == n),
            "receiver from {n} key pairs"
        );
        let k: Vec<_> = keys.iter().cycle().take(n).cloned().collect();
        let s = softspoken::sender(4, delta, &k, &msg);
        assert!(
            matches!(s, Err(OtError::LengthMismatch { left, right: KAPPA, .. }) if left == n),
            "sender from {n} keys"
        );
    }
}

/// `t_j = q_j ^ r_j delta` for every row of batches of several widths
/// (0, 1, a partial tile, a full group, more than a group), in sequence.
#[test]
fn rows_satisfy_the_correlation_for_every_k() {
    for k in [1usize, 2, 3, 4, 5, 7, 8] {
        let (delta, mut s, mut r, _) = ss_pair(200 + k as u64, k);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(300 + k as u64);
        let mut t = Vec::new();
        for w in [0usize, 1, 3, 16, 64, 65, 130] {
            let choices: Vec<u64> = (0..w).map(|_| rng.gen()).collect();
            let u = r.extend(&choices, &mut t);
            assert_eq!(u.len(), softspoken::u_bytes(k, w), "k {k} w {w}");
            assert_eq!(u.len(), w * 8 * KAPPA.div_ceil(k));
            let q = s.extend(&u, w).collect();
            assert_eq!((q.len(), t.len()), (64 * w, 64 * w));
            for j in 0..64 * w {
                let bit = choices[j / 64] >> (j % 64) & 1 == 1;
                let want = if bit { q[j] ^ delta } else { q[j] };
                assert_eq!(t[j], want, "k {k}, width {w}, row {j}");
            }
        }
    }
}

/// With `k = 1` each block is one column with leaves `(K^0, K^1)`: the
/// receiver's message is IKNP's, byte for byte, from the same base OTs.
#[test]
fn k_one_sends_exactly_what_iknp_sends() {
    let (_, _, mut r, pairs) = ss_pair(210, 1);
    let mut ik = iknp::Receiver::new(&pairs);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(211);
    let (mut t1, mut t2) = (Vec::new(), Vec::new());
    for w in [1usize, 17, 70] {
        let choices: Vec<u64> = (0..w).map(|_| rng.gen()).collect();
        let u_ss = r.extend(&choices, &mut t1);
        let u_ik = ik.extend(&choices, &mut t2);
        assert_eq!(u_ss, u_ik, "width {w}");
        // The rows differ by the columns G(K^0) ^ G(K^1) = u ^ r, not 0.
        assert_ne!(t1, t2);
    }
}

/// The receiver's rows (before hashing) and its message look uniform:
/// over n = 2^16 rows, each of the 128 bit positions is set in n/2 +- 6 sd
/// rows (sd = sqrt(n)/2 = 128, so +- 768; a fixed or duplicated column
/// gives 0, n or a strong bias). Chance of a false failure: below 1e-8 per
/// position. Also the message bytes: ones within 6 sd of half.
#[test]
fn rows_and_messages_are_balanced() {
    for k in [2usize, 4, 8] {
        let (_, _, mut r, _) = ss_pair(220 + k as u64, k);
        let w = 1024;
        let choices: Vec<u64> = vec![0x0f0f_0f0f_0f0f_0f0f; w];
        let mut t = Vec::new();
        let u = r.extend(&choices, &mut t);
        let n = t.len() as i64;
        for i in 0..128 {
            let ones = t.iter().filter(|&&x| x >> i & 1 == 1).count() as i64;
            assert!((ones - n / 2).abs() < 768, "k {k}, bit {i}: {ones} of {n}");
        }
        let bits = 8 * u.len() as i64;
        let ones: i64 = u.iter().map(|b| i64::from(b.count_ones())).sum();
        let sd = ((bits as f64).sqrt() / 2.0) as i64;
        assert!((ones - bits / 2).abs() < 6 * sd, "k {k}: {ones} of {bits}");
    }
}

fn check_random_ot(seed: u64, k: usize, n: usize, sender: Role) {
    let mut g = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let choices: Vec<bool> = (0..n).map(|_| g.gen()).collect();
    let c = choices.clone();
    let send = async |s: &mut OtSession, ch: &mut _| s.random_ot_send(ch, n).await;
    let recv = async |s: &mut OtSession, ch: &mut _| s.random_ot_receive(ch, &c).await;
    let (pairs, got) = match sender {
        Role::P0 => run_with(seed, ss(k), send, recv),
        Role::P1 => {
            let (g, p) = run_with(seed, ss(k), recv, send);
            (p, g)
        }
    };
    assert_eq!((pairs.len(), got.len()), (n, n));
    for j in 0..n {
        let (m0, m1) = pairs[j];
        assert_eq!(got[j], if choices[j] { m1 } else { m0 }, "k {k}, OT {j}");
        assert_ne!(m0, m1, "k {k}, OT {j}");
    }
    if n >= 4096 {
        // 2 n 128-bit messages: ones within 6 sd of half.
        let bits = 256 * n as i64;
        let ones: i64 = pairs
            .iter()
            .map(|(a, b)| i64::from(a.count_ones() + b.count_ones()))
            .sum();
        let sd = ((bits as f64).sqrt() / 2.0) as i64;
        assert!((ones - bits / 2).abs() < 6 * sd, "k {k}: {ones} of {bits}");
    }
}

#[test]
fn random_ot_over_the_channel_both_roles() {
    for k in [2usize, 3, 4, 8] {
        for (i, n) in [0usize, 1, 63, 64, 65, 1000, 4097].into_iter().enumerate() {
            let seed = 230 + 10 * k as u64 + i as u64;
            check_random_ot(seed, k, n, Role::P0);
            check_random_ot(seed + 100, k, n, Role::P1);
        }
    }
}

#[test]
fn random_ot_beyond_one_round() {
    check_random_ot(240, 4, (1 << 20) + 100, Role::P1);
}

/// Bytes per OT, exactly: the receiver sends `ceil(128 / k) / 8` bytes per
/// OT (whole words of 64 OTs), the sender nothing; setup costs the base
/// OTs (32 + 4096 bytes per party) and the GGM message.
#[test]
fn bytes_per_ot_are_128_over_k_bits() {
    let n = 1 << 16;
    for (ext, per_ot, trees) in [
        (OtExtension::Iknp, 16, 0),
        (ss(1), 16, 0),
        (ss(2), 8, 64 * 32),
        (ss(4), 4, 32 * 3 * 32),
        (ss(8), 2, 16 * 7 * 32),
    ] {
        let ((mut s0, mut c0), (mut s1, mut c1)) = crate::sessions_with(250, ext);
        assert_eq!(c0.bytes_sent(), 32 + 4096 + trees, "{ext:?} setup");
        let (b0, b1) = (c0.bytes_sent(), c1.bytes_sent());
        let choices = vec![true; n];
        let (a, b) = block_on(futures::future::join(
            s0.random_ot_send(&mut c0, n),
            s1.random_ot_receive(&mut c1, &choices),
        ));
        assert_eq!((a.unwrap().len(), b.unwrap().len()), (n, n));
        assert_eq!(c0.bytes_sent() - b0, 0, "{ext:?}");
        assert_eq!(c1.bytes_sent() - b1, per_ot * n as u64, "{ext:?}");
        assert_eq!(ext.u_bytes(n) as u64, per_ot * n as u64);
    }
    // Not a multiple of k: k = 3 sends 43 rows, k = 5 26 rows.
    assert_eq!(ss(3).u_bytes(64), 43 * 8);
    assert_eq!(ss(5).u_bytes(65), 26 * 16);
}

fn check_products<R: Ring>(seed: u64, k: usize, xs: &[R], ys: &[R]) {
    let (s0, s1) = run_with(
        seed,
        ss(k),
        async |s: &mut OtSession, ch: &mut _| s.product_send(ch, xs).await,
        async |s: &mut OtSession, ch: &mut _| s.product_receive(ch, ys).await,
    );
    let got: Vec<R> = s0.iter().zip(&s1).map(|(&a, &b)| a + b).collect();
    let want: Vec<R> = xs.iter().zip(ys).map(|(&a, &b)| a * b).collect();
    assert_eq!(got, want, "k {k}");
}

#[test]
fn gilboa_products_match_plaintext() {
    let edge64 = [Z64(0), Z64(1), Z64(u64::MAX), Z64(1 << 63), Z64(12345)];
    let edge128 = [Z128(0), Z128(1), Z128(u128::MAX), Z128(1 << 127), Z128(3)];
    for k in [2usize, 4, 8] {
        let seed = 260 + 4 * k as u64;
        check_products::<Z64>(seed, k, &[], &[]);
        check_products(seed + 1, k, &edge64, &[Z64(u64::MAX); 5]);
        check_products(seed + 2, k, &edge128, &edge128);
        let xs: Vec<Z64> = (0..5000u64)
            .map(|i| Z64(i.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
            .collect();
        let ys: Vec<Z64> = (0..5000u64).map(|i| Z64(!i ^ i << 40)).collect();
        check_products(seed + 3, k, &xs, &ys);
    }
}

fn both<T>(
    seed: u64,
    k: usize,
    f: impl AsyncFn(&mut OtPreprocessing, &mut MemoryChannel) -> T,
) -> (T, T) {
    crate::with_material(seed, ss(k), 1 << 18, f)
}

fn check_triples<R: Ring>(seed: u64, k: usize, n: usize) {
    let (t0, t1) = both(seed, k, async |p, c| p.triples::<R, _>(c, n).await.unwrap());
    let ((a0, b0, c0), (a1, b1, c1)) = (t0.parts(), t1.parts());
    assert_eq!((a0.len(), a1.len()), (n, n));
    for i in 0..n {
        assert_eq!(
            c0[i] + c1[i],
            (a0[i] + a1[i]) * (b0[i] + b1[i]),
            "k {k}, triple {i} of {n}"
        );
    }
    if n > 1 {
        assert_ne!(a0, a1);
    }
}

#[test]
fn beaver_triples_with_softspoken() {
    for k in [2usize, 4, 8] {
        for n in [0usize, 1, 4097] {
            check_triples::<Z64>(270 + n as u64 + k as u64, k, n);
            check_triples::<Z128>(271 + n as u64 + k as u64, k, n);
        }
    }
}

#[test]
fn and_triples_and_dabits_with_softspoken() {
    for k in [2usize, 8] {
        let words = 300;
        let (t0, t1) = both(280 + k as u64, k, async |p, c| {
            p.and_triples(c, words).await.unwrap()
        });
        let ((a0, b0, c0), (a1, b1, c1)) = (t0.parts(), t1.parts());
        for i in 0..words {
            assert_eq!(c0[i] ^ c1[i], (a0[i] ^ a1[i]) & (b0[i] ^ b1[i]), "word {i}");
        }
        let n = 1001;
        let (d0, d1) = both(290 + k as u64, k, async |p, c| {
            p.dabits::<Z64, _>(c, n).await.unwrap()
        });
        let ((x0, r0), (x1, r1)) = (d0.parts(), d1.parts());
        for i in 0..n {
            let bit = (x0[i / 64] ^ x1[i / 64]) >> (i % 64) & 1;
            assert_eq!(r0[i] + r1[i], Z64(bit), "daBit {i}");
        }
    }
}

/// As the IKNP transcript check: the receiver's view is its rows `t_j`,
/// its choices and the message `u` it sent. Hashing, under every tweak of
/// the batch, each row xor each 128-bit value it can read off that view
/// (16-byte pieces of `u`, row differences) yields the chosen message
/// (control) and never the other one, `H(j, t_j ^ delta)`. Not a proof;
/// it catches rows or messages that leak `delta` in a simple way.
#[test]
fn non_chosen_message_is_not_derivable_from_the_receivers_view() {
    use duet_ot::hash::Tccr;
    for k in [2usize, 8] {
        let (delta, mut s, mut r, _) = ss_pair(320 + k as u64, k);
        let hash = Tccr::new(&SID);
        let w = 2;
        let mut g = rand_chacha::ChaCha8Rng::seed_from_u64(321);
        let choices: Vec<u64> = (0..w).map(|_| g.gen()).collect();
        let mut t = Vec::new();
        let u = r.extend(&choices, &mut t);
        let q = s.extend(&u, w).collect();
        let m = 64 * w;
        let mut masks: Vec<u128> = u
            .chunks(16)
            .map(|c| u128::from_le_bytes(c.try_into().unwrap()))
            .collect();
        masks.push(0);
        masks.extend((1..m).map(|j| t[j] ^ t[0]));
        let mut view = std::collections::HashSet::new();
        let mut buf = [0u128; 1];
        for j in 0..m {
            for &x in &masks {
                for tw in 0..m as u128 {
                    hash.hash_into(tw, &[t[j] ^ x], &mut buf);
                    view.insert(buf[0]);
                }
            }
        }
        for j in 0..m {
            let bit = choices[j / 64] >> (j % 64) & 1 == 1;
            let (mut m0, mut m1) = ([0u128], [0u128]);
            hash.hash_into(j as u128, &[q[j]], &mut m0);
            hash.hash_into(j as u128, &[q[j] ^ delta], &mut m1);
            let (chosen, other) = if bit { (m1[0], m0[0]) } else { (m0[0], m1[0]) };
            assert!(view.contains(&chosen), "control: k {k}, OT {j}");
            assert!(
                !view.contains(&other),
                "k {k}, OT {j}: other message derivable"
            );
        }
    }
}
