//! Arithmetic operations: Beaver multiplication, dot products, fixed-point
//! truncation, bit-times-value products and selection.

use zeroize::Zeroize;

use super::Engine;
use crate::channel::{Channel, MsgKind};
use crate::error::EngineError;
use crate::preprocessing::{BeaverTriples, Preprocessing};
use crate::ring::Ring;
use crate::share::{same_len, Role, Shared};

fn length_err(step: &'static str) -> impl Fn(crate::share::LengthMismatch) -> EngineError {
    move |source| EngineError::Length { step, source }
}

impl<C: Channel, P: Preprocessing> Engine<C, P> {
    /// Shares of the element-wise product `x ⊙ y`: one round, one Beaver
    /// triple per element.
    ///
    /// Opens `d = x - a` and `e = y - b` in one frame, then each party sets
    /// `z = c + d b + e a`, and P0 adds `d e`. The masked values are
    /// encoded straight into the frame and the peer's are read straight
    /// from its frame: no intermediate vectors.
    pub async fn mul<R: Ring>(
        &mut self,
        x: &Shared<R>,
        y: &Shared<R>,
    ) -> Result<Shared<R>, EngineError> {
        const STEP: &str = "beaver multiplication";
        let (x, y) = (x.shares(), y.shares());
        same_len(x.len(), y.len()).map_err(length_err(STEP))?;
        let n = x.len();
        let (mut a, mut b, mut c) = self.take::<BeaverTriples<R>>(STEP, n).await?.into_parts();
        let w = R::BYTES;
        let mut frame = vec![0u8; 2 * n * w];
        let (fd, fe) = frame.split_at_mut(n * w);
        for i in 0..n {
            (x[i] - a[i]).write_le(&mut fd[i * w..]);
            (y[i] - b[i]).write_le(&mut fe[i * w..]);
        }
        let peer = self.exchange_frame(STEP, MsgKind::BEAVER, frame).await?;
        let (pd, pe) = peer.split_at(n * w);
        let p0 = self.role == Role::P0;
        for i in 0..n {
            let d = x[i] - a[i] + R::read_le(&pd[i * w..]);
            let e = y[i] - b[i] + R::read_le(&pe[i * w..]);
            let de = if p0 { d * e } else { R::ZERO };
            c[i] += d * b[i] + e * a[i] + de;
        }
        a.zeroize();
        b.zeroize();
        Ok(Shared::from_shares(c))
    }

    /// Shares of the inner product `sum_i x_i * y_i` (a vector of length 1):
    /// one round, one triple per element.
    pub async fn dot<R: Ring>(
        &mut self,
        x: &Shared<R>,
        y: &Shared<R>,
    ) -> Result<Shared<R>, EngineError> {
        let z = self.mul(x, y).await?;
        Ok(z.sum())
    }

    /// Shares of `x * y / 2^frac_bits` for fixed-point operands with
    /// `frac_bits` fractional bits each: a multiplication, then [`Engine::trunc`].
    pub async fn mul_fixed<R: Ring>(
        &mut self,
        x: &Shared<R>,
        y: &Shared<R>,
        frac_bits: u32,
    ) -> Result<Shared<R>, EngineError> {
        let z = self.mul(x, y).await?;
        self.trunc(&z, frac_bits).await
    }

    /// Shares of `x / 2^f` rounded to floor or ceiling, for signed `x` with
    /// `|x| < 2^(k-2)`. One round and half a bit-OLE pair per element.
    ///
    /// Bound: the result is `floor(x / 2^f)` or `floor(x / 2^f) + 1`, so it
    /// is within one unit in the last place of the exact quotient, and this
    /// holds with probability 1 (no failure probability) for every `x` in
    /// range. Outside the range the result is meaningless, so callers keep
    /// values within it (the planner proves this from declared bounds).
    ///
    /// How: adding 2^(k-2) makes the value non-negative below 2^(k-1), so
    /// the wrap of `x0 + x1` over 2^k is exactly `msb(x0) OR msb(x1)`: the
    /// sum of the two known bits less their product, a product of a bit
    /// one party knows and a bit the other knows (one bit-OLE; P0 holds the
    /// bit for the first half of the elements, P1 for the rest). Each party
    /// shifts its share locally (P0 rounds down, P1 rounds up, which bounds
    /// the carry error to +0 or +1) and subtracts the wrap times 2^(k-f).
    pub async fn trunc<R: Ring>(
        &mut self,
        x: &Shared<R>,
        f: u32,
    ) -> Result<Shared<R>, EngineError> {
        const STEP: &str = "truncation";
        if f == 0 {
            return Ok(x.clone());
        }
        if f >= R::BITS - 2 {
            return Err(EngineError::Parameter {
                step: STEP,
                reason: "fractional bits must be below k - 2",
            });
        }
        let bias = R::ONE.shl(R::BITS - 2);
        let p0 = self.role == Role::P0;
        let biased: Vec<R> = x
            .shares()
            .iter()
            .map(|&v| if p0 { v + bias } else { v })
            .collect();
        let msb: Vec<u8> = biased.iter().map(|v| u8::from(v.msb())).collect();
        let both = self.and_known_bits::<R>(STEP, &msb).await?;
        let low_mask = (1u128 << f) - 1;
        let out = biased
            .iter()
            .zip(&msb)
            .zip(both.shares())
            .map(|((&v, &m), &mm)| {
                let wrap = R::from_u64(u64::from(m)) - mm;
                let mut s = v.shr(f) - wrap.shl(R::BITS - f);
                if p0 {
                    s -= bias.shr(f);
                } else if v.to_u128() & low_mask != 0 {
                    s += R::ONE;
                }
                s
            })
            .collect();
        Ok(Shared::from_shares(out))
    }

    /// Shares (0 or 1 in the ring) of `m0_i AND m1_i` for P0's bits `m0`
    /// and P1's bits `m1`, each party passing its own (0/1 bytes, the same
    /// number): one round and half a bit-OLE pair per element
    /// ([`crate::Needs::for_trunc`]). P0 holds the bit of the first half's
    /// products and P1 the second's, so both do the same work. `step`
    /// names the caller in errors.
    pub async fn and_known_bits<R: Ring>(
        &mut self,
        step: &'static str,
        mine: &[u8],
    ) -> Result<Shared<R>, EngineError> {
        let half = mine.len().div_ceil(2);
        let (first, second) = mine.split_at(half);
        if self.role == Role::P0 {
            let values: Vec<R> = second.iter().map(|&b| R::from_u64(u64::from(b))).collect();
            let (a, b) = self.bit_value_products(step, first, &values).await?;
            Ok(Shared::from_shares([a, b].concat()))
        } else {
            let values: Vec<R> = first.iter().map(|&b| R::from_u64(u64::from(b))).collect();
            let (b, a) = self.bit_value_products(step, second, &values).await?;
            Ok(Shared::from_shares([a, b].concat()))
        }
    }

    /// Shares of `b * x` element-wise for `b` shared as 0 or 1 in the ring:
    /// one round and one bit-OLE pair per element (a Beaver triple costs
    /// about 80 times more OT traffic over Z_2^64).
    ///
    /// How: the shares' lowest bits are XOR shares `b = b0 ^ b1` (no carry
    /// reaches bit 0), and with `u_p = (1 - 2 b_p) x_p`,
    /// `b x = b0 x0 + b1 x1 + b0 u1 + b1 u0`: two products of a bit one
    /// party knows and a value the other knows. If `b` is not 0 or 1 the
    /// result is that of its lowest bit.
    pub async fn mul_bit<R: Ring>(
        &mut self,
        b: &Shared<R>,
        x: &Shared<R>,
    ) -> Result<Shared<R>, EngineError> {
        const STEP: &str = "bit product";
        let (b, x) = (b.shares(), x.shares());
        same_len(b.len(), x.len()).map_err(length_err(STEP))?;
        let mut bits: Vec<u8> = b.iter().map(|v| (v.word(0) & 1) as u8).collect();
        let u: Vec<R> = bits
            .iter()
            .zip(x)
            .map(|(&bit, &v)| if bit == 1 { R::ZERO - v } else { v })
            .collect();
        let (of_bits, of_values) = self.bit_value_products(STEP, &bits, &u).await?;
        let out = (0..x.len())
            .map(|i| {
                let own = if bits[i] == 1 { x[i] } else { R::ZERO };
                own + of_bits[i] + of_values[i]
            })
            .collect();
        bits.zeroize();
        Ok(Shared::from_shares(out))
    }

    /// Shares of `c ? x : y` element-wise, for `c` shared as 0 or 1 in the
    /// ring: `y + c * (x - y)`, one [`Engine::mul_bit`].
    pub async fn select<R: Ring>(
        &mut self,
        c: &Shared<R>,
        x: &Shared<R>,
        y: &Shared<R>,
    ) -> Result<Shared<R>, EngineError> {
        let diff = x.sub(y).map_err(length_err("select"))?;
        let picked = self.mul_bit(c, &diff).await?;
        picked.add(y).map_err(length_err("select"))
    }
}
