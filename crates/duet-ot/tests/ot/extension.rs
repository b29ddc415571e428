//! IKNP extension: random OT over the channel against the choices, the
//! correlated-OT relation on the pure-math API, and a transcript check.

use duet_core::Role;
use duet_ot::base::{self, BaseSender, Context, OtKey};
use duet_ot::hash::Tccr;
use duet_ot::iknp::{self, KAPPA};
use rand::{Rng, SeedableRng};

use crate::run;

fn check_random_ot(seed: u64, n: usize, sender: Role) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let choices: Vec<bool> = (0..n).map(|_| rng.gen()).collect();
    let c = choices.clone();
    let send = async |s: &mut duet_ot::OtSession, ch: &mut _| s.random_ot_send(ch, n).await;
    let recv = async |s: &mut duet_ot::OtSession, ch: &mut _| s.random_ot_receive(ch, &c).await;
    let (pairs, got) = match sender {
        Role::P0 => run(seed, send, recv),
        Role::P1 => {
            let (g, p) = run(seed, recv, send);
            (p, g)
        }
    };
    assert_eq!((pairs.len(), got.len()), (n, n));
    for j in 0..n {
        let (m0, m1) = pairs[j];
        assert_eq!(got[j], if choices[j] { m1 } else { m0 }, "OT {j}");
        assert_ne!(m0, m1, "OT {j}");
    }
}

#[test]
fn receiver_obtains_exactly_the_chosen_messages() {
    for (i, n) in [0usize, 1, 63, 64, 65, 1025, 70_000]
        .into_iter()
        .enumerate()
    {
        check_random_ot(30 + i as u64, n, Role::P0);
        check_random_ot(40 + i as u64, n, Role::P1);
    }
}

/// Real base OTs (reversed roles), then the pure-math extension.
fn extension_pair(seed: u64) -> (u128, iknp::Sender, iknp::Receiver) {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let ctx = Context {
        session_id: crate::SID,
        direction: 0,
    };
    let delta: u128 = rng.gen();
    let bits: Vec<bool> = (0..KAPPA).map(|i| delta >> i & 1 == 1).collect();
    let (bs, a) = BaseSender::new(&mut rng);
    let (reply, keys): (Vec<u8>, Vec<OtKey>) = base::receive(&ctx, &a, &bits, &mut rng).unwrap();
    let pairs = bs.finish(&ctx, KAPPA, &reply).unwrap();
    (
        delta,
        iknp::Sender::new(delta, &keys),
        iknp::Receiver::new(&pairs),
    )
}

#[test]
fn rows_satisfy_the_correlation_across_batches() {
    let (delta, mut s, mut r) = extension_pair(50);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(51);
    let mut t = Vec::new();
    for w in [3usize, 16, 17, 1, 40] {
        let choices: Vec<u64> = (0..w).map(|_| rng.gen()).collect();
        let u = r.extend(&choices, &mut t);
        assert_eq!(u.len(), iknp::u_bytes(w));
        let q = s.extend(&u, w).collect();
        for j in 0..64 * w {
            let bit = choices[j / 64] >> (j % 64) & 1;
            assert_eq!(t[j], q[j] ^ if bit == 1 { delta } else { 0 }, "row {j}");
        }
    }
}

/// Transcript check for the extension. The receiver's view is its rows
/// t_j, its choices and the matrix u it sent (the sender sends nothing in
/// random OT). We hash, under every tweak in the batch, each row t_j and
/// t_j xor each of the 128-bit values the receiver can read off its view
/// (the columns of u packed as rows, the row differences t_j ^ t_j'),
/// check the chosen message is among them (control), and that the
/// non-chosen message H(j, t_j ^ delta) never is. It does not prove
/// correlation robustness; it catches a hash that drops delta or the
/// tweak, or rows that leak delta.
#[test]
fn non_chosen_message_is_not_derivable_from_the_receivers_view() {
    let (delta, mut s, mut r) = extension_pair(52);
    let hash = Tccr::new(&crate::SID);
    let w = 2;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(53);
    let choices: Vec<u64> = (0..w).map(|_| rng.gen()).collect();
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
    let mut buf = vec![0u128; 1];
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
        assert!(view.contains(&chosen), "control: OT {j}");
        assert!(!view.contains(&other), "OT {j}: other message derivable");
    }
}
