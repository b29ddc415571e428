//! Comparison by most-significant-bit extraction, equality, and
//! bit-to-arithmetic conversion.

use zeroize::Zeroize;

use super::Engine;
use crate::bits::bit_planes;
use crate::channel::{Channel, MsgKind};
use crate::error::EngineError;
use crate::preprocessing::{DaBits, Preprocessing};
use crate::ring::Ring;
use crate::share::{Role, Shared, SharedBits};

impl<C: Channel, P: Preprocessing> Engine<C, P> {
    /// XOR shares of `[x < 0]` (the sign bit of two's complement), for every `x`.
    ///
    /// msb(x0 + x1) = msb(x0) ^ msb(x1) ^ carry, where the carry out of the
    /// low k-1 bits comes from leaf OTs on 4-bit blocks and a log-depth
    /// tree of AND gates (the `millionaire` module): 2 + ceil(log2(k/4))
    /// rounds (6 for Z_2^64, 7 for Z_2^128), per element k/4 leaf OTs
    /// and about k/2 AND gates.
    pub async fn ltz_bits<R: Ring>(&mut self, x: &Shared<R>) -> Result<SharedBits, EngineError> {
        self.ltz_bits_within(x, R::BITS).await
    }

    /// [`Engine::ltz_bits`] for values known to lie in
    /// `[-2^(bits-1), 2^(bits-1))`: the shares reduced mod 2^bits (a local
    /// step) share `x mod 2^bits`, whose bit `bits - 1` is the sign, so the
    /// carry circuit runs on `bits - 1` bits instead of k - 1 (fewer AND
    /// gates, same rounds or fewer). Outside that range the answer is the
    /// sign of `x mod 2^bits` read as a `bits`-bit number (wrong, not
    /// insecure). `bits` is clamped to [2, k].
    pub async fn ltz_bits_within<R: Ring>(
        &mut self,
        x: &Shared<R>,
        bits: u32,
    ) -> Result<SharedBits, EngineError> {
        let k = super::comparison_width::<R>(bits);
        let carry = self.carry_out("comparison", x.shares(), k - 1).await?;
        let mut words = carry;
        for (i, v) in x.shares().iter().enumerate() {
            words[i / 64] ^= (v.word((k - 1) / 64) >> ((k - 1) % 64) & 1) << (i % 64);
        }
        Ok(SharedBits::from_words(words, x.len()))
    }

    /// Shares (0 or 1 in the ring) of `[x < 0]` for `x` within
    /// `[-2^(bits-1), 2^(bits-1))`: [`Engine::ltz_bits_within`] then [`Engine::b2a`].
    pub async fn ltz_within<R: Ring>(
        &mut self,
        x: &Shared<R>,
        bits: u32,
    ) -> Result<Shared<R>, EngineError> {
        let b = self.ltz_bits_within(x, bits).await?;
        self.b2a(&b).await
    }

    /// Shares (0 or 1 in the ring) of `[x < 0]`: [`Engine::ltz_bits`] then
    /// [`Engine::b2a`].
    pub async fn ltz<R: Ring>(&mut self, x: &Shared<R>) -> Result<Shared<R>, EngineError> {
        let bits = self.ltz_bits(x).await?;
        self.b2a(&bits).await
    }

    /// Shares of `[x < y]`, exact whenever `x - y` does not overflow the
    /// signed range of the ring.
    pub async fn lt<R: Ring>(
        &mut self,
        x: &Shared<R>,
        y: &Shared<R>,
    ) -> Result<Shared<R>, EngineError> {
        let d = x.sub(y).map_err(|source| EngineError::Length {
            step: "comparison",
            source,
        })?;
        self.ltz(&d).await
    }

    /// XOR shares of `[x == 0]`, for every `x`.
    ///
    /// x0 + x1 = 0 exactly when the bits of x0 and -x1 agree; the k
    /// agreement bits (computed locally) are ANDed in ceil(log2 k) rounds.
    pub async fn eqz_bits<R: Ring>(&mut self, x: &Shared<R>) -> Result<SharedBits, EngineError> {
        let k = R::BITS as usize;
        let operand: Vec<R> = match self.role {
            Role::P0 => x.shares().to_vec(),
            Role::P1 => x.shares().iter().map(|&v| -v).collect(),
        };
        let mut planes = bit_planes(&operand);
        let nw = planes.nw;
        // agree_j = NOT(a_j ^ b_j), shared as (NOT a_j, b_j).
        let agree: Vec<Vec<u64>> = (0..k)
            .map(|j| match self.role {
                Role::P0 => planes.plane(j).iter().map(|w| !w).collect(),
                Role::P1 => planes.plane(j).to_vec(),
            })
            .collect();
        planes.words.zeroize();
        let all = self.and_tree("equality", agree, nw).await?;
        Ok(SharedBits::from_words(all, x.len()))
    }

    /// Shares (0 or 1 in the ring) of `[x == 0]`.
    pub async fn eqz<R: Ring>(&mut self, x: &Shared<R>) -> Result<Shared<R>, EngineError> {
        let bits = self.eqz_bits(x).await?;
        self.b2a(&bits).await
    }

    /// Shares (0 or 1 in the ring) of `[x == y]`.
    pub async fn eq<R: Ring>(
        &mut self,
        x: &Shared<R>,
        y: &Shared<R>,
    ) -> Result<Shared<R>, EngineError> {
        let d = x.sub(y).map_err(|source| EngineError::Length {
            step: "equality",
            source,
        })?;
        self.eqz(&d).await
    }

    /// Ring shares of XOR-shared bits, with one doubly shared random bit r
    /// per element: open c = b ^ r, then b = c + r - 2cr (one round).
    pub async fn b2a<R: Ring>(&mut self, bits: &SharedBits) -> Result<Shared<R>, EngineError> {
        const STEP: &str = "bit to arithmetic";
        let n = bits.len();
        let (mut rb, mut ra) = self.take::<DaBits<R>>(STEP, n).await?.into_parts();
        let masked: Vec<u64> = bits.words().iter().zip(&rb).map(|(b, r)| b ^ r).collect();
        let peer = self
            .exchange_words(STEP, MsgKind::BIT_OPEN, &masked)
            .await?;
        let p0 = self.role == Role::P0;
        let one = if p0 { R::ONE } else { R::ZERO };
        let out = ra
            .iter()
            .enumerate()
            .map(|(i, &r)| {
                let c = (masked[i / 64] ^ peer[i / 64]) >> (i % 64) & 1 == 1;
                if c {
                    one - r
                } else {
                    r
                }
            })
            .collect();
        rb.zeroize();
        ra.zeroize();
        Ok(Shared::from_shares(out))
    }
}
