//! Per-party threshold: each side's part of a released count is 0 or at
//! least `min_cell_per_party`.
//!
//! Guarantee: when a cell is released, the pooled value minus one side's
//! own part (which that side knows) covers 0 or at least
//! `min_cell_per_party` of the other side's records, so subtraction never
//! isolates fewer than that many of them. A cell of 2 records of one side
//! and 9 of the other is withheld even though 11 passes the pooled
//! threshold.
//!
//! How: each side computes from its own aggregates, in the clear, the bit
//! `0 < own count < min_cell_per_party` for every gated count; the two
//! sides' bits are OR-ed on shares (a product of two known bits, from a
//! bit-OLE pair) into the cell's rule bit, so the peer never sees this
//! side's bit alone. Only pooled studies have own
//! parts; in a linked study every record is both sides' and the rule does
//! not apply. Under DP the rule is off: a bit computed from exact local
//! counts would not be covered by the noise, and the DP guarantee already
//! bounds what subtraction gives.
//!
//! Attack tests: `tests/attacks/per_party.rs`.

use duet_core::{Channel, Engine, EngineError, Preprocessing, Ring, Shared};

use super::gates::GatedCount;

/// This side's violation bit per gated count, from its own aggregates.
pub(crate) fn own_bits<R: Ring>(gated: &[GatedCount], own: &[i128], min: u64) -> Vec<R> {
    gated
        .iter()
        .map(|g| {
            let c = g.eval(own);
            let min = g.party_min.unwrap_or(min);
            R::from_u64(u64::from(c > 0 && c < i128::from(min)))
        })
        .collect()
}

/// Shares of `a OR b` for shared bits: `a + b - a b` (one bit product).
pub(crate) async fn or<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    a: &Shared<R>,
    b: &Shared<R>,
) -> Result<Shared<R>, EngineError> {
    let len = |source| EngineError::Length {
        step: "rule bits",
        source,
    };
    let ab = engine.mul_bit(a, b).await?;
    a.add(b).and_then(|s| s.sub(&ab)).map_err(len)
}

/// Both sides' violation bits as shares, OR-ed: each side passes its own
/// (0 or 1), and `a OR b = a + b - a b` with `a b` a product of the two
/// sides' known bits, so neither bit is ever sent, even masked, on its own.
pub(crate) async fn either_side<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    mine: &[R],
) -> Result<Shared<R>, EngineError> {
    let bits: Vec<u8> = mine
        .iter()
        .map(|v| u8::from(v.to_u128() & 1 == 1))
        .collect();
    let both = engine.and_known_bits::<R>("rule bits", &bits).await?;
    let out = bits
        .iter()
        .zip(both.shares())
        .map(|(&b, &ab)| R::from_u64(u64::from(b)) - ab)
        .collect();
    Ok(Shared::from_shares(out))
}
