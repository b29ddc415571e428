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

/// Shares of `[count < threshold]` per count (`zero_ok[i]`: and `count !=
/// 0`, i.e. `[count < threshold] - [count < min(threshold, 1)]` for
/// non-negative counts; a threshold of 0, allowed when disclosure control
/// is off, fails nothing). Only the zero-allowed counts are compared twice.
///
/// Every count lies in `[-bound, bound)` (the plan's [`crate::plan::Plan::count_bound`]),
/// so thresholds above `bound` act as `bound`, `count - threshold` lies in
/// `(-2 bound, 2 bound)` and the comparison runs on the bits that needs
/// (`ltz_within`) instead of the ring's: for 1,000 rows per side, 13 bits
/// rather than 64 or 128.
pub(crate) async fn below<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    counts: &Shared<R>,
    thresholds: &[u64],
    zero_ok: &[bool],
    bound: u64,
) -> Result<Shared<R>, EngineError> {
    let n = counts.len();
    let bound = bound.clamp(1, CAP);
    let twice: Vec<usize> = (0..n)
        .filter(|&i| zero_ok.get(i).copied().unwrap_or(false))
        .collect();
    let mut inputs = counts.shares().to_vec();
    let mut limits: Vec<u64> = thresholds.iter().map(|&t| t.min(bound)).collect();
    for &i in &twice {
        inputs.push(counts.shares().get(i).copied().unwrap_or(R::ZERO));
        limits.push(thresholds.get(i).map_or(1, |&t| t.min(1)));
    }
    if limits.len() != inputs.len() {
        return Err(EngineError::Length {
            step: "threshold",
            source: duet_core::LengthMismatch {
                left: limits.len(),
                right: inputs.len(),
            },
        });
    }
    let limits: Vec<R> = limits.into_iter().map(R::from_u64).collect();
    let diff = Shared::from_shares(inputs)
        .sub(&engine.constant(&limits))
        .map_err(|source| EngineError::Length {
            step: "threshold",
            source,
        })?;
    let lt = engine.ltz_within(&diff, comparison_bits(bound)).await?;
    let mut fail = lt.shares().get(..n).unwrap_or_default().to_vec();
    for (k, &i) in twice.iter().enumerate() {
        let zero = lt.shares().get(n + k).copied().unwrap_or(R::ZERO);
        if let Some(f) = fail.get_mut(i) {
            *f -= zero;
        }
    }
    Ok(Shared::from_shares(fail))
}

/// Bits holding every value of `(-2 bound, 2 bound)` in two's complement.
fn comparison_bits(bound: u64) -> u32 {
    (64 - bound.leading_zeros()) + 2
}

#[cfg(test)]
mod tests {
    use duet_core::{Engine, InsecureDealer, MemoryChannel, Role, Z128, Z64};
    use rand::SeedableRng;

    use super::*;

    /// Both parties' rule bits, opened, for counts shared by P0.
    fn bits<R: Ring>(counts: &[u64], thr: &[u64], zero_ok: &[bool], bound: u64) -> Vec<i128> {
        let (c0, c1) = MemoryChannel::pair();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let mut e0 = Engine::new(
            Role::P0,
            c0,
            InsecureDealer::new(Role::P0, [5; 32]),
            &mut rng,
        );
        let mut e1 = Engine::new(
            Role::P1,
            c1,
            InsecureDealer::new(Role::P1, [5; 32]),
            &mut rng,
        );
        let values: Vec<R> = counts.iter().map(|&c| R::from_u64(c)).collect();
        let n = values.len();
        let p0 = async {
            let x = e0.share_input(&values).await.unwrap();
            let f = below(&mut e0, &x, thr, zero_ok, bound).await.unwrap();
            e0.open(&f).await.unwrap()
        };
        let p1 = async {
            let x = e1.receive_input::<R>(n).await.unwrap();
            let f = below(&mut e1, &x, thr, zero_ok, bound).await.unwrap();
            e1.open(&f).await.unwrap()
        };
        let (a, b) = futures::executor::block_on(futures::future::join(p0, p1));
        assert_eq!(a, b);
        a.iter().map(|v| v.to_i128()).collect()
    }

    /// Counts at 0, 1, the threshold's neighbours and the bound itself,
    /// thresholds above the bound (every count fails), in both rings.
    #[test]
    fn counts_up_to_the_bound_compare_exactly_on_few_bits() {
        let bound = 2 * 1000 + 1;
        let counts = [0, 1, 9, 10, 11, 2000, 2000, 0, 5, 2000];
        let thr = [10, 10, 10, 10, 10, 2000, u64::MAX, 10, 10, 0];
        let zero_ok = [
            false, false, false, false, false, false, false, true, true, true,
        ];
        let want = [1, 1, 1, 0, 0, 0, 1, 0, 1, 0];
        assert_eq!(bits::<Z64>(&counts, &thr, &zero_ok, bound), want);
        assert_eq!(bits::<Z128>(&counts, &thr, &zero_ok, bound), want);
        assert_eq!(comparison_bits(bound), 13);
    }
}
