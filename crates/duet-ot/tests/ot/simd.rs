//! The wide paths through the public API, with inputs long enough to take
//! every one of them: the correlation-robust hash over many 16-block VAES
//! chunks and their remainders, against the same hash written here on the
//! `aes` crate; the OT extension's transpose over full 16-word tiles and a
//! partial one, against the definition and against the portable 64 x 64
//! swap network. Each test writes to the log (past the test harness's
//! capture) which path this CPU ran, so a machine without the features
//! says so instead of comparing the fallback with itself in silence.

use std::io::Write;

use aes::cipher::{BlockEncrypt, KeyInit};
use aes::{Aes128, Block};
use duet_ot::hash::Tccr;
use duet_ot::transpose::{transpose64, transpose_128};
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

/// Whether the CPU has every feature in `features`; logs the path taken.
fn report(path: &str, features: &[(&str, bool)]) -> bool {
    let missing: Vec<&str> = features
        .iter()
        .filter(|(_, has)| !has)
        .map(|(f, _)| *f)
        .collect();
    let line = if missing.is_empty() {
        format!("duet-ot simd: {path}: wide path ran\n")
    } else {
        format!(
            "duet-ot simd: {path}: wide path SKIPPED (CPU lacks {}); portable path only\n",
            missing.join(", ")
        )
    };
    // Written to the process's stderr, not through the harness's capture.
    std::io::stderr().write_all(line.as_bytes()).unwrap();
    missing.is_empty()
}

#[cfg(target_arch = "x86_64")]
fn vaes() -> Vec<(&'static str, bool)> {
    vec![
        ("aes", std::is_x86_feature_detected!("aes")),
        ("avx2", std::is_x86_feature_detected!("avx2")),
        ("vaes", std::is_x86_feature_detected!("vaes")),
    ]
}

#[cfg(target_arch = "x86_64")]
fn gfni() -> Vec<(&'static str, bool)> {
    vec![
        ("avx512f", std::is_x86_feature_detected!("avx512f")),
        ("avx512bw", std::is_x86_feature_detected!("avx512bw")),
        ("avx512vbmi", std::is_x86_feature_detected!("avx512vbmi")),
        ("gfni", std::is_x86_feature_detected!("gfni")),
    ]
}

#[cfg(not(target_arch = "x86_64"))]
fn vaes() -> Vec<(&'static str, bool)> {
    vec![("x86-64", false)]
}

#[cfg(not(target_arch = "x86_64"))]
fn gfni() -> Vec<(&'static str, bool)> {
    vec![("x86-64", false)]
}

/// TMMO, `H(i, x) = pi(pi(x) ^ i) ^ pi(x)`, on the `aes` crate one block
/// at a time, with the key derivation the hash documents.
fn tmmo_reference(sid: &[u8; 32], tweak: u128, xs: &[u128]) -> Vec<u128> {
    let d = Sha256::new()
        .chain_update(b"duet-ot/tccr-key/v1")
        .chain_update(sid)
        .finalize();
    let pi = Aes128::new_from_slice(&d[..16]).unwrap();
    let enc = |x: u128| {
        let mut b = Block::from(x.to_le_bytes());
        pi.encrypt_block(&mut b);
        u128::from_le_bytes(b.into())
    };
    xs.iter()
        .enumerate()
        .map(|(i, &x)| {
            let p = enc(x);
            enc(p ^ tweak.wrapping_add(i as u128)) ^ p
        })
        .collect()
}

#[test]
fn wide_aes_hash_matches_the_aes_crate_over_full_chunks() {
    report("AES-128 on VAES (aes, avx2, vaes)", &vaes());
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(41);
    // 16 blocks per VAES step: 1 step, 1 step and 1 left over, 20 steps,
    // and a length past the hash's internal chunk with a ragged end.
    for len in [16usize, 17, 320, 4096 + 23] {
        let sid: [u8; 32] = rng.gen();
        let tweak: u128 = rng.gen();
        let xs: Vec<u128> = (0..len).map(|_| rng.gen()).collect();
        let mut out = vec![0u128; len];
        Tccr::new(&sid).hash_into(tweak, &xs, &mut out);
        assert_eq!(out, tmmo_reference(&sid, tweak, &xs), "{len} blocks");
    }
}

#[test]
fn wide_transpose_matches_the_definition_and_the_swap_network() {
    report(
        "bit transpose on GFNI (avx512f, avx512bw, avx512vbmi, gfni)",
        &gfni(),
    );
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(42);
    // One full 16-word tile, two, and two and a partial one.
    for w in [16usize, 32, 37] {
        let rows: Vec<u64> = (0..128 * w).map(|_| rng.gen()).collect();
        let mut out = vec![0u128; 64 * w];
        transpose_128(&rows, w, &mut out);
        for (j, &o) in out.iter().enumerate() {
            let want = (0..128).fold(0u128, |acc, i| {
                acc | u128::from(rows[i * w + j / 64] >> (j % 64) & 1) << i
            });
            assert_eq!(o, want, "w {w} column {j}");
        }
        // The portable swap network on each 64 x 64 half gives the same.
        for b in 0..w {
            let half = |top: usize| {
                let mut m: [u64; 64] = core::array::from_fn(|r| rows[(top + r) * w + b]);
                transpose64(&mut m);
                m
            };
            let (lo, hi) = (half(0), half(64));
            for k in 0..64 {
                let want = u128::from(lo[k]) | u128::from(hi[k]) << 64;
                assert_eq!(out[64 * b + k], want, "w {w} word {b} column {k}");
            }
        }
    }
}
