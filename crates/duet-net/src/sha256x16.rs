//! SHA-256 of sixteen messages side by side, one per 32-bit lane of an
//! AVX-512 register, for the transcript's large frames.
//!
//! One SHA-256 chain is serial, and SHA-NI runs it at about 1.7 GB/s on
//! the machine of docs/BENCHMARKS.md; sixteen independent messages in
//! AVX-512 lanes hash at about 3.6 GB/s there. The transcript was a third
//! of the secure sum's CPU time, since every byte is hashed by both sides.
//!
//! The digests are plain SHA-256: the lanes run the common whole blocks
//! together, then each lane's rest and padding goes through `sha2`'s own
//! compression function. Without AVX-512 (checked at run time) every lane
//! is hashed by `sha2` alone, with the same result.
//!
//! This is duet-net's only `unsafe`: the call into the `#[target_feature]`
//! function after the check, and unaligned 64-byte loads and stores whose
//! bounds each site states.
#![allow(unsafe_code)]

use sha2::digest::generic_array::GenericArray;
use sha2::{Digest as _, Sha256};

/// Messages hashed side by side.
pub(crate) const LANES: usize = 16;

const BLOCK: usize = 64;

const H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// The SHA-256 digest of each of `msgs`.
pub(crate) fn digests(msgs: &[&[u8]; LANES]) -> [[u8; 32]; LANES] {
    let whole = msgs.iter().map(|m| m.len() / BLOCK).min().unwrap_or(0);
    if whole == 0 || !wide_available() {
        return msgs.map(|m| Sha256::digest(m).into());
    }
    let mut states = [[0u32; LANES]; 8];
    for (row, h) in states.iter_mut().zip(H0) {
        *row = [h; LANES];
    }
    // SAFETY: the CPU has AVX-512F and AVX-512BW (checked just above), and
    // every message holds at least `whole` whole blocks.
    unsafe { wide::compress(&mut states, msgs, whole) };
    let mut out = [[0u8; 32]; LANES];
    for (lane, (msg, digest)) in msgs.iter().zip(&mut out).enumerate() {
        let mut state: [u32; 8] = core::array::from_fn(|w| states[w][lane]);
        let rest = msg.get(whole * BLOCK..).unwrap_or_default();
        finish(&mut state, rest, msg.len());
        for (bytes, word) in digest.chunks_exact_mut(4).zip(state) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
    }
    out
}

/// Runs `rest` (the message after the blocks already compressed) and the
/// padding for a message of `len` bytes through `state`.
fn finish(state: &mut [u32; 8], rest: &[u8], len: usize) {
    let blocks = rest.chunks_exact(BLOCK);
    let tail = blocks.remainder();
    for block in blocks {
        sha2::compress256(state, &[*GenericArray::from_slice(block)]);
    }
    let mut pad = [0u8; 2 * BLOCK];
    pad[..tail.len()].copy_from_slice(tail);
    pad[tail.len()] = 0x80;
    let used = if tail.len() + 9 <= BLOCK {
        BLOCK
    } else {
        2 * BLOCK
    };
    pad[used - 8..used].copy_from_slice(&(len as u64 * 8).to_be_bytes());
    for block in pad[..used].chunks_exact(BLOCK) {
        sha2::compress256(state, &[*GenericArray::from_slice(block)]);
    }
}

#[cfg(target_arch = "x86_64")]
fn wide_available() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
}

#[cfg(not(target_arch = "x86_64"))]
fn wide_available() -> bool {
    false
}

#[cfg(not(target_arch = "x86_64"))]
mod wide {
    /// Never called: [`super::wide_available`] is false off x86-64.
    pub(super) unsafe fn compress(_: &mut [[u32; 16]; 8], _: &[&[u8]; 16], _: usize) {}
}

#[cfg(target_arch = "x86_64")]
mod wide {
    use core::arch::x86_64::*;

    use super::{BLOCK, LANES};

    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];

    /// Rounds `base + j` for the listed `j`; `w[j]` holds word `base + j`
    /// once the schedule has run (from round 16 on).
    macro_rules! sixteen_rounds {
        ($v:ident, $w:ident, $base:expr, $($j:literal)*) => {$(
            if $base > 0 {
                $w[$j] = schedule(&$w, $j);
            }
            let k = _mm512_set1_epi32(K[$base + $j] as i32);
            $v = round($v, _mm512_add_epi32($w[$j], k));
        )*};
    }

    /// Compresses the first `blocks` blocks of each message into its lane
    /// of `states` (`states[w][lane]` is word `w` of that lane's state).
    ///
    /// # Safety
    /// The CPU must have AVX-512F and AVX-512BW, and every message must
    /// hold at least `blocks * 64` bytes.
    #[target_feature(enable = "avx512f,avx512bw")]
    pub(super) unsafe fn compress(
        states: &mut [[u32; LANES]; 8],
        msgs: &[&[u8]; LANES],
        blocks: usize,
    ) {
        // No closures here: they would not inherit the target features,
        // and the profile showed them as calls.
        let mut s = [_mm512_setzero_si512(); 8];
        for (x, row) in s.iter_mut().zip(states.iter()) {
            // SAFETY: each row is 16 u32s, one unaligned 64-byte load.
            *x = unsafe { _mm512_loadu_si512(row.as_ptr().cast()) };
        }
        let bswap = _mm512_set4_epi32(0x0c0d0e0f, 0x08090a0b, 0x04050607, 0x00010203);
        for block in 0..blocks {
            let mut rows = [_mm512_setzero_si512(); 16];
            for (row, msg) in rows.iter_mut().zip(msgs) {
                // SAFETY: block < blocks, and the caller guarantees each
                // message has `blocks` whole blocks: these 64 bytes are in it.
                let x = unsafe { _mm512_loadu_si512(msg.as_ptr().add(block * BLOCK).cast()) };
                *row = _mm512_shuffle_epi8(x, bswap);
            }
            let mut w = transpose(rows);
            let mut v = s;
            // Sixteen rounds spelled out, so every index into `w` is a
            // constant and the words stay in registers (a loop over `t`
            // kept them on the stack).
            for base in [0, 16, 32, 48] {
                sixteen_rounds!(v, w, base, 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
            }
            for (x, y) in s.iter_mut().zip(v) {
                *x = _mm512_add_epi32(*x, y);
            }
        }
        for (row, x) in states.iter_mut().zip(s) {
            // SAFETY: as the load above.
            unsafe { _mm512_storeu_si512(row.as_mut_ptr().cast(), x) };
        }
    }

    /// Word `j` of every lane's block into register `j`: a 16 by 16
    /// transpose of 32-bit words.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn transpose(r: [__m512i; 16]) -> [__m512i; 16] {
        let mut t = r;
        for g in 0..8 {
            t[2 * g] = _mm512_unpacklo_epi32(r[2 * g], r[2 * g + 1]);
            t[2 * g + 1] = _mm512_unpackhi_epi32(r[2 * g], r[2 * g + 1]);
        }
        let mut u = t;
        for b in (0..16).step_by(4) {
            u[b] = _mm512_unpacklo_epi64(t[b], t[b + 2]);
            u[b + 1] = _mm512_unpackhi_epi64(t[b], t[b + 2]);
            u[b + 2] = _mm512_unpacklo_epi64(t[b + 1], t[b + 3]);
            u[b + 3] = _mm512_unpackhi_epi64(t[b + 1], t[b + 3]);
        }
        for g in [0, 8] {
            for k in 0..4 {
                let (a, b) = (g + k, g + k + 4);
                t[a] = _mm512_shuffle_i32x4(u[a], u[b], 0x88);
                t[b] = _mm512_shuffle_i32x4(u[a], u[b], 0xdd);
            }
        }
        for a in 0..8 {
            u[a] = _mm512_shuffle_i32x4(t[a], t[a + 8], 0x88);
            u[a + 8] = _mm512_shuffle_i32x4(t[a], t[a + 8], 0xdd);
        }
        u
    }

    /// Message word `t` (16 or more; only `t % 16` matters) from the ring
    /// of the last sixteen.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn schedule(w: &[__m512i; 16], t: usize) -> __m512i {
        let (w15, w2) = (w[(t + 1) % 16], w[(t + 14) % 16]);
        let s0 = xor3(
            _mm512_ror_epi32::<7>(w15),
            _mm512_ror_epi32::<18>(w15),
            _mm512_srli_epi32::<3>(w15),
        );
        let s1 = xor3(
            _mm512_ror_epi32::<17>(w2),
            _mm512_ror_epi32::<19>(w2),
            _mm512_srli_epi32::<10>(w2),
        );
        _mm512_add_epi32(
            _mm512_add_epi32(w[t % 16], s0),
            _mm512_add_epi32(w[(t + 9) % 16], s1),
        )
    }

    /// One SHA-256 round on all lanes; `wk` is the message word plus K.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn round(v: [__m512i; 8], wk: __m512i) -> [__m512i; 8] {
        let [a, b, c, d, e, f, g, h] = v;
        let s1 = xor3(
            _mm512_ror_epi32::<6>(e),
            _mm512_ror_epi32::<11>(e),
            _mm512_ror_epi32::<25>(e),
        );
        // Ch = (e & f) ^ (!e & g); Maj = majority of a, b, c.
        let ch = _mm512_ternarylogic_epi32::<0xca>(e, f, g);
        let t1 = _mm512_add_epi32(_mm512_add_epi32(h, s1), _mm512_add_epi32(ch, wk));
        let s0 = xor3(
            _mm512_ror_epi32::<2>(a),
            _mm512_ror_epi32::<13>(a),
            _mm512_ror_epi32::<22>(a),
        );
        let t2 = _mm512_add_epi32(s0, _mm512_ternarylogic_epi32::<0xe8>(a, b, c));
        [
            _mm512_add_epi32(t1, t2),
            a,
            b,
            c,
            _mm512_add_epi32(d, t1),
            e,
            f,
            g,
        ]
    }

    #[inline]
    #[target_feature(enable = "avx512f")]
    fn xor3(x: __m512i, y: __m512i, z: __m512i) -> __m512i {
        _mm512_ternarylogic_epi32::<0x96>(x, y, z)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn plain(msgs: &[&[u8]; LANES]) -> [[u8; 32]; LANES] {
        msgs.map(|m| Sha256::digest(m).into())
    }

    #[test]
    fn known_answer_and_padding_edges() {
        // FIPS 180-4 example "abc", then lengths around the padding edges.
        let abc = [b"abc".as_slice(); LANES];
        let want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let got: String = digests(&abc)[0]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(got, want);
        let data: Vec<u8> = (0..4096u32).map(|i| (i * 31 + i / 7) as u8).collect();
        for base in [64, 119, 120, 128, 183, 184, 1000] {
            let msgs: [&[u8]; LANES] = core::array::from_fn(|i| &data[..base + i * 3]);
            assert_eq!(digests(&msgs), plain(&msgs), "base {base}");
        }
    }

    fn hex(d: &[u8; 32]) -> String {
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Sixteen lanes, each at least one whole block, so the wide path runs
    /// where the CPU has it: FIPS 180-2's one million "a" and its 112-byte
    /// two-block message, and bytes `i % 251` at lengths around the padding
    /// edges (digests from Python's hashlib, an implementation apart from
    /// `sha2`). The log says which path ran, past the harness's capture.
    #[test]
    fn sixteen_lane_known_answers() {
        use std::io::Write;
        let line = if wide_available() {
            "duet-net sha256x16: 16-lane AVX-512 path ran\n"
        } else {
            "duet-net sha256x16: 16-lane path SKIPPED (CPU lacks avx512f or avx512bw); sha2 per lane only\n"
        };
        std::io::stderr().write_all(line.as_bytes()).unwrap();
        let million = vec![b'a'; 1_000_000];
        let two_blocks: &[u8] = b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
        let pattern: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
        let cases: [(&[u8], &str); 6] = [
            (
                &million,
                "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
            ),
            (
                two_blocks,
                "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
            ),
            (
                &pattern[..64],
                "fdeab9acf3710362bd2658cdc9a29e8f9c757fcf9811603a8c447cd1d9151108",
            ),
            (
                &pattern[..119],
                "da18797ed7c3a777f0847f429724a2d8cd5138e6ed2895c3fa1a6d39d18f7ec6",
            ),
            (
                &pattern[..120],
                "f52b23db1fbb6ded89ef42a23ce0c8922c45f25c50b568a93bf1c075420bbb7c",
            ),
            (
                &pattern[..128],
                "471fb943aa23c511f6f72f8d1652d9c880cfa392ad80503120547703e56a2be5",
            ),
        ];
        let msgs: [&[u8]; LANES] = core::array::from_fn(|i| cases[i % cases.len()].0);
        let got = digests(&msgs);
        for (lane, d) in got.iter().enumerate() {
            assert_eq!(hex(d), cases[lane % cases.len()].1, "lane {lane}");
        }
        assert_eq!(got, plain(&msgs));
    }

    proptest! {
        #[test]
        fn equals_sha256_of_each_lane(
            data in proptest::collection::vec(any::<u8>(), 0..6000),
            lens in proptest::collection::vec(0usize..6000, LANES),
        ) {
            let msgs: [&[u8]; LANES] =
                core::array::from_fn(|i| &data[..lens[i].min(data.len())]);
            prop_assert_eq!(digests(&msgs), plain(&msgs));
        }
    }
}
