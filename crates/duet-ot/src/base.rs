//! Base OT: Chou and Orlandi's "simplest OT" on ristretto255, with the
//! corrections its later analyses call for.
//!
//! The sender draws `a` and sends `A = aG`; for each transfer `i` the
//! receiver with choice `c` draws `b` and sends `B = bG + cA`. The keys are
//! `k0 = H(i, A, B, aB)` and `k1 = H(i, A, B, a(B - A))` for the sender and
//! `k_c = H(i, A, B, bA)` for the receiver. `H` is SHA-256 under a domain
//! tag, bound to the session id and the direction of the transfer.
//!
//! Corrections (Hauck-Loss 2017, Genc-Iovino-Rial 2017): both `A` and `B`
//! go into the hash, so keys are bound to this exchange and a receiver
//! cannot relate keys across transfers; both sides reject undecodable
//! points and the identity (an identity `A` would make both keys equal to
//! public values). We chose it over Masny-Rindal because it needs one point
//! per transfer and no hash-to-curve, and we only need it 256 times a
//! session: its known gap is in UC simulation against a malicious
//! receiver, which the semi-honest setting here does not need.
//!
//! What each party learns: the sender sees `A` and uniformly distributed
//! points `B` that are independent of the choices, so nothing about them;
//! the receiver learns `k_c`, and `k_{1-c}` would need `a(B - A)` or `aB`,
//! a computational Diffie-Hellman problem in ristretto255.

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::traits::IsIdentity;
use curve25519_dalek::Scalar;
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use subtle::{Choice, ConditionallySelectable};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::OtError;

/// Bytes of one encoded point.
pub const POINT_BYTES: usize = 32;

/// A 128-bit key output by one base OT. Secret: zeroized, Debug redacted.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct OtKey(pub(crate) [u8; 16]);

impl OtKey {
    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl core::fmt::Debug for OtKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("OtKey(redacted)")
    }
}

/// What binds keys to one exchange: the session id and the direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    /// The session id both parties agreed on.
    pub session_id: [u8; 32],
    /// Which of the session's OT instances (0 or 1).
    pub direction: u8,
}

impl Context {
    /// The key `H(i, A, B, P)` of transfer `i` under this context, from
    /// the encodings of `A`, `B` and the Diffie-Hellman point `P`.
    pub fn key(&self, i: usize, a: &[u8; 32], b: &[u8; 32], p: &[u8; 32]) -> OtKey {
        let d = Sha256::new()
            .chain_update(b"duet-ot/base-ot/chou-orlandi/v1")
            .chain_update(self.session_id)
            .chain_update([self.direction])
            .chain_update((i as u64).to_le_bytes())
            .chain_update(a)
            .chain_update(b)
            .chain_update(p)
            .finalize();
        let mut k = [0u8; 16];
        k.copy_from_slice(&d[..16]);
        OtKey(k)
    }
}

/// Decodes point `index` of a peer message, rejecting bad encodings and the identity.
pub(crate) fn decode_point(
    step: &'static str,
    index: usize,
    bytes: &[u8],
) -> Result<RistrettoPoint, OtError> {
    let p = CompressedRistretto::from_slice(bytes)
        .ok()
        .and_then(|c| c.decompress())
        .ok_or(OtError::InvalidPoint { step, index })?;
    if p.is_identity() {
        return Err(OtError::IdentityPoint { step, index });
    }
    Ok(p)
}

/// The sender's state between its message and the receiver's reply.
pub struct BaseSender {
    a: Scalar,
    a_bytes: [u8; 32],
    a_times_a: RistrettoPoint,
}

impl Drop for BaseSender {
    fn drop(&mut self) {
        self.a.zeroize();
    }
}

impl BaseSender {
    /// Draws `a`; returns the state and the message `A` for the receiver.
    pub fn new<G: RngCore + CryptoRng>(rng: &mut G) -> (Self, [u8; POINT_BYTES]) {
        let a = Scalar::random(rng);
        let big_a = &a * RISTRETTO_BASEPOINT_TABLE;
        let a_bytes = big_a.compress().to_bytes();
        let s = BaseSender {
            a,
            a_bytes,
            a_times_a: a * big_a,
        };
        (s, a_bytes)
    }

    /// From the receiver's message (`n` points) derives the `n` key pairs.
    pub fn finish(
        self,
        ctx: &Context,
        n: usize,
        reply: &[u8],
    ) -> Result<Vec<(OtKey, OtKey)>, OtError> {
        const STEP: &str = "base OT: receiver's points";
        if reply.len() != n * POINT_BYTES {
            return Err(OtError::PeerLength {
                step: STEP,
                kind: crate::kinds::BASE_RECEIVER,
                expected: n * POINT_BYTES,
                found: reply.len(),
            });
        }
        let mut out = Vec::with_capacity(n);
        for (i, chunk) in reply.chunks_exact(POINT_BYTES).enumerate() {
            let b = decode_point(STEP, i, chunk)?;
            let mut b_bytes = [0u8; 32];
            b_bytes.copy_from_slice(chunk);
            let ab = self.a * b;
            let k0 = ctx.key(i, &self.a_bytes, &b_bytes, &ab.compress().to_bytes());
            let k1 = ctx.key(
                i,
                &self.a_bytes,
                &b_bytes,
                &(ab - self.a_times_a).compress().to_bytes(),
            );
            out.push((k0, k1));
        }
        Ok(out)
    }
}

/// The receiver's side: from the sender's `A` and the choices, its reply
/// and the chosen keys.
pub fn receive<G: RngCore + CryptoRng>(
    ctx: &Context,
    sender_msg: &[u8],
    choices: &[bool],
    rng: &mut G,
) -> Result<(Vec<u8>, Vec<OtKey>), OtError> {
    const STEP: &str = "base OT: sender's point";
    if sender_msg.len() != POINT_BYTES {
        return Err(OtError::PeerLength {
            step: STEP,
            kind: crate::kinds::BASE_SENDER,
            expected: POINT_BYTES,
            found: sender_msg.len(),
        });
    }
    let big_a = decode_point(STEP, 0, sender_msg)?;
    let mut a_bytes = [0u8; 32];
    a_bytes.copy_from_slice(sender_msg);
    let mut reply = Vec::with_capacity(choices.len() * POINT_BYTES);
    let mut keys = Vec::with_capacity(choices.len());
    for (i, &c) in choices.iter().enumerate() {
        let mut b = Scalar::random(rng);
        let bg = &b * RISTRETTO_BASEPOINT_TABLE;
        let big_b =
            RistrettoPoint::conditional_select(&bg, &(bg + big_a), Choice::from(u8::from(c)));
        let b_bytes = big_b.compress().to_bytes();
        keys.push(ctx.key(i, &a_bytes, &b_bytes, &(b * big_a).compress().to_bytes()));
        reply.extend_from_slice(&b_bytes);
        b.zeroize();
    }
    Ok((reply, keys))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;

    fn ctx() -> Context {
        Context {
            session_id: [3; 32],
            direction: 0,
        }
    }

    #[test]
    fn receiver_gets_the_chosen_key_only() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let choices: Vec<bool> = (0..64).map(|i| i % 3 == 0).collect();
        let (s, msg) = BaseSender::new(&mut rng);
        let (reply, keys) = receive(&ctx(), &msg, &choices, &mut rng).unwrap();
        let pairs = s.finish(&ctx(), 64, &reply).unwrap();
        for (i, &c) in choices.iter().enumerate() {
            let (k0, k1) = &pairs[i];
            assert_eq!(&keys[i], if c { k1 } else { k0 });
            assert_ne!(k0, k1);
        }
    }

    #[test]
    fn identity_and_bad_points_are_rejected() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2);
        let identity = RistrettoPoint::default().compress().to_bytes();
        assert!(matches!(
            receive(&ctx(), &identity, &[true], &mut rng),
            Err(OtError::IdentityPoint { index: 0, .. })
        ));
        assert!(matches!(
            receive(&ctx(), &[0xff; 32], &[true], &mut rng),
            Err(OtError::InvalidPoint { index: 0, .. })
        ));
        let (s, _) = BaseSender::new(&mut rng);
        let mut reply = vec![0u8; 64];
        reply[..32].copy_from_slice(
            &(&Scalar::ONE * RISTRETTO_BASEPOINT_TABLE)
                .compress()
                .to_bytes(),
        );
        assert!(matches!(
            s.finish(&ctx(), 2, &reply),
            Err(OtError::IdentityPoint { index: 1, .. })
        ));
    }
}
