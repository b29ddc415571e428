//! Pooled threshold: a gated count below its threshold withholds its cell.
//!
//! Guarantee: every released cell, every category level inside a model,
//! every survival interval's number at risk covers at least `threshold`
//! pooled records (`min_cell`, or `max(min_cell, min_group)` for means and
//! models, raised for regressions by `max_params_ratio`). Decided on
//! shares: only the combined rule bit of the cell is opened, never the
//! count. Zero-allowed counts (a survival interval's events or censored)
//! pass at 0 as well, as DataSHIELD's "minimum non-zero cell count" does:
//! a 0 says no record of the interval had that outcome.
//!
//! Attack tests: `tests/attacks/levels.rs` (model levels) and
//! `tests/attacks/secondary.rs` (differencing).

use duet_core::{Channel, Engine, EngineError, Preprocessing, Ring, Shared};

/// Every count is below 2^62 (the planner's bound), so clamping the
/// threshold there keeps `count - threshold` exact.
const CAP: u64 = 1 << 62;

/// Shares of `[count < threshold]` per count (`zero_ok`: and `count != 0`,
/// i.e. `[count < threshold] - [count < 1]` for non-negative counts).
pub(crate) async fn below<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    counts: &Shared<R>,
    thresholds: &[u64],
    zero_ok: bool,
) -> Result<Shared<R>, EngineError> {
    let thr: Vec<R> = thresholds
        .iter()
        .map(|&t| R::from_u64(t.min(CAP)))
        .collect();
    if !zero_ok {
        return engine.lt(counts, &engine.constant(&thr)).await;
    }
    let ones = vec![R::from_u64(1); thr.len()];
    let both = Shared::concat(&[counts, counts]);
    let mut limits = thr;
    limits.extend(ones);
    let lt = engine.lt(&both, &engine.constant(&limits)).await?;
    let n = counts.len();
    let (small, zero) = (lt.slice(0..n), lt.slice(n..2 * n));
    match (small, zero) {
        (Some(s), Some(z)) => s.sub(&z).map_err(|source| EngineError::Length {
            step: "threshold",
            source,
        }),
        _ => Err(EngineError::Length {
            step: "threshold",
            source: duet_core::LengthMismatch {
                left: lt.len(),
                right: 2 * n,
            },
        }),
    }
}
