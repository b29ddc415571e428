//! Arithmetic operations: Beaver multiplication, dot products, fixed-point
//! truncation and selection.

use zeroize::Zeroize;

use super::Engine;
use crate::channel::{Channel, MsgKind};
use crate::error::EngineError;
use crate::preprocessing::Preprocessing;
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
        let (mut a, mut b, mut c) = self.take_triples::<R>(STEP, n).await?.into_parts();
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
    /// `|x| < 2^(k-2)`. One round and one Beaver triple per element.
    ///
    /// Bound: the result is `floor(x / 2^f)` or `floor(x / 2^f) + 1`, so it
    /// is within one unit in the last place of the exact quotient, and this
    /// holds with probability 1 (no failure probability) for every `x` in
    /// range. Outside the range the result is meaningless, so callers keep
    /// values within it (the planner proves this from declared bounds).
    ///
    /// How: adding 2^(k-2) makes the value non-negative below 2^(k-1), so
    /// the wrap of `x0 + x1` over 2^k is exactly `msb(x0) OR msb(x1)`, which
    /// costs one multiplication of the two parties' known bits. Each party
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
        let msb: Vec<R> = biased
            .iter()
            .map(|v| R::from_u64(u64::from(v.msb())))
            .collect();
        let zeros = vec![R::ZERO; msb.len()];
        // [m0] = (m0, 0) and [m1] = (0, m1): the AND of the two known bits.
        let (m0, m1) = if p0 { (&msb, &zeros) } else { (&zeros, &msb) };
        let both = self
            .mul(
                &Shared::from_shares(m0.clone()),
                &Shared::from_shares(m1.clone()),
            )
            .await?;
        let low_mask = (1u128 << f) - 1;
        let out = biased
            .iter()
            .zip(&msb)
            .zip(both.shares())
            .map(|((&v, &m), &mm)| {
                let wrap = m - mm;
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

    /// Shares of `c ? x : y` element-wise, for `c` shared as 0 or 1 in the
    /// ring: `y + c * (x - y)`, one multiplication.
    pub async fn select<R: Ring>(
        &mut self,
        c: &Shared<R>,
        x: &Shared<R>,
        y: &Shared<R>,
    ) -> Result<Shared<R>, EngineError> {
        let diff = x.sub(y).map_err(length_err("select"))?;
        let picked = self.mul(c, &diff).await?;
        picked.add(y).map_err(length_err("select"))
    }
}
