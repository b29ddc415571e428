//! Products of a vector one party knows with a vector the other knows,
//! additively shared: what private joins need for sums like
//! `sum x_A * y_B` over matched rows, without a triple per element.
//!
//! Each element costs one Gilboa product: k correlated OTs (`16 k` bytes
//! from the party that knows `y`) and `k (k + 1) / 2` correction bits from
//! the party that knows `x`; one round trip per batch of up to
//! [`crate::MAX_OTS_PER_ROUND`] OTs.
//!
//! What each party learns: nothing about the other's vector, only its
//! share, which is uniform on its own; the length of the vectors is public.

use duet_core::{Channel, Ring};
use zeroize::Zeroize;

use crate::error::OtError;
use crate::session::{OtSession, MAX_OTS_PER_ROUND};
use crate::triples::ring_bits;

fn batch<R: Ring>() -> usize {
    MAX_OTS_PER_ROUND / R::BITS as usize
}

impl OtSession {
    /// This party's shares of `x[i] * y[i]`, where it knows `x` and the
    /// peer, at the same point, calls [`OtSession::product_receive`] with `y`
    /// of the same length.
    pub async fn product_send<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        x: &[R],
    ) -> Result<Vec<R>, OtError> {
        let mut out = Vec::with_capacity(x.len());
        for chunk in x.chunks(batch::<R>()) {
            out.extend(self.send_only(ch, chunk, R::BITS as usize).await?);
        }
        Ok(out)
    }

    /// This party's shares of `x[i] * y[i]`, where it knows `y` and the
    /// peer calls [`OtSession::product_send`] with `x`.
    pub async fn product_receive<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        y: &[R],
    ) -> Result<Vec<R>, OtError> {
        let mut out = Vec::with_capacity(y.len());
        for chunk in y.chunks(batch::<R>()) {
            let mut bits = ring_bits(chunk);
            let part = self
                .receive_only::<R, C>(ch, &bits, chunk.len(), R::BITS as usize)
                .await;
            bits.zeroize();
            out.extend(part?);
        }
        Ok(out)
    }

    /// As [`OtSession::product_send`] when the peer's values are bits
    /// (`y[i]` in {0, 1}, calling [`OtSession::bit_product_receive`]): one
    /// correlated OT and one k-bit correction per element instead of k
    /// OTs and `k (k + 1) / 2` bits.
    pub async fn bit_product_send<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        x: &[R],
    ) -> Result<Vec<R>, OtError> {
        let mut out = Vec::with_capacity(x.len());
        for chunk in x.chunks(MAX_OTS_PER_ROUND) {
            out.extend(self.send_only(ch, chunk, 1).await?);
        }
        Ok(out)
    }

    /// This party's shares of `x[i] * y[i]` for its bits `y` (the peer calls
    /// [`OtSession::bit_product_send`] with `x`).
    pub async fn bit_product_receive<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        y: &[bool],
    ) -> Result<Vec<R>, OtError> {
        let mut out = Vec::with_capacity(y.len());
        for chunk in y.chunks(MAX_OTS_PER_ROUND) {
            let mut bits = vec![0u64; chunk.len().div_ceil(64)];
            for (i, &b) in chunk.iter().enumerate() {
                if let Some(w) = bits.get_mut(i / 64) {
                    *w |= u64::from(b) << (i % 64);
                }
            }
            let part = self.receive_only::<R, C>(ch, &bits, chunk.len(), 1).await;
            bits.zeroize();
            out.extend(part?);
        }
        Ok(out)
    }

    /// This party's share of the inner product `sum x[i] * y[i]` (it knows `x`).
    pub async fn inner_product_send<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        x: &[R],
    ) -> Result<R, OtError> {
        let shares = self.product_send(ch, x).await?;
        Ok(shares.into_iter().fold(R::ZERO, |a, b| a + b))
    }

    /// This party's share of the inner product `sum x[i] * y[i]` (it knows `y`).
    pub async fn inner_product_receive<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        y: &[R],
    ) -> Result<R, OtError> {
        let shares = self.product_receive(ch, y).await?;
        Ok(shares.into_iter().fold(R::ZERO, |a, b| a + b))
    }
}
