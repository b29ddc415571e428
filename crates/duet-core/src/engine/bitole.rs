//! Products of a bit one party knows and a ring element the other knows,
//! from bit-OLE pairs ([`crate::preprocessing::BitOles`]): the wrap bit of
//! truncation and bit-times-value products.
//!
//! For a bit `x` held by one party and a value `y` held by the other, with
//! a pair's `c` (the bit holder's), `r` (the value holder's) and shares
//! `z0 + z1 = c r`: the bit holder opens `e = x ^ c`, the value holder
//! `d = y - r`, both in one frame, and
//! `x y = (e + (1 - 2e) c)(d + r) = [e d + (1 - 2e)(c d + z0)] + [e r + (1 - 2e) z1]`,
//! the first bracket the bit holder's share, the second the value
//! holder's. `e` and `d` are uniform (one-time `c` and `r`), so neither
//! party learns anything.

use zeroize::Zeroize;

use super::Engine;
use crate::channel::{Channel, MsgKind};
use crate::error::EngineError;
use crate::preprocessing::{BitOles, Preprocessing};
use crate::ring::Ring;
use crate::share::words_for;

/// Packs 0/1 bytes into words, bit `i` of the vector at bit `i % 64` of word `i / 64`.
fn pack(bits: &[u8]) -> Vec<u64> {
    let mut out = vec![0u64; words_for(bits.len())];
    for (i, &b) in bits.iter().enumerate() {
        out[i / 64] |= u64::from(b & 1) << (i % 64);
    }
    out
}

/// `-v` when `flip`, else `v`: multiplication by `1 - 2e`.
fn signed<R: Ring>(flip: bool, v: R) -> R {
    if flip {
        R::ZERO - v
    } else {
        v
    }
}

impl<C: Channel, P: Preprocessing> Engine<C, P> {
    /// Shares of the products of `my_bits` (0/1 bytes, this party's) with
    /// values the peer holds, and of bits the peer holds with `my_values`.
    /// The peer calls it with the lengths swapped; it consumes
    /// `max(my_bits.len(), my_values.len())` bit-OLE pairs and one round.
    /// Returns (shares of the products of my bits, of my values).
    pub(crate) async fn bit_value_products<R: Ring>(
        &mut self,
        step: &'static str,
        my_bits: &[u8],
        my_values: &[R],
    ) -> Result<(Vec<R>, Vec<R>), EngineError> {
        let (n_bits, n_values) = (my_bits.len(), my_values.len());
        let pairs = self.take::<BitOles<R>>(step, n_bits.max(n_values)).await?;
        let (mut c, mut r, mut own, mut peer_z) = pairs.into_parts();
        let e: Vec<u8> = (0..n_bits).map(|i| (my_bits[i] ^ c[i]) & 1).collect();
        let w = R::BYTES;
        let mut frame = Vec::with_capacity(words_for(n_bits) * 8 + n_values * w);
        for word in pack(&e) {
            frame.extend_from_slice(&word.to_le_bytes());
        }
        let start = frame.len();
        frame.resize(start + n_values * w, 0);
        for (j, &y) in my_values.iter().enumerate() {
            (y - r[j]).write_le(&mut frame[start + j * w..]);
        }
        let expected = words_for(n_values) * 8 + n_bits * w;
        let peer = self
            .exchange_uneven(step, MsgKind::BIT_OLE, frame, expected)
            .await?;
        let (peer_e, peer_d) = peer.split_at(words_for(n_values) * 8);
        let peer_bit = |j: usize| peer_e[j / 8] >> (j % 8) & 1 == 1;
        let of_bits = (0..n_bits)
            .map(|i| {
                let d = R::read_le(&peer_d[i * w..]);
                let flip = e[i] == 1;
                let cd = if c[i] == 1 { d } else { R::ZERO };
                let ed = if flip { d } else { R::ZERO };
                ed + signed(flip, cd + own[i])
            })
            .collect();
        let of_values = (0..n_values)
            .map(|j| {
                let flip = peer_bit(j);
                let er = if flip { r[j] } else { R::ZERO };
                er + signed(flip, peer_z[j])
            })
            .collect();
        c.zeroize();
        r.zeroize();
        own.zeroize();
        peer_z.zeroize();
        Ok((of_bits, of_values))
    }
}

#[cfg(test)]
mod tests {
    use super::pack;

    #[test]
    fn pack_puts_bit_i_at_word_i_div_64() {
        let bits: Vec<u8> = (0..130).map(|i| u8::from(i % 3 == 0 || i == 129)).collect();
        let words = pack(&bits);
        assert_eq!(words.len(), 3);
        for (i, &b) in bits.iter().enumerate() {
            assert_eq!(words[i / 64] >> (i % 64) & 1, u64::from(b), "bit {i}");
        }
    }
}
