//! Random OTs hashed from the extension's rows, 64 at a time, for the
//! materials whose messages are random OT messages (AND triples, leaf
//! OTs): the sender's `H(j, q_j)` and `H(j, q_j ^ delta)`, the receiver's
//! `H(j, t_j)`.

use rayon::prelude::*;
use zeroize::Zeroize;

use crate::hash::{AesBuf, Tccr};
use crate::iknp::{Rows, Scratch, GROUP_OTS};

/// Runs `f(h0, h1, items)` on every block of 64 of the sender's `64 w`
/// random OTs (the first with tweak `tweak`), with `H(j, q_j)`,
/// `H(j, q_j ^ delta)` and the block's `per_block` items of `out`
/// (`w * per_block` of them); blocks run in parallel.
pub(crate) fn send_blocks<T: Send>(
    hash: &Tccr,
    tweak: u128,
    rows: &Rows<'_>,
    out: &mut [T],
    per_block: usize,
    f: impl Fn(&[u128; 64], &[u128; 64], &mut [T]) + Sync,
) {
    let delta = rows.delta();
    out.par_chunks_mut(GROUP_OTS / 64 * per_block)
        .enumerate()
        .for_each_init(Scratch::new, |s, (c, oc)| {
            let n = rows.group_with(s, c);
            let (q, buf) = (&s.rows[..n], &mut s.aes);
            let (mut h0, mut h1, mut q1) = ([0u128; 64], [0u128; 64], [0u128; 64]);
            for (k, ok) in oc.chunks_mut(per_block).enumerate() {
                let Some(qk) = q.get(k * 64..(k + 1) * 64) else {
                    break;
                };
                for (a, &b) in q1.iter_mut().zip(qk) {
                    *a = b ^ delta;
                }
                let t = tweak.wrapping_add((c * GROUP_OTS + k * 64) as u128);
                hash.hash_with(buf, t, qk, &mut h0);
                hash.hash_with(buf, t, &q1, &mut h1);
                f(&h0, &h1, ok);
            }
            h0.zeroize();
            h1.zeroize();
            q1.zeroize();
        });
}

/// Runs `f(h, items)` on every block of 64 of the receiver's rows `t`
/// of group `g` (the batch's first row with tweak `tweak`), with
/// `H(j, t_j)` and the block's `per_block` items of `out`: called on each
/// group's rows while they are in cache, with the group task's AES blocks.
pub(crate) fn receive_group<T>(
    hash: &Tccr,
    tweak: u128,
    (g, t): (usize, &[u128]),
    out: &mut [T],
    per_block: usize,
    buf: &mut AesBuf,
    f: impl Fn(&[u128], &mut [T]),
) {
    let mut h = [0u128; 64];
    for (k, (tc, o)) in t.chunks(64).zip(out.chunks_mut(per_block)).enumerate() {
        let h = &mut h[..tc.len()];
        let first = tweak.wrapping_add((g * GROUP_OTS + k * 64) as u128);
        hash.hash_with(buf, first, tc, h);
        f(h, o);
    }
    h.zeroize();
}
