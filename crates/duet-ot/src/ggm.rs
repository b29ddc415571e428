//! GGM trees: the punctured PRF of SoftSpoken OT, built from one base OT
//! per level.
//!
//! A tree of depth `k` has `2^k` leaves; leaf `x` is reached by taking, at
//! split `l` (from the root), the branch given by bit `l` of `x`. A node's
//! children are `AES_s(0)` and `AES_s(1)` under the node's value `s` as
//! key (AES as a PRF, the assumption the IKNP PRG already makes).
//!
//! The full holder (the extension receiver) has two base-OT keys
//! `(K_l^0, K_l^1)` per level. The two nodes below the root are `K_0^0`
//! and `K_0^1` themselves. For each deeper level `l` it sends
//! `S_l^b ^ K_l^b`, where `S_l^b` is the XOR of all level-`l` children on
//! branch `b`: each key pads one value once.
//!
//! The punctured holder (the extension sender) received `K_l^{c_l}` for its
//! choices `c`; its path is `p_l = 1 - c_l`. At each level it knows every
//! node but the one on its path, so it can compute every child but the
//! two below that node; the sibling of the path, on branch `c_l`, is
//! `S_l^{c_l}` minus the known children on that branch. It ends with every
//! leaf except leaf `p`, which stays pseudorandom to it: only `K_l^{p_l}`
//! would reveal it, and the base OTs hide those.

use zeroize::Zeroize;

use crate::wide_aes::Cipher;

/// Bytes of the full holder's message for one tree of depth `k`.
pub(crate) fn message_bytes(k: usize) -> usize {
    2 * 16 * k.saturating_sub(1)
}

/// The two children of a node.
fn children(seed: u128) -> [u128; 2] {
    let mut b = [0u128, 1u128];
    Cipher::new(&seed.to_le_bytes()).encrypt(&mut b);
    b
}

/// Stores the children of node `y` of level `l` in `next` (level `l + 1`).
fn set_children(next: &mut [u128], l: usize, y: usize, c: [u128; 2]) {
    let (lo, hi) = next.split_at_mut((1usize << l).min(next.len()));
    if let (Some(x), Some(z)) = (lo.get_mut(y), hi.get_mut(y)) {
        (*x, *z) = (c[0], c[1]);
    }
}

/// The full tree from the level keys `(K_l^0, K_l^1)` (`k` of them,
/// `k >= 1`): returns the `2^k` leaves and appends the message (`2 (k - 1)`
/// values, little-endian) to `msg`.
pub(crate) fn full(keys: &[(u128, u128)], msg: &mut Vec<u8>) -> Vec<u128> {
    let Some(&(k0, k1)) = keys.first() else {
        return Vec::new();
    };
    let mut nodes = vec![k0, k1];
    for (l, &(p0, p1)) in keys.iter().enumerate().skip(1) {
        let mut next = vec![0u128; 2 << l];
        let mut sums = [0u128; 2];
        for (y, &n) in nodes.iter().enumerate() {
            let [a, b] = children(n);
            (sums[0], sums[1]) = (sums[0] ^ a, sums[1] ^ b);
            set_children(&mut next, l, y, [a, b]);
        }
        msg.extend_from_slice(&(sums[0] ^ p0).to_le_bytes());
        msg.extend_from_slice(&(sums[1] ^ p1).to_le_bytes());
        nodes.zeroize();
        nodes = next;
    }
    nodes
}

/// The punctured tree from the chosen keys `K_l^{c_l}` and choices `c_l`
/// (`k >= 1` of each) and the full holder's message for this tree
/// (`2 (k - 1)` values, length checked by the caller). Returns the leaves,
/// with zero at the punctured leaf, and the punctured index `p`
/// (`p_l = 1 - c_l`).
pub(crate) fn punctured(keys: &[u128], choices: &[bool], msg: &[u8]) -> (Vec<u128>, usize) {
    let (Some(&k0), Some(&c0)) = (keys.first(), choices.first()) else {
        return (Vec::new(), 0);
    };
    let mut nodes = vec![0u128; 2];
    let mut p = usize::from(!c0);
    if let Some(n) = nodes.get_mut(usize::from(c0)) {
        *n = k0;
    }
    let levels = keys.iter().zip(choices).skip(1).zip(msg.chunks_exact(32));
    for (l, ((&key, &c), pair)) in levels.enumerate().map(|(i, v)| (i + 1, v)) {
        let mut next = vec![0u128; 2 << l];
        let mut sums = [0u128; 2];
        for (y, &n) in nodes.iter().enumerate().filter(|&(y, _)| y != p) {
            let [a, b] = children(n);
            (sums[0], sums[1]) = (sums[0] ^ a, sums[1] ^ b);
            set_children(&mut next, l, y, [a, b]);
        }
        let half = pair.get(usize::from(c) * 16..usize::from(c) * 16 + 16);
        let mut s = [0u8; 16];
        s.copy_from_slice(half.unwrap_or(&[0; 16]));
        let sibling = u128::from_le_bytes(s) ^ key ^ sums[usize::from(c)];
        if let Some(n) = next.get_mut(p | usize::from(c) << l) {
            *n = sibling;
        }
        p |= usize::from(!c) << l;
        nodes.zeroize();
        nodes = next;
    }
    (nodes, p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn punctured_tree_has_every_leaf_but_the_path() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for k in 1..=8usize {
            let keys: Vec<(u128, u128)> = (0..k).map(|_| (rng.gen(), rng.gen())).collect();
            let mut msg = Vec::new();
            let leaves = full(&keys, &mut msg);
            assert_eq!((leaves.len(), msg.len()), (1 << k, message_bytes(k)));
            let choices: Vec<bool> = (0..k).map(|_| rng.gen()).collect();
            let chosen: Vec<u128> = keys
                .iter()
                .zip(&choices)
                .map(|(&(a, b), &c)| if c { b } else { a })
                .collect();
            let (got, p) = punctured(&chosen, &choices, &msg);
            let want_p: usize = (0..k).map(|l| usize::from(!choices[l]) << l).sum();
            assert_eq!(p, want_p, "k = {k}");
            for x in 0..1 << k {
                let want = if x == p { 0 } else { leaves[x] };
                assert_eq!(got[x], want, "k = {k}, leaf {x}");
            }
            // Leaves are distinct (no two branches collapse).
            let set: std::collections::HashSet<u128> = leaves.iter().copied().collect();
            assert_eq!(set.len(), 1 << k);
        }
    }

    #[test]
    fn depth_one_leaves_are_the_base_keys() {
        let mut msg = Vec::new();
        assert_eq!(full(&[(5, 9)], &mut msg), vec![5, 9]);
        assert!(msg.is_empty());
        assert_eq!(punctured(&[9], &[true], &[]), (vec![0, 9], 0));
        assert_eq!(punctured(&[5], &[false], &[]), (vec![5, 0], 1));
    }
}
