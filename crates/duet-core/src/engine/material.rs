//! The kinds of preprocessed material the engine stocks: one generic
//! fetch and take (stock first, the rest from the source with look-ahead)
//! instead of one near-copy per kind.

use std::future::Future;

use crate::channel::Channel;
use crate::engine::Needs;
use crate::preprocessing::{
    AndPairs, AndTriples, BeaverTriples, BitOles, DaBits, LeafOts, Preprocessing, Stock,
};
use crate::ring::Ring;

/// Material the engine keeps in stock and asks its source for.
pub(crate) trait Material: Sized + Send {
    /// None of it.
    fn none() -> Self;
    /// How much is held, in the unit `Needs` counts it in.
    fn amount(&self) -> usize;
    /// The first `n` (fewer if fewer are held), removed.
    fn take_front(&mut self, n: usize) -> Self;
    /// `more` added at the end.
    fn add(&mut self, more: Self);
    /// This kind's place in the stock.
    fn slot(stock: &mut Stock) -> &mut Self;
    /// This kind's count in `needs`.
    fn of(needs: &Needs) -> usize;
    /// `n` more from the source (both parties at once).
    fn fetch<P: Preprocessing, C: Channel>(
        pre: &mut P,
        channel: &mut C,
        n: usize,
    ) -> impl Future<Output = Result<Self, P::Error>> + Send;
}

/// The four methods every kind has inherently (`amount` is `len` or,
/// for AND material, `words`).
macro_rules! held_as {
    ($amount:ident) => {
        fn none() -> Self {
            Self::empty()
        }
        fn amount(&self) -> usize {
            self.$amount()
        }
        fn take_front(&mut self, n: usize) -> Self {
            self.take(n)
        }
        fn add(&mut self, more: Self) {
            self.append(more)
        }
    };
}

impl<R: Ring> Material for BeaverTriples<R> {
    held_as!(len);
    fn slot(stock: &mut Stock) -> &mut Self {
        &mut R::stock_slot(stock).triples
    }
    fn of(needs: &Needs) -> usize {
        needs.triples
    }
    fn fetch<P: Preprocessing, C: Channel>(
        pre: &mut P,
        channel: &mut C,
        n: usize,
    ) -> impl Future<Output = Result<Self, P::Error>> + Send {
        pre.triples::<R, C>(channel, n)
    }
}

impl Material for AndTriples {
    held_as!(words);
    fn slot(stock: &mut Stock) -> &mut Self {
        &mut stock.and
    }
    fn of(needs: &Needs) -> usize {
        needs.and_words
    }
    fn fetch<P: Preprocessing, C: Channel>(
        pre: &mut P,
        channel: &mut C,
        n: usize,
    ) -> impl Future<Output = Result<Self, P::Error>> + Send {
        pre.and_triples(channel, n)
    }
}

impl Material for AndPairs {
    held_as!(words);
    fn slot(stock: &mut Stock) -> &mut Self {
        &mut stock.and_pairs
    }
    fn of(needs: &Needs) -> usize {
        needs.and_pairs
    }
    fn fetch<P: Preprocessing, C: Channel>(
        pre: &mut P,
        channel: &mut C,
        n: usize,
    ) -> impl Future<Output = Result<Self, P::Error>> + Send {
        pre.and_pairs(channel, n)
    }
}

impl<R: Ring> Material for DaBits<R> {
    held_as!(len);
    fn slot(stock: &mut Stock) -> &mut Self {
        &mut R::stock_slot(stock).dabits
    }
    fn of(needs: &Needs) -> usize {
        needs.dabits
    }
    fn fetch<P: Preprocessing, C: Channel>(
        pre: &mut P,
        channel: &mut C,
        n: usize,
    ) -> impl Future<Output = Result<Self, P::Error>> + Send {
        pre.dabits::<R, C>(channel, n)
    }
}

impl<R: Ring> Material for BitOles<R> {
    held_as!(len);
    fn slot(stock: &mut Stock) -> &mut Self {
        &mut R::stock_slot(stock).bit_oles
    }
    fn of(needs: &Needs) -> usize {
        needs.bit_oles
    }
    fn fetch<P: Preprocessing, C: Channel>(
        pre: &mut P,
        channel: &mut C,
        n: usize,
    ) -> impl Future<Output = Result<Self, P::Error>> + Send {
        pre.bit_oles::<R, C>(channel, n)
    }
}

impl Material for LeafOts {
    held_as!(len);
    fn slot(stock: &mut Stock) -> &mut Self {
        &mut stock.leaves
    }
    fn of(needs: &Needs) -> usize {
        needs.leaf_ots
    }
    fn fetch<P: Preprocessing, C: Channel>(
        pre: &mut P,
        channel: &mut C,
        n: usize,
    ) -> impl Future<Output = Result<Self, P::Error>> + Send {
        pre.leaf_ots(channel, n)
    }
}
