//! (n, k) dominance for sums and means: a cell is withheld when its `n`
//! largest contributions (in absolute value) hold more than `k` percent of
//! the cell's total of absolute values.
//!
//! Guarantee: in a released sum or mean, no `n` records together make up
//! more than `k`% of the cell's total, so one large contributor (a single
//! very high value among small ones) cannot be read off the released sum
//! by anyone who knows or guesses the rest.
//!
//! How: each side enters, per cell, its total of |x| and the prefix sums of
//! its own top-n |x| (sorted, padded with 0) as shares. The pooled top-n is
//! `max_i (A_i + B_(n-i))` over the two sides' prefix sums, found with n
//! secure comparisons; then `100 top > k total` is compared on shares and
//! OR-ed into the cell's rule bit. Nothing of it is opened. Pooled studies
//! only (a linked study's sums are inner products with no per-side
//! records), and off under DP (as the per-party rule).
//!
//! Attack tests: `tests/attacks/dominance.rs`.

use duet_core::{Channel, Engine, EngineError, Preprocessing, Ring, Role, Shared};

/// The largest `n` the rule accepts.
pub const MAX_N: usize = 10;

/// This side's input per dominance cell: `[sum |x|, A_1, .., A_n]` with
/// `A_i` the sum of its `i` largest |x|.
pub(crate) fn own_inputs<R: Ring>(tops: &[i128], n: usize) -> Vec<R> {
    let mut out = Vec::with_capacity(tops.len());
    for cell in tops.chunks(n + 1) {
        out.push(R::from_i128(cell.first().copied().unwrap_or(0)));
        let mut prefix = 0i128;
        for &t in cell.iter().skip(1) {
            prefix = prefix.wrapping_add(t);
            out.push(R::from_i128(prefix));
        }
    }
    out
}

/// Shares of the violation bit per dominance cell (`cells` cells).
pub(crate) async fn violated<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    mine: &[R],
    cells: usize,
    (n, k): (usize, u32),
) -> Result<Shared<R>, EngineError> {
    let ours = engine.share_input(mine).await?;
    let theirs = engine.receive_input::<R>(cells * (n + 1)).await?;
    let (a, b) = match engine.role() {
        Role::P0 => (ours, theirs),
        Role::P1 => (theirs, ours),
    };
    // Cell c's slot j: j = 0 its total of |x|, j = i its prefix A_i.
    let slot = |x: &Shared<R>, c: usize, j: usize| -> R {
        x.shares().get(c * (n + 1) + j).copied().unwrap_or(R::ZERO)
    };
    let prefix = |x: &Shared<R>, c: usize, i: usize| match i {
        0 => R::ZERO,
        _ => slot(x, c, i),
    };
    let candidate = |i: usize| -> Shared<R> {
        Shared::from_shares(
            (0..cells)
                .map(|c| prefix(&a, c, i) + prefix(&b, c, n - i))
                .collect(),
        )
    };
    let mut top = candidate(0);
    for i in 1..=n {
        let next = candidate(i);
        let bigger = engine.lt(&top, &next).await?;
        top = engine.select(&bigger, &next, &top).await?;
    }
    let totals: Vec<R> = (0..cells)
        .map(|c| slot(&a, c, 0) + slot(&b, c, 0))
        .collect();
    let lhs = Shared::from_shares(totals).mul_scalar(R::from_u64(u64::from(k)));
    let rhs = top.mul_scalar(R::from_u64(100));
    engine.lt(&lhs, &rhs).await
}
