//! Random 1-out-of-16 oblivious transfers with 2-bit messages: the leaves
//! of the comparison circuit (see the engine's `millionaire` module).

use core::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::share::LengthMismatch;

/// Values a leaf compares: 4-bit blocks, so 16 table entries.
pub const LEAF_VALUES: usize = 16;

/// This party's part of `n` pairs of random 1-out-of-16 OTs with 2-bit
/// messages, one OT of each pair in each direction.
///
/// In each direction the sender holds 16 random 2-bit masks `M_0..M_15`
/// and the receiver a random choice `c` in 0..16 and `M_c`: the receiver
/// knows nothing of the other 15 masks, the sender nothing of `c`. Each
/// costs four random OTs of the extension (about 16 bytes with SoftSpoken
/// k = 4), where the AND gates they replace cost two each.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct LeafOts {
    /// As sender: mask `u` at bits `2u..2u + 2`.
    masks: Vec<u32>,
    /// As receiver: the choice in bits 0..4, its mask in bits 4..6.
    chosen: Vec<u8>,
}

/// Mask `u` (0..16) of a sender's packed masks.
pub fn leaf_mask(masks: u32, u: u8) -> u8 {
    (masks >> (2 * u32::from(u & 15)) & 3) as u8
}

impl LeafOts {
    /// From this party's masks as sender and `choice | mask << 4` as
    /// receiver (bits above 6 cleared), of equal lengths.
    pub fn from_parts(masks: Vec<u32>, mut chosen: Vec<u8>) -> Result<Self, LengthMismatch> {
        if masks.len() != chosen.len() {
            return Err(LengthMismatch {
                left: masks.len(),
                right: chosen.len(),
            });
        }
        for c in &mut chosen {
            *c &= 0x3f;
        }
        Ok(LeafOts { masks, chosen })
    }

    /// No pairs.
    pub fn empty() -> Self {
        LeafOts {
            masks: Vec::new(),
            chosen: Vec::new(),
        }
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.masks.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.masks.is_empty()
    }

    /// The masks as sender and the choices with their masks as receiver
    /// (for checks; consuming protocols use [`Self::into_parts`]).
    pub fn parts(&self) -> (&[u32], &[u8]) {
        (&self.masks, &self.chosen)
    }

    /// Consumes the pairs into `(masks, chosen)`.
    pub fn into_parts(mut self) -> (Vec<u32>, Vec<u8>) {
        (
            core::mem::take(&mut self.masks),
            core::mem::take(&mut self.chosen),
        )
    }

    /// Appends more pairs.
    pub fn append(&mut self, mut more: Self) {
        self.masks.append(&mut more.masks);
        self.chosen.append(&mut more.chosen);
    }

    /// Splits off `n` pairs (or all, if fewer remain).
    pub fn take(&mut self, n: usize) -> Self {
        LeafOts {
            masks: crate::preprocessing::take_tail(&mut self.masks, n),
            chosen: crate::preprocessing::take_tail(&mut self.chosen, n),
        }
    }
}

impl Default for LeafOts {
    fn default() -> Self {
        LeafOts::empty()
    }
}

impl fmt::Debug for LeafOts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LeafOts(len {}, redacted)", self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_unpack_by_index_and_parts_keep_order() {
        let masks = 0b11_10_01_00u32 | 0b10 << 30;
        assert_eq!(
            (0..4).map(|u| leaf_mask(masks, u)).collect::<Vec<_>>(),
            [0, 1, 2, 3]
        );
        assert_eq!(leaf_mask(masks, 15), 2);
        let mut l = LeafOts::from_parts(vec![1, 2, 3], vec![0xff, 1, 2]).unwrap();
        assert_eq!(l.parts().1[0], 0x3f);
        let tail = l.take(2);
        assert_eq!(tail.parts().0, [2, 3]);
        assert_eq!(l.len(), 1);
        assert!(LeafOts::from_parts(vec![1], vec![]).is_err());
        assert!(!l.is_empty() && !tail.is_empty());
        assert!(LeafOts::empty().is_empty());
        assert_eq!(l.take(1).len(), 1);
        assert!(l.is_empty());
        assert_eq!(format!("{tail:?}"), "LeafOts(len 2, redacted)");
    }
}
