//! Checks of a `quantile` statistic: its probabilities, the size of the
//! grid its bisection searches, and the studies it may run in.
//!
//! A quantile is searched on the column's declared grid (`min` to `max` in
//! steps of `10^-places`), one opened bit per halving, so the grid's size
//! fixes the rounds: at most 2^[`MAX_QUANTILE_LEVELS`] values. Each `p` is
//! an exact decimal with at most [`MAX_QUANTILE_PLACES`] places, so that
//! `count >= p * n` is decided exactly in integers on shares
//! (`count * 10^k >= p_scaled * n`).

use super::spec::{JobSpec, StatisticSpec};
use super::{statistic_label, Column, ColumnType, Decimal, JobError};

/// Most probabilities one quantile statistic may list.
pub const MAX_QUANTILES: usize = 32;
/// Most decimal places of a probability.
pub const MAX_QUANTILE_PLACES: u32 = 6;
/// Most bisection levels (the grid holds at most 2^40 values).
pub const MAX_QUANTILE_LEVELS: u32 = 40;

/// A quantile statistic's grid and probabilities, in integers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuantileGrid {
    /// The column's decimal places (the grid's step is `10^-places`).
    pub places: u32,
    /// The grid's first value, in units of the step.
    pub min: i64,
    /// The grid's last value, in units of the step.
    pub max: i64,
    /// Decimal places `k` shared by the probabilities.
    pub p_places: u32,
    /// Each probability times `10^k`, in job order.
    pub p_scaled: Vec<i64>,
}

impl QuantileGrid {
    /// Values on the grid: `max - min + 1`.
    pub fn size(&self) -> u128 {
        (i128::from(self.max) - i128::from(self.min)).unsigned_abs() + 1
    }

    /// Bisection levels: `ceil(log2(size))` (0 for a one-value grid).
    pub fn levels(&self) -> u32 {
        levels_for(self.size())
    }

    /// `10^k`, the denominator of every probability.
    pub fn p_scale(&self) -> i64 {
        10i64.pow(self.p_places)
    }
}

/// `ceil(log2(size))`: the bits of an offset into a grid of `size` values.
pub(crate) fn levels_for(size: u128) -> u32 {
    if size <= 1 {
        0
    } else {
        128 - (size - 1).leading_zeros()
    }
}

fn bad(label: &str, reason: String) -> JobError {
    JobError::BadStatistic {
        statistic: label.into(),
        reason,
    }
}

/// The grid of quantile statistic `label` over `column` (validated as
/// numeric by the caller) with probabilities `p`.
pub(crate) fn grid(
    label: &str,
    cols: &[Column],
    column: &str,
    p: &[Decimal],
) -> Result<QuantileGrid, JobError> {
    let Some(ColumnType::Numeric { places, min, max }) =
        cols.iter().find(|c| c.name == column).map(|c| c.ty.clone())
    else {
        return Err(JobError::WrongColumnKind {
            statistic: label.into(),
            column: column.into(),
            expected: "numeric",
        });
    };
    let (p_places, p_scaled) = probabilities(label, p)?;
    let grid = QuantileGrid {
        places,
        min,
        max,
        p_places,
        p_scaled,
    };
    let levels = grid.levels();
    if levels > MAX_QUANTILE_LEVELS {
        let step = super::format_scaled(1, places);
        return Err(bad(
            label,
            format!(
                "column '{column}' spans {} grid values (its bounds in steps of {step}), {levels} bisection levels; at most 2^{MAX_QUANTILE_LEVELS} values: narrow the bounds or declare fewer places",
                grid.size()
            ),
        ));
    }
    Ok(grid)
}

/// The common places `k` and each `p * 10^k`, after checking the list.
fn probabilities(label: &str, p: &[Decimal]) -> Result<(u32, Vec<i64>), JobError> {
    if p.is_empty() {
        return Err(bad(label, "p must list at least one probability".into()));
    }
    if p.len() > MAX_QUANTILES {
        return Err(bad(
            label,
            format!("p lists {} probabilities; at most {MAX_QUANTILES}", p.len()),
        ));
    }
    if let Some(d) = p.iter().find(|d| d.places() > MAX_QUANTILE_PLACES) {
        return Err(bad(
            label,
            format!("p = {d} has more than {MAX_QUANTILE_PLACES} decimal places"),
        ));
    }
    let k = p.iter().map(Decimal::places).max().unwrap_or(0);
    let scale = 10i64.pow(k);
    let mut scaled = Vec::with_capacity(p.len());
    for d in p {
        match d.scaled(k) {
            Some(v) if v > 0 && v < scale => scaled.push(v),
            _ => {
                return Err(bad(
                    label,
                    format!("p = {d} is not strictly between 0 and 1"),
                ))
            }
        }
    }
    if let Some(w) = scaled.windows(2).position(|w| w[0] >= w[1]) {
        let (a, b) = (p.get(w), p.get(w + 1));
        let text = |d: Option<&Decimal>| d.map_or_else(String::new, Decimal::to_string);
        return Err(bad(
            label,
            format!(
                "p must be strictly increasing (found {} then {})",
                text(a),
                text(b)
            ),
        ));
    }
    Ok((k, scaled))
}

/// Quantiles run on each side's own records of a pooled study, without
/// DP: refused in a linked study and under `policy.dp`.
pub(super) fn allowed(spec: &JobSpec) -> Result<(), JobError> {
    let Some(s) = spec
        .statistic
        .iter()
        .find(|s| matches!(s, StatisticSpec::Quantile { .. }))
    else {
        return Ok(());
    };
    let label = statistic_label(s);
    if spec.policy.dp.is_some() {
        return Err(bad(
            &label,
            "cannot be released under policy.dp (one record can move a quantile across the whole grid, so no noise scale follows from the bounds; DP quantiles need the exponential mechanism, not built); drop policy.dp or this statistic".into(),
        ));
    }
    if spec.link.is_some() {
        return Err(bad(
            &label,
            "is not available in a linked study (each side counts its own records of the column, which a join does not give it); run it as a pooled study".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_the_bits_of_the_largest_offset() {
        assert_eq!(levels_for(1), 0);
        assert_eq!(levels_for(2), 1);
        assert_eq!(levels_for(3), 2);
        assert_eq!(levels_for(4), 2);
        assert_eq!(levels_for(5), 3);
        assert_eq!(levels_for(2501), 12);
        assert_eq!(levels_for(1 << 40), 40);
        assert_eq!(levels_for((1 << 40) + 1), 41);
    }
}
