//! The quantile search on shares: a binary search over a grid in which
//! every opened bit is a bit of the answer.
//!
//! For a lane (one group and one `p`) on a grid of `2^L` offsets or fewer
//! from `min`, level `j` (from `L - 1` down to 0) asks whether the answer's
//! offset is at most `c = prefix + 2^j - 1`, where `prefix` holds the
//! answer's bits above `j` (opened at earlier levels):
//! 1. each side counts its own records of the group at or below `min + c`
//!    (plaintext, its own rows only) and secret-shares the count;
//! 2. the pooled count `C` is compared with `p * n` exactly, on shares:
//!    `d = C * 10^k - p_scaled * n` (`n` the pooled count, on shares), and
//!    `[d < 0]` is computed by the engine's comparison;
//! 3. that bit is opened. It is bit `j` of the answer's offset: `d < 0`
//!    means fewer than `p * n` records lie at or below `min + c`, so the
//!    answer is above `c` and bit `j` is 1; otherwise it is 0.
//!
//! The answer is `min + prefix` after level 0. The opened bits are exactly
//! the binary digits of the answer's offset, so they say nothing the
//! answer does not. A candidate beyond the grid's end compares as "at or
//! above" (every record counts), giving a 0 bit, as the answer implies.
//!
//! All lanes of all quantile statistics run level by level together: one
//! input exchange, one comparison batch and one opening per level, so a
//! study's quantiles take `max L` levels whatever the number of groups and
//! probabilities. The release rule's comparison joins the first level's
//! batch; its bits are opened first, and only lanes that pass open any bit
//! of the search. Every passing lane compares at each of its levels (its
//! cost is fixed by the job and public bits), so the material is produced
//! in two preprocessing calls: the first level's, then all the others'.

use duet_core::{Channel, Engine, Needs, Preprocessing, Ring, Shared};

use crate::release::{open_bits, GateError};

/// One quantile to find: a group's records for one probability.
#[derive(Debug)]
pub(crate) struct Lane<'a, R> {
    /// This side's values of the group, ascending (grid units).
    pub(crate) own: &'a [i64],
    /// This side's share of the group's pooled count `n`.
    pub(crate) n: R,
    /// The grid's first value.
    pub(crate) min: i64,
    /// Bisection levels (`ceil(log2(grid size))`).
    pub(crate) levels: u32,
    /// The probability times `scale`.
    pub(crate) p_scaled: i64,
    /// `10^k`.
    pub(crate) scale: i64,
}

/// What levels `from..` of the search of the lanes marked in `on`
/// consume: per level, one comparison per lane still searching, on
/// `bits`-bit values.
fn needs<R: Ring>(lanes: &[Lane<'_, R>], on: &[bool], from: u32, bits: u32) -> Needs {
    let top = lanes.iter().map(|l| l.levels).max().unwrap_or(0);
    (from..top).fold(Needs::default(), |acc, r| {
        let m = lanes
            .iter()
            .zip(on)
            .filter(|(l, &on)| on && l.levels > r)
            .count();
        acc + Needs::for_ltz_within::<R>(m, bits)
    })
}

/// Decides each lane's rule and finds the quantile of every lane that
/// passes (in grid units; `None` where the rule withheld it). `rule`
/// holds shares of a value per lane that is negative exactly when the lane
/// must be withheld; it is compared in the same batch as the first level
/// and opened first, and the first level's bits are opened only for the
/// lanes that pass. Both sides call it with the same lanes in the same
/// order (their own values differ); `bits` bounds every compared value
/// (`rule`, and `count * 10^k - p_scaled * n`) below `2^(bits - 1)`.
pub(crate) async fn bisect<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    lanes: &[Lane<'_, R>],
    rule: &[R],
    bits: u32,
) -> Result<(Vec<bool>, Vec<Option<i64>>), GateError> {
    let mut prefix = vec![0u64; lanes.len()];
    engine
        .preprocess::<R>(first_needs(lanes, rule.len(), bits))
        .await?;
    let fail = first_level(engine, lanes, rule, &mut prefix, bits).await?;
    let pass: Vec<bool> = fail.iter().map(|f| !f).collect();
    let top = lanes.iter().map(|l| l.levels).max().unwrap_or(0);
    engine.preprocess::<R>(needs(lanes, &pass, 1, bits)).await?;
    for r in 1..top {
        let active: Vec<usize> = (0..lanes.len())
            .filter(|&i| pass.get(i) == Some(&true) && lanes.get(i).is_some_and(|l| l.levels > r))
            .collect();
        let counts = candidate_counts(lanes, &active, &prefix, r);
        let d = differences(engine, lanes, &active, &counts).await?;
        let below = engine.ltz_within(&d, bits).await?;
        let above = open_bits(engine, &below).await?;
        set_bits(lanes, &active, &above, &mut prefix, r);
    }
    let found = answers(lanes, &prefix)
        .into_iter()
        .zip(&pass)
        .map(|(v, &p)| p.then_some(v))
        .collect();
    Ok((fail, found))
}

/// The first level's material: the rule's comparisons and one per lane
/// with at least one level.
fn first_needs<R: Ring>(lanes: &[Lane<'_, R>], rules: usize, bits: u32) -> Needs {
    let searching = lanes.iter().filter(|l| l.levels > 0).count();
    Needs::for_ltz_within::<R>(rules + searching, bits)
}

/// The rule and the first level in one comparison batch: opens the rule
/// bits (true: withheld), then the first level's bits of the lanes that
/// pass, and sets them in `prefix`.
async fn first_level<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    lanes: &[Lane<'_, R>],
    rule: &[R],
    prefix: &mut [u64],
    bits: u32,
) -> Result<Vec<bool>, GateError> {
    let active: Vec<usize> = (0..lanes.len())
        .filter(|&i| lanes.get(i).is_some_and(|l| l.levels > 0))
        .collect();
    let counts = candidate_counts(lanes, &active, prefix, 0);
    let d = differences(engine, lanes, &active, &counts).await?;
    let both = Shared::concat(&[&Shared::from_shares(rule.to_vec()), &d]);
    let below = engine.ltz_within(&both, bits).await?;
    let (rules, level) = below.shares().split_at(rule.len().min(below.len()));
    let fail = open_bits(engine, &Shared::from_shares(rules.to_vec())).await?;
    let kept: Vec<(usize, R)> = active
        .iter()
        .zip(level)
        .filter(|(&i, _)| fail.get(i) == Some(&false))
        .map(|(&i, &b)| (i, b))
        .collect();
    if !kept.is_empty() {
        let shares = Shared::from_shares(kept.iter().map(|(_, b)| *b).collect());
        let above = open_bits(engine, &shares).await?;
        let at: Vec<usize> = kept.iter().map(|(i, _)| *i).collect();
        set_bits(lanes, &at, &above, prefix, 0);
    }
    Ok(fail)
}

/// This side's count of each active lane's records at or below its
/// candidate at round `r`.
fn candidate_counts<R: Ring>(
    lanes: &[Lane<'_, R>],
    active: &[usize],
    prefix: &[u64],
    r: u32,
) -> Vec<R> {
    active
        .iter()
        .filter_map(|&i| {
            let l = lanes.get(i)?;
            let c = candidate(prefix.get(i).copied().unwrap_or(0), l.levels - 1 - r);
            Some(own_count(l, c))
        })
        .collect()
}

/// Sets bit `levels - 1 - r` of each lane in `at` whose opened bit says
/// the answer lies above its candidate.
fn set_bits<R>(lanes: &[Lane<'_, R>], at: &[usize], above: &[bool], prefix: &mut [u64], r: u32) {
    for (&i, &up) in at.iter().zip(above) {
        if let (true, Some(l), Some(p)) = (up, lanes.get(i), prefix.get_mut(i)) {
            *p |= 1 << (l.levels - 1 - r);
        }
    }
}

/// The offset asked about at level `j`: every bit below `j` set.
fn candidate(prefix: u64, j: u32) -> u64 {
    prefix | ((1u64 << j) - 1)
}

/// This side's records of the lane at or below `min + offset`.
fn own_count<R: Ring>(lane: &Lane<'_, R>, offset: u64) -> R {
    let v = i128::from(lane.min) + i128::from(offset);
    let count = lane.own.partition_point(|&x| i128::from(x) <= v);
    R::from_u64(count as u64)
}

/// Shares the counts and returns, per active lane, shares of `d = C *
/// 10^k - p_scaled * n` for its pooled count `C`: negative exactly when
/// the answer lies above the candidate.
async fn differences<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    lanes: &[Lane<'_, R>],
    active: &[usize],
    counts: &[R],
) -> Result<Shared<R>, GateError> {
    let mine = engine.share_input(counts).await?;
    let theirs = engine.receive_input::<R>(counts.len()).await?;
    let pooled = mine.add(&theirs).map_err(length)?;
    let d: Vec<R> = active
        .iter()
        .zip(pooled.shares())
        .map(|(&i, &c)| match lanes.get(i) {
            Some(l) => c * R::from_i128(l.scale.into()) - l.n * R::from_i128(l.p_scaled.into()),
            None => R::ZERO,
        })
        .collect();
    Ok(Shared::from_shares(d))
}

fn length(source: duet_core::LengthMismatch) -> GateError {
    GateError::Engine(duet_core::EngineError::Length {
        step: "quantile counts",
        source,
    })
}

fn answers<R>(lanes: &[Lane<'_, R>], prefix: &[u64]) -> Vec<i64> {
    lanes
        .iter()
        .zip(prefix)
        .map(|(l, &p)| {
            let v = i128::from(l.min) + i128::from(p);
            i64::try_from(v).unwrap_or(i64::MAX)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_set_every_lower_bit() {
        assert_eq!(candidate(0, 3), 7);
        assert_eq!(candidate(8, 2), 11);
        assert_eq!(candidate(12, 0), 12);
    }
}
