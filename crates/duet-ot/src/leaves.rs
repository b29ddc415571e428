//! Leaf OTs (duet-core's [`LeafOts`]): random 1-out-of-16 OTs with 2-bit
//! messages, the leaves of the comparison circuit, from four random OTs of
//! the extension each (the 1-out-of-N construction of Naor and Pinkas,
//! with the random OTs' messages as the keys).
//!
//! For leaf OT `i` the sender holds four pairs of 32-bit random-OT
//! messages `(k_t^0, k_t^1)` and the receiver, with random choice bits
//! `c_0..c_3`, holds `k_t^(c_t)`. Mask `u` is
//! `M_u = XOR_t bits 2u..2u+2 of k_t^(u_t)`. For `u != c` some `t` has
//! `u_t != c_t`, so `M_u` contains two bits of `k_t^(1 - c_t)`, which the
//! receiver cannot compute (the random OT's guarantee); and each `M_u`
//! draws on its own bit positions `2u..2u+2`, so the 15 masks it lacks
//! are independent and uniform. The sender sees only the extension's
//! messages, so it learns nothing of `c`.

use duet_core::{leaf_mask, Channel, LeafOts, LEAF_VALUES};
use rand_core::RngCore;
use zeroize::Zeroize;

use crate::error::OtError;
use crate::hash::{AesBuf, Tccr};
use crate::iknp::Rows;
use crate::rot;
use crate::session::OtSession;

/// Random OTs per leaf OT.
const ROTS_PER_LEAF: usize = 4;

/// Sender messages of random OTs, the low 32 bits of `H(j, q_j)` and
/// `H(j, q_j ^ delta)`, for the `64 w` rows.
pub(crate) fn rot_send_words(hash: &Tccr, tweak: u128, rows: &Rows<'_>, w: usize) -> Vec<[u32; 2]> {
    let mut out = vec![[0u32; 2]; 64 * w];
    rot::send_blocks(hash, tweak, rows, &mut out, 64, |h0, h1, o| {
        for (m, (&a, &b)) in o.iter_mut().zip(h0.iter().zip(h1)) {
            *m = [a as u32, b as u32];
        }
    });
    out
}

/// Receiver messages of random OTs from the rows `t` of group `g`: the
/// low 32 bits of `H(j, t_j)`, into `out`.
pub(crate) fn rot_receive_words(
    hash: &Tccr,
    tweak: u128,
    (g, t): (usize, &[u128]),
    out: &mut [u32],
    buf: &mut AesBuf,
) {
    rot::receive_group(hash, tweak, (g, t), out, 64, buf, |h, o| {
        for (m, &v) in o.iter_mut().zip(h) {
            *m = v as u32;
        }
    });
}

/// The packed masks of one leaf OT as sender, from its four pairs: the
/// key sums `X_u = XOR_t k_t^(u_t)` built one XOR each (`X_u` is `X` of
/// `u` without its lowest set bit `t`, plus `k_t^0 ^ k_t^1`).
fn sender_masks(keys: &[[u32; 2]]) -> u32 {
    let mut x = [0u32; LEAF_VALUES];
    x[0] = keys.iter().fold(0, |a, k| a ^ k[0]);
    for u in 1..LEAF_VALUES {
        let [k0, k1] = keys
            .get(u.trailing_zeros() as usize)
            .copied()
            .unwrap_or_default();
        x[u] = x[u & (u - 1)] ^ k0 ^ k1;
    }
    x.iter()
        .enumerate()
        .fold(0, |acc, (u, &v)| acc | v & 3 << (2 * u))
}

/// `choice | M_choice << 4` of one leaf OT as receiver.
fn receiver_chosen(choice: u8, keys: &[u32]) -> u8 {
    let x = keys.iter().fold(0u32, |x, &k| x ^ k);
    choice | leaf_mask(x, choice) << 4
}

/// One batch of `n` leaf-OT pairs: `4 n` random OTs in each direction.
pub(crate) async fn leaf_ots<C: Channel>(
    s: &mut OtSession,
    ch: &mut C,
    n: usize,
) -> Result<LeafOts, OtError> {
    let w = (ROTS_PER_LEAF * n).div_ceil(64);
    let mut choices: Vec<u64> = (0..w).map(|_| s.rng.next_u64()).collect();
    let (mut sent, mut received) = s.cross_rot_words(ch, &choices).await?;
    let rots = ROTS_PER_LEAF * n;
    if sent.len() < rots || received.len() < rots {
        return Err(OtError::LengthMismatch {
            step: "leaf OTs",
            left: sent.len().min(received.len()),
            right: rots,
        });
    }
    let masks: Vec<u32> = sent
        .chunks(ROTS_PER_LEAF)
        .take(n)
        .map(sender_masks)
        .collect();
    let chosen: Vec<u8> = (0..n)
        .map(|i| {
            let bit = ROTS_PER_LEAF * i;
            let c = (choices[bit / 64] >> (bit % 64) & 15) as u8;
            receiver_chosen(c, &received[bit..bit + ROTS_PER_LEAF])
        })
        .collect();
    sent.zeroize();
    received.zeroize();
    choices.zeroize();
    LeafOts::from_parts(masks, chosen).map_err(|e| OtError::LengthMismatch {
        step: "leaf OTs",
        left: e.left,
        right: e.right,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_receivers_mask_is_the_senders_mask_at_its_choice() {
        let keys = [
            [0x1234_5678, 0x9abc_def0],
            [0xdead_beef, 0x0bad_f00d],
            [7, 0xffff_ffff],
            [0x5555_5555, 0xaaaa_aaaa],
        ];
        let masks = sender_masks(&keys);
        for c in 0..16u8 {
            let mine: Vec<u32> = keys
                .iter()
                .enumerate()
                .map(|(t, &[k0, k1])| if c >> t & 1 == 1 { k1 } else { k0 })
                .collect();
            let got = receiver_chosen(c, &mine);
            assert_eq!(got & 15, c);
            assert_eq!(got >> 4, leaf_mask(masks, c), "choice {c}");
        }
    }

    #[test]
    fn the_receivers_keys_do_not_give_the_masks_it_did_not_choose() {
        // Over random keys, the receiver's best local guess of an unchosen
        // mask (its own keys combined as for its choice) is right a quarter
        // of the time, as a blind guess is: 15 x 2000 guesses, sd 0.003.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u32
        };
        let (mut right, mut total) = (0u32, 0u32);
        for _ in 0..2000 {
            let keys: Vec<[u32; 2]> = (0..4).map(|_| [next(), next()]).collect();
            let c = (next() & 15) as u8;
            let mine: Vec<u32> = keys
                .iter()
                .enumerate()
                .map(|(t, &[k0, k1])| if c >> t & 1 == 1 { k1 } else { k0 })
                .collect();
            let own = mine.iter().fold(0u32, |a, &k| a ^ k);
            let masks = sender_masks(&keys);
            for u in (0..16u8).filter(|&u| u != c) {
                right += u32::from(leaf_mask(own, u) == leaf_mask(masks, u));
                total += 1;
            }
        }
        let share = f64::from(right) / f64::from(total);
        assert!(
            (0.235..0.265).contains(&share),
            "{share:.3} of unchosen masks guessed"
        );
    }
}
