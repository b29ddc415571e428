//! AES-128 over many blocks at once, on 256-bit VAES lanes where the CPU
//! has them, else through the `aes` crate (AES-NI or its constant-time
//! software backend).
//!
//! Why this module has `unsafe` (SECURITY.md lists the others): AES is
//! about a third of the CPU time of an OT triple (9 blocks per extended
//! OT). On
//! the 2-core Xeon of docs/BENCHMARKS.md, AES-NI does 1.48 ns per block
//! (8 blocks in flight, the `aes` 0.8 crate and a hand loop alike); VAES
//! on 256-bit lanes does 0.74 ns. The `aes` 0.9 crate's own VAES backend
//! measured 1.54 ns here (its block conversions cost more than they save).
//! Calling a `#[target_feature]` function and the unaligned vector loads
//! and stores need `unsafe`; each use says why it holds. Everything else
//! (key expansion included) is checked against the `aes` crate and the
//! FIPS-197 vector in the tests.

use aes::cipher::{BlockEncrypt, KeyInit};
use aes::{Aes128, Block};
use zeroize::Zeroize;

/// One AES-128 key, ready for either backend.
#[derive(Clone)]
pub(crate) struct Cipher {
    soft: Aes128,
    #[cfg(target_arch = "x86_64")]
    wide: Option<vaes::RoundKeys>,
}

impl Cipher {
    /// The cipher under `key`; takes the VAES path when the CPU has it.
    pub(crate) fn new(key: &[u8; 16]) -> Self {
        Cipher {
            soft: Aes128::new(key.into()),
            #[cfg(target_arch = "x86_64")]
            wide: vaes::RoundKeys::new(key),
        }
    }

    /// Encrypts each block in place (a block is a little-endian `u128`).
    pub(crate) fn encrypt(&self, blocks: &mut [u128]) {
        #[cfg(target_arch = "x86_64")]
        if let Some(rk) = &self.wide {
            rk.encrypt(blocks);
            return;
        }
        self.encrypt_soft(blocks);
    }

    fn encrypt_soft(&self, blocks: &mut [u128]) {
        let mut buf = [Block::default(); 8];
        for chunk in blocks.chunks_mut(8) {
            for (b, &x) in buf.iter_mut().zip(chunk.iter()) {
                *b = Block::from(x.to_le_bytes());
            }
            self.soft.encrypt_blocks(&mut buf[..chunk.len()]);
            for (x, b) in chunk.iter_mut().zip(&buf) {
                let mut a = [0u8; 16];
                a.copy_from_slice(b);
                *x = u128::from_le_bytes(a);
            }
        }
        buf.iter_mut().for_each(|b| b.as_mut_slice().zeroize());
    }
}

/// Something that encrypts blocks in place under one AES-128 key.
pub(crate) trait Encrypt {
    /// Encrypts each block in place (a block is a little-endian `u128`).
    fn encrypt_blocks(&self, blocks: &mut [u128]);
}

impl Encrypt for Cipher {
    fn encrypt_blocks(&self, blocks: &mut [u128]) {
        self.encrypt(blocks);
    }
}

/// A key for use among thousands of others in turn (SoftSpoken's leaves):
/// only the VAES round keys (176 bytes) where the CPU has VAES, instead of
/// [`Cipher`]'s two schedules (about 900 bytes), so more of them stay in
/// cache. Without VAES it keeps the raw key and schedules it per call.
pub(crate) struct CompactCipher {
    key: [u8; 16],
    #[cfg(target_arch = "x86_64")]
    wide: Option<vaes::RoundKeys>,
}

impl CompactCipher {
    /// The cipher under `key`.
    pub(crate) fn new(key: &[u8; 16]) -> Self {
        CompactCipher {
            key: *key,
            #[cfg(target_arch = "x86_64")]
            wide: vaes::RoundKeys::new(key),
        }
    }
}

impl Drop for CompactCipher {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl Encrypt for CompactCipher {
    fn encrypt_blocks(&self, blocks: &mut [u128]) {
        #[cfg(target_arch = "x86_64")]
        if let Some(rk) = &self.wide {
            rk.encrypt(blocks);
            return;
        }
        Cipher::new(&self.key).encrypt_soft(blocks);
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod vaes {
    use core::arch::x86_64::*;
    use zeroize::Zeroize;

    /// Blocks per inner step: 8 registers of 2 blocks keep the AES units busy.
    const STEP: usize = 16;

    /// The 11 round keys of AES-128, expanded with AES-NI.
    #[derive(Clone)]
    pub(super) struct RoundKeys([u128; 11]);

    impl Drop for RoundKeys {
        fn drop(&mut self) {
            self.0.zeroize();
        }
    }

    fn detected() -> bool {
        std::is_x86_feature_detected!("aes")
            && std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("vaes")
    }

    impl RoundKeys {
        /// The round keys of `key`, or `None` without AES-NI, AVX2 and VAES.
        pub(super) fn new(key: &[u8; 16]) -> Option<Self> {
            if !detected() {
                return None;
            }
            // SAFETY: the CPU has AES-NI (checked just above), the only
            // feature `expand` is compiled for.
            Some(RoundKeys(unsafe { expand(u128::from_le_bytes(*key)) }))
        }

        pub(super) fn encrypt(&self, blocks: &mut [u128]) {
            // SAFETY: a `RoundKeys` exists only where `detected()` held:
            // the CPU has AES-NI, AVX2 and VAES, the features `encrypt`
            // is compiled for.
            unsafe { encrypt(&self.0, blocks) }
        }
    }

    #[target_feature(enable = "sse2")]
    fn to_m128(x: u128) -> __m128i {
        _mm_set_epi64x((x >> 64) as i64, x as i64)
    }

    #[target_feature(enable = "sse2")]
    fn from_m128(x: __m128i) -> u128 {
        let lo = _mm_cvtsi128_si64(x) as u64;
        let hi = _mm_cvtsi128_si64(_mm_unpackhi_epi64(x, x)) as u64;
        u128::from(lo) | u128::from(hi) << 64
    }

    #[target_feature(enable = "aes")]
    fn expand_step<const RCON: i32>(k: __m128i) -> __m128i {
        let t = _mm_shuffle_epi32::<0xff>(_mm_aeskeygenassist_si128::<RCON>(k));
        let k = _mm_xor_si128(k, _mm_slli_si128::<4>(k));
        let k = _mm_xor_si128(k, _mm_slli_si128::<4>(k));
        let k = _mm_xor_si128(k, _mm_slli_si128::<4>(k));
        _mm_xor_si128(k, t)
    }

    /// The AES-128 key schedule (FIPS-197 section 5.2) with AES-NI.
    #[target_feature(enable = "aes")]
    fn expand(key: u128) -> [u128; 11] {
        let mut k = [to_m128(key); 11];
        k[1] = expand_step::<0x01>(k[0]);
        k[2] = expand_step::<0x02>(k[1]);
        k[3] = expand_step::<0x04>(k[2]);
        k[4] = expand_step::<0x08>(k[3]);
        k[5] = expand_step::<0x10>(k[4]);
        k[6] = expand_step::<0x20>(k[5]);
        k[7] = expand_step::<0x40>(k[6]);
        k[8] = expand_step::<0x80>(k[7]);
        k[9] = expand_step::<0x1b>(k[8]);
        k[10] = expand_step::<0x36>(k[9]);
        let mut out = [0u128; 11];
        for (o, x) in out.iter_mut().zip(k) {
            *o = from_m128(x);
        }
        out
    }

    #[target_feature(enable = "aes,avx2,vaes")]
    fn encrypt(rk: &[u128; 11], blocks: &mut [u128]) {
        let mut k = [_mm256_setzero_si256(); 11];
        for (x, &r) in k.iter_mut().zip(rk) {
            *x = _mm256_broadcastsi128_si256(to_m128(r));
        }
        let mut chunks = blocks.chunks_exact_mut(STEP);
        for chunk in &mut chunks {
            encrypt_step(&k, chunk);
        }
        let rest = chunks.into_remainder();
        if !rest.is_empty() {
            let mut tmp = [0u128; STEP];
            tmp[..rest.len()].copy_from_slice(rest);
            encrypt_step(&k, &mut tmp);
            rest.copy_from_slice(&tmp[..rest.len()]);
            tmp.zeroize();
        }
    }

    /// Encrypts exactly `STEP` blocks.
    #[target_feature(enable = "aes,avx2,vaes")]
    #[inline]
    fn encrypt_step(k: &[__m256i; 11], chunk: &mut [u128]) {
        let Some(chunk) = chunk.get_mut(..STEP) else {
            return;
        };
        let p = chunk.as_mut_ptr().cast::<__m256i>();
        let mut b = [_mm256_setzero_si256(); 8];
        for (j, x) in b.iter_mut().enumerate() {
            // SAFETY: `chunk` holds exactly STEP = 16 u128 (256 bytes), so
            // the unaligned 32-byte load at p.add(j), j < 8, is inside it.
            *x = unsafe { _mm256_loadu_si256(p.add(j)) };
        }
        for x in b.iter_mut() {
            *x = _mm256_xor_si256(*x, k[0]);
        }
        for key in &k[1..10] {
            for x in b.iter_mut() {
                *x = _mm256_aesenc_epi128(*x, *key);
            }
        }
        for (j, x) in b.iter().enumerate() {
            let y = _mm256_aesenclast_epi128(*x, k[10]);
            // SAFETY: as for the loads: p.add(j), j < 8, is inside `chunk`.
            unsafe { _mm256_storeu_si256(p.add(j), y) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn fips_197_vector() {
        // FIPS-197 Appendix C.1 (AES-128).
        let key: [u8; 16] = core::array::from_fn(|i| i as u8);
        let pt: [u8; 16] = core::array::from_fn(|i| (i as u8) * 0x11);
        let want = [
            0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30, 0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4,
            0xc5, 0x5a,
        ];
        let mut b = [u128::from_le_bytes(pt)];
        Cipher::new(&key).encrypt(&mut b);
        assert_eq!(b[0].to_le_bytes(), want);
        let mut s = [u128::from_le_bytes(pt)];
        Cipher::new(&key).encrypt_soft(&mut s);
        assert_eq!(s[0].to_le_bytes(), want);
    }

    #[test]
    fn wide_path_matches_the_aes_crate() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for len in [0usize, 1, 7, 15, 16, 17, 33, 256, 1000] {
            let key: [u8; 16] = rng.gen();
            let c = Cipher::new(&key);
            let blocks: Vec<u128> = (0..len).map(|_| rng.gen()).collect();
            let (mut a, mut b) = (blocks.clone(), blocks.clone());
            c.encrypt(&mut a);
            c.encrypt_soft(&mut b);
            assert_eq!(a, b, "{len} blocks");
            let mut d = blocks;
            CompactCipher::new(&key).encrypt_blocks(&mut d);
            assert_eq!(a, d, "{len} blocks, compact");
        }
    }
}
