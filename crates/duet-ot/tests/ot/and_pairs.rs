//! Pairs of AND triples sharing their first input, from OtPreprocessing
//! (IKNP and SoftSpoken), checked against their definition with both
//! parties' shares side by side: `c = a AND b`, `e = a AND d` for one `a`;
//! `a`, `b` and `d` uniform and unrelated to each other.

use duet_core::{AndPairs, Preprocessing};
use duet_ot::OtExtension;

use crate::with_material;

/// 2^12 OTs per batch: 64 words each, so a few hundred words span batches.
fn pairs(seed: u64, ext: OtExtension, words: usize) -> (AndPairs, AndPairs) {
    let (a, b) = with_material(seed, ext, 1 << 12, async |p, c| p.and_pairs(c, words).await);
    (a.unwrap(), b.unwrap())
}

/// Share of set bits in the words `f(i)` over `words` words.
fn ones(words: usize, f: impl Fn(usize) -> u64) -> f64 {
    let set: u32 = (0..words).map(|i| f(i).count_ones()).sum();
    f64::from(set) / (64 * words) as f64
}

fn check(seed: u64, ext: OtExtension, words: usize) {
    let (p0, p1) = pairs(seed, ext, words);
    let ([a0, b0, c0, d0, e0], [a1, b1, c1, d1, e1]) = (p0.parts(), p1.parts());
    assert_eq!((a0.len(), e1.len()), (words, words));
    let a = |i: usize| a0[i] ^ a1[i];
    let b = |i: usize| b0[i] ^ b1[i];
    let d = |i: usize| d0[i] ^ d1[i];
    for i in 0..words {
        assert_eq!(
            c0[i] ^ c1[i],
            a(i) & b(i),
            "{ext:?}, c of word {i} of {words}"
        );
        assert_eq!(
            e0[i] ^ e1[i],
            a(i) & d(i),
            "{ext:?}, e of word {i} of {words}"
        );
    }
    if words >= 256 {
        // 16,384 bits and more: sd of a share below 0.004.
        let near = |x: f64, want: f64, what: &str| {
            assert!(
                (x - want).abs() < 0.02,
                "{ext:?}: {what} {x:.3}, want {want}"
            );
        };
        near(ones(words, a), 0.5, "a");
        near(ones(words, b), 0.5, "b");
        near(ones(words, d), 0.5, "d");
        // b and d are two bits of the OT message, not one bit twice.
        near(ones(words, |i| b(i) & d(i)), 0.25, "b and d");
        near(ones(words, |i| a(i) & b(i)), 0.25, "a and b");
        // Each party's share of a is its own: unrelated to the peer's.
        near(ones(words, |i| a0[i] & a1[i]), 0.25, "a0 and a1");
        near(ones(words, |i| b0[i] & b1[i]), 0.25, "b0 and b1");
    }
}

#[test]
fn and_pairs_satisfy_their_definition_at_edge_sizes() {
    for words in [0usize, 1, 63, 64, 65, 300] {
        check(600 + words as u64, OtExtension::Iknp, words);
    }
}

#[test]
fn and_pairs_from_softspoken_satisfy_their_definition() {
    for k in [2usize, 4, 8] {
        check(620 + k as u64, OtExtension::SoftSpoken { k }, 300);
    }
}
