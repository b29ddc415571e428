//! A quantile statistic's result from what the gate and the bisection
//! opened.

use crate::job::{ColumnType, Job};
use crate::plan::{Block, Plan};
use crate::protocol::Opened;
use crate::results::{QuantileGroup, QuantileResult, QuantileValue, StatBody};

/// The result of quantile statistic `column` held in block `index` (`b`),
/// whose first plan cell is `first_cell`.
pub(crate) fn result(
    job: &Job,
    plan: &Plan,
    (index, b, first_cell): (usize, &Block, usize),
    column: &str,
    opened: &Opened,
) -> StatBody {
    let q = plan
        .quantiles()
        .iter()
        .position(|q| q.block == index)
        .and_then(|i| Some((i, plan.quantiles().get(i)?)));
    let places = match job.column(column).map(|(_, c)| &c.ty) {
        Some(ColumnType::Numeric { places, .. }) => *places,
        _ => 0,
    };
    let unit = 10f64.powi(places as i32);
    let (p, scale) = q.map_or((vec![], 1.0), |(_, q)| {
        (q.grid.p_scaled.clone(), q.grid.p_scale() as f64)
    });
    let probs: Vec<f64> = p.iter().map(|&v| v as f64 / scale).collect();
    let groups = (0..b.cells)
        .map(|g| {
            let withheld = opened
                .suppressed
                .get(first_cell + g)
                .copied()
                .unwrap_or(true);
            let n = opened
                .values
                .get(b.offset + g * b.width)
                .copied()
                .flatten()
                .filter(|_| !withheld)
                .and_then(|n| u64::try_from(n).ok());
            let found = q.and_then(|(i, _)| {
                opened
                    .quantiles
                    .iter()
                    .find(|o| o.quantile == i && o.group == g)
            });
            group(
                b.cell_name(g),
                n,
                &probs,
                found.map(|o| &o.values[..]),
                unit,
            )
        })
        .collect();
    StatBody::Quantile(QuantileResult {
        column: column.to_string(),
        definition: format!(
            "type 1 (R's quantile type 1, the inverted empirical distribution function): the smallest value v on the grid of step {} with count(x <= v) >= p n",
            crate::job::format_scaled(1, places)
        ),
        p: probs,
        groups,
    })
}

fn group(
    name: &str,
    n: Option<u64>,
    probs: &[f64],
    found: Option<&[Option<i64>]>,
    unit: f64,
) -> QuantileGroup {
    let mut out = QuantileGroup {
        group: name.to_string(),
        suppressed: n.is_none(),
        n,
        quantiles: vec![],
        iqr: None,
        note: None,
    };
    let Some(n) = n else { return out };
    let Some(found) = found.filter(|_| n > 0) else {
        out.note = Some("no records".into());
        return out;
    };
    out.quantiles = probs
        .iter()
        .zip(found)
        .map(|(&p, v)| QuantileValue {
            p,
            value: v.map(|v| v as f64 / unit),
            note: v.is_none().then(|| {
                "withheld: n * p or n * (1 - p) is below min_cell (an extreme of too few records)"
                    .to_string()
            }),
        })
        .collect();
    // From the exact grid units, so 0.3 stays 0.3.
    let units = |p: f64| {
        let i = probs.iter().position(|&x| x == p)?;
        found.get(i).copied().flatten()
    };
    out.iqr = units(0.75)
        .zip(units(0.25))
        .map(|(hi, lo)| (i128::from(hi) - i128::from(lo)) as f64 / unit);
    out
}
