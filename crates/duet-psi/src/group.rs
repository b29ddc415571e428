//! ristretto255 for PSI: identifiers hashed to the group, the one-session
//! blinding key, and batch blinding and checked decoding of peer points.
//!
//! Blinding computes `compress(k * P)` as `compress(2 * ((k / 2) * P))` so
//! that [`RistrettoPoint::double_and_compress_batch`] shares one field
//! inversion across a batch instead of paying one per point. All scalar
//! multiplications are constant time.

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use rand_core::{CryptoRng, RngCore};
use rayon::prelude::*;
use sha2::{Digest, Sha512};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::PsiError;

/// The domain tag hashed before the session id and the identifier.
pub const TAG: &[u8] = b"duet/psi/v1";
/// Bytes of one compressed point.
pub const POINT_BYTES: usize = 32;
/// Points handled together in one batch inversion.
const SUB_BATCH: usize = 256;

/// A compressed point.
pub(crate) type Encoded = [u8; POINT_BYTES];

/// Hashes identifiers of one session to the group:
/// `from_uniform_bytes(SHA-512(TAG || session_id || id))`, the RFC 9496
/// one-way map of a SHA-512 digest. `TAG` and the session id have fixed
/// lengths, so the concatenation is unambiguous.
#[derive(Clone)]
pub struct IdHasher {
    prefix: Sha512,
}

impl IdHasher {
    /// The hasher for session `session_id`.
    pub fn new(session_id: &[u8; 32]) -> Self {
        let mut prefix = Sha512::new();
        prefix.update(TAG);
        prefix.update(session_id);
        IdHasher { prefix }
    }

    /// The group element of identifier `id`.
    pub fn hash(&self, id: &[u8]) -> RistrettoPoint {
        let digest: [u8; 64] = self.prefix.clone().chain_update(id).finalize().into();
        RistrettoPoint::from_uniform_bytes(&digest)
    }
}

/// One party's secret exponent for one PSI session. Drawn inside each
/// protocol run and dropped (zeroized) at its end, so no two sessions share
/// a key; it is never sent, printed or returned.
pub(crate) struct BlindingKey {
    half: Scalar,
}

impl Zeroize for BlindingKey {
    fn zeroize(&mut self) {
        self.half.zeroize();
    }
}

impl Drop for BlindingKey {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl ZeroizeOnDrop for BlindingKey {}

impl core::fmt::Debug for BlindingKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("BlindingKey(<secret>)")
    }
}

impl BlindingKey {
    /// A fresh nonzero key from `rng`.
    pub(crate) fn generate<G: RngCore + CryptoRng>(rng: &mut G) -> Self {
        loop {
            let k = Scalar::random(rng);
            if k != Scalar::ZERO {
                // k / 2: blinding doubles once more inside the batch compression.
                return BlindingKey {
                    half: k * Scalar::from(2u8).invert(),
                };
            }
        }
    }

    /// The key itself (for tests comparing sessions).
    #[cfg(test)]
    pub(crate) fn scalar(&self) -> Scalar {
        self.half + self.half
    }

    /// `compress(k * H(id))` for each identifier, in order, across cores.
    pub(crate) fn blind_ids(&self, hasher: &IdHasher, ids: &[&[u8]]) -> Vec<Encoded> {
        ids.par_chunks(SUB_BATCH)
            .flat_map_iter(|sub| {
                let pts: Vec<RistrettoPoint> =
                    sub.iter().map(|id| hasher.hash(id) * self.half).collect();
                compress_doubled(&pts)
            })
            .collect()
    }

    /// `compress(k * P)` for each peer point `P` in `bytes` (32 each);
    /// `first` is the index of the first point in the peer's stream, for errors.
    pub(crate) fn blind_peer(
        &self,
        step: &'static str,
        bytes: &[u8],
        first: usize,
    ) -> Result<Vec<Encoded>, PsiError> {
        let parts: Result<Vec<Vec<Encoded>>, PsiError> = bytes
            .par_chunks(SUB_BATCH * POINT_BYTES)
            .enumerate()
            .map(|(c, sub)| {
                let base = first + c * SUB_BATCH;
                let pts = sub
                    .chunks_exact(POINT_BYTES)
                    .enumerate()
                    .map(|(i, b)| decode(step, b, base + i).map(|p| p * self.half))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(compress_doubled(&pts).collect())
            })
            .collect();
        Ok(parts?.into_iter().flatten().collect())
    }
}

/// `compress(2 * P)` for each point, with one inversion for the batch.
fn compress_doubled(points: &[RistrettoPoint]) -> impl Iterator<Item = Encoded> {
    RistrettoPoint::double_and_compress_batch(points)
        .into_iter()
        .map(|c| c.to_bytes())
}

/// Decodes a peer point, rejecting non-canonical encodings and the identity.
pub fn decode(step: &'static str, bytes: &[u8], index: usize) -> Result<RistrettoPoint, PsiError> {
    let p = CompressedRistretto::from_slice(bytes)
        .ok()
        .and_then(|c| c.decompress())
        .ok_or(PsiError::InvalidPoint { step, index })?;
    if p.is_identity() {
        return Err(PsiError::IdentityPoint { step, index });
    }
    Ok(p)
}

/// The 128-bit matching key of a doubly blinded point: its first 16 bytes.
/// Two distinct points agree there with probability about 2^-127, so even
/// 10^7 x 10^7 comparisons give a false match with probability below 2^-80.
pub(crate) fn match_key(e: &Encoded) -> u128 {
    let mut b = [0u8; 16];
    b.copy_from_slice(&e[..16]);
    u128::from_le_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn blinding_commutes_and_matches_plain_multiplication() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let (a, b) = (
            BlindingKey::generate(&mut rng),
            BlindingKey::generate(&mut rng),
        );
        assert_ne!(a.scalar(), b.scalar());
        let h = IdHasher::new(&[9; 32]);
        let ids: Vec<&[u8]> = vec![b"alice", b"bob", b"\xc3\xa9"];
        let xa = a.blind_ids(&h, &ids);
        assert_eq!(xa[1], (h.hash(b"bob") * a.scalar()).compress().to_bytes());
        let xab = b.blind_peer("t", &xa.concat(), 0).unwrap();
        let xb = b.blind_ids(&h, &ids);
        let xba = a.blind_peer("t", &xb.concat(), 0).unwrap();
        assert_eq!(xab, xba);
        assert_ne!(xab[0], xab[1]);
    }

    #[test]
    fn session_and_tag_separate_hashes() {
        let h1 = IdHasher::new(&[1; 32]);
        let h2 = IdHasher::new(&[2; 32]);
        assert_ne!(h1.hash(b"id").compress(), h2.hash(b"id").compress());
        let mut m = TAG.to_vec();
        m.extend_from_slice(&[1; 32]);
        m.extend_from_slice(b"id");
        assert_eq!(
            h1.hash(b"id"),
            RistrettoPoint::hash_from_bytes::<Sha512>(&m)
        );
    }

    #[test]
    fn rejects_identity_and_invalid_with_their_index() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let k = BlindingKey::generate(&mut rng);
        let good = IdHasher::new(&[0; 32]).hash(b"x").compress().to_bytes();
        let bytes = [good, good, [0u8; 32]].concat();
        assert!(matches!(
            k.blind_peer("s", &bytes, 10),
            Err(PsiError::IdentityPoint { index: 12, .. })
        ));
        let bytes = [good, [0xff; 32]].concat();
        assert!(matches!(
            k.blind_peer("s", &bytes, 0),
            Err(PsiError::InvalidPoint { index: 1, .. })
        ));
        assert_eq!(format!("{k:?}"), "BlindingKey(<secret>)");
    }
}
