//! Shares of a fixed secret must look uniform: a broken PRG or a reused
//! mask makes these checks fail (the negative cases below prove they can).

use duet_core::{Role, Z64};

use crate::both;

/// Chi-square statistic of byte `b` of `values` over 256 buckets.
fn chi_square_of_byte(values: &[u64], b: u32) -> f64 {
    let mut counts = [0u64; 256];
    for v in values {
        counts[(v >> (8 * b) & 0xff) as usize] += 1;
    }
    let expected = values.len() as f64 / 256.0;
    counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum()
}

/// Whether `values` pass: every byte position fits uniform (chi-square,
/// 255 degrees of freedom, critical value 347 at p = 1e-4 per byte) and no
/// value repeats (2^-64 per pair for uniform 64-bit values).
pub(crate) fn looks_uniform(values: &[u64]) -> bool {
    let bytes_ok = (0..8).all(|b| chi_square_of_byte(values, b) < 347.0);
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    bytes_ok && sorted.len() == values.len()
}

#[test]
fn shares_of_a_fixed_secret_are_uniform() {
    let rounds = 20_000;
    let secret = [Z64(42)];
    let (mine, peer) = both(40, async |e| {
        let mut seen = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let s = if e.role() == Role::P0 {
                e.share_input(&secret).await?
            } else {
                e.receive_input::<Z64>(1).await?
            };
            seen.push(s.shares()[0].0);
        }
        Ok::<_, duet_core::EngineError>(seen)
    });
    let (mine, peer) = (mine.unwrap(), peer.unwrap());
    assert!(looks_uniform(&peer), "the peer's shares are not uniform");
    assert!(looks_uniform(&mine), "the owner's shares are not uniform");
    assert!(mine
        .iter()
        .zip(&peer)
        .all(|(a, b)| a.wrapping_add(*b) == 42));
}

#[test]
fn the_uniformity_check_catches_broken_masks() {
    // No mask: every share is the secret.
    assert!(!looks_uniform(&vec![42u64; 20_000]));
    // A mask reused every other time.
    let reused: Vec<u64> = (0..20_000u64)
        .map(|i| (i / 2).wrapping_mul(0x9e37_79b9_7f4a_7c15))
        .collect();
    assert!(!looks_uniform(&reused));
    // A weak generator: only the low byte varies.
    let weak: Vec<u64> = (0..20_000u64)
        .map(|i| i.wrapping_mul(2_654_435_761) & 0xff)
        .collect();
    assert!(!looks_uniform(&weak));
}
