//! The leaf OTs of a comparison: what each party sends looks uniform
//! whatever the values compared. The peer is played by hand with the
//! dealer's material for its role (fresh per run), as an honest peer
//! would hold it.

use duet_core::{
    leaf_mask, Channel, Engine, InsecureDealer, MemoryChannel, MsgKind, Preprocessing, Role,
    Shared, Z64,
};
use futures::executor::block_on;
use rand::SeedableRng;

/// The share compared in every run: blocks 0x0..0xf in order, and so on.
const SHARE: u64 = 0xfedc_ba98_7654_3210;

/// Leaf-OT pairs one 64-bit comparison takes (16 leaves, 8 pairs).
const PAIRS: usize = 8;

fn dealer_seed(run: u64) -> [u8; 32] {
    let mut common = [0u8; 32];
    common[..8].copy_from_slice(&run.to_le_bytes());
    common
}

/// An engine for `role` with fresh material for `run`, and the peer's end.
fn lone(role: Role, run: u64) -> (Engine<MemoryChannel, InsecureDealer>, MemoryChannel) {
    let (mine, peer) = MemoryChannel::pair();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(run);
    let dealer = InsecureDealer::new(role, dealer_seed(run));
    (Engine::new(role, mine, dealer, &mut rng), peer)
}

/// The peer's part of the leaf OTs for `run` (what the engine's peer holds).
fn peers_material(peer: Role, run: u64) -> (Vec<u32>, Vec<u8>) {
    let mut d = InsecureDealer::new(peer, dealer_seed(run));
    let (mut c, _) = MemoryChannel::pair();
    block_on(d.leaf_ots(&mut c, PAIRS)).unwrap().into_parts()
}

/// P1's masked choices (8 nibbles, for the even leaves P0 sends) in one
/// comparison of the fixed share; the hand-played P0 then goes.
fn p1_choices(run: u64) -> Vec<u8> {
    let (mut e, mut peer) = lone(Role::P1, run);
    block_on(async {
        let x = Shared::from_shares(vec![Z64(SHARE)]);
        let cmp = e.ltz(&x);
        let fake = async move {
            let frame = peer.recv(MsgKind::LEAF_CHOICE, 64).await.unwrap();
            drop(peer);
            frame
        };
        let (_, frame) = futures::future::join(cmp, fake).await;
        (0..8).map(|k| frame[k / 2] >> (4 * (k % 2)) & 15).collect()
    })
}

/// What an honest P1 unmasks from P0's tables (its own entry of each of
/// the 8 leaves P0 sends, block 0 for each) in one comparison of the fixed
/// share.
fn p0_entries(run: u64) -> Vec<u8> {
    let (mut e, mut peer) = lone(Role::P0, run);
    let (_, chosen) = peers_material(Role::P1, run);
    block_on(async {
        let x = Shared::from_shares(vec![Z64(SHARE)]);
        let cmp = e.ltz(&x);
        let fake = async move {
            // P0's own masked choices come first; P1's block is 0 in
            // every leaf: d = 0 ^ c.
            peer.recv(MsgKind::LEAF_CHOICE, 64).await.unwrap();
            let d: Vec<u8> = (0..8).map(|p| chosen[p] & 15).collect();
            let frame: Vec<u8> = d.chunks(2).map(|c| c[0] | c[1] << 4).collect();
            peer.send(MsgKind::LEAF_CHOICE, frame).await.unwrap();
            let table = peer.recv(MsgKind::LEAF_TABLE, 64).await.unwrap();
            drop(peer);
            (0..8)
                .map(|t| {
                    let e = u32::from_le_bytes(table[4 * t..4 * t + 4].try_into().unwrap());
                    leaf_mask(e, 0) ^ (chosen[t] >> 4)
                })
                .collect::<Vec<u8>>()
        };
        let (_, entries) = futures::future::join(cmp, fake).await;
        entries
    })
}

/// Chi-square of `values` (each below `k`) against uniform on `0..k`.
fn chi_square(values: impl Iterator<Item = u8>, k: usize) -> f64 {
    let mut counts = vec![0u64; k];
    for v in values {
        counts[usize::from(v)] += 1;
    }
    let n: u64 = counts.iter().sum();
    let expected = n as f64 / k as f64;
    counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum()
}

#[test]
fn a_receivers_masked_choices_are_uniform_whatever_its_blocks() {
    let runs: Vec<Vec<u8>> = (0..4_000).map(p1_choices).collect();
    for leaf in 0..8 {
        // 15 degrees of freedom: 44 is beyond p = 1e-4.
        let chi2 = chi_square(runs.iter().map(|r| r[leaf]), 16);
        assert!(chi2 < 44.0, "leaf {}: chi-square {chi2:.1}", 2 * leaf);
    }
    // Negative control: the same material every time sends the same choices.
    assert_eq!(p1_choices(5), p1_choices(5));
}

#[test]
fn the_entry_a_receiver_unmasks_is_uniform_whatever_the_senders_blocks() {
    let runs: Vec<Vec<u8>> = (0..4_000).map(p0_entries).collect();
    for leaf in 0..8 {
        // (generate, propagate) padded by the sender's random share; 3
        // degrees of freedom: 21.1 is beyond p = 1e-4.
        let chi2 = chi_square(runs.iter().map(|r| r[leaf]), 4);
        assert!(chi2 < 21.1, "leaf {}: chi-square {chi2:.1}", 2 * leaf);
    }
    assert_eq!(p0_entries(5), p0_entries(5));
}
