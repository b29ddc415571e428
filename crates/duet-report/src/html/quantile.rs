//! A quantile statistic's table: one row per group, one column per
//! probability, and the interquartile range when both quartiles are out.

use std::fmt::Write;

use super::esc;
use super::tables::{note, open, row};
use duet_stats::results::QuantileResult;

/// Renders the quantiles of every group.
pub(super) fn quantile(h: &mut String, q: &QuantileResult) {
    note(h, &format!("{}: {}.", q.column, q.definition));
    let has_iqr = q.groups.iter().any(|g| g.iqr.is_some());
    let mut headers = vec!["Group".to_string(), "n".to_string()];
    headers.extend(q.p.iter().map(|p| format!("q({})", esc(&p.to_string()))));
    if has_iqr {
        headers.push("IQR".into());
    }
    let heads: Vec<&str> = headers.iter().map(String::as_str).collect();
    open(h, "cells quantiles", &heads);
    for g in &q.groups {
        if g.suppressed {
            let _ = writeln!(
                h,
                "<tr class=\"suppressed\"><td>{}</td><td colspan=\"{}\">suppressed</td></tr>",
                esc(&g.group),
                heads.len() - 1
            );
            continue;
        }
        let mut tds = vec![
            esc(&g.group),
            g.n.map_or_else(String::new, |n| n.to_string()),
        ];
        for (i, _) in q.p.iter().enumerate() {
            let v = g.quantiles.get(i).and_then(|v| v.value);
            tds.push(v.map_or_else(|| "withheld".to_string(), |v| esc(&v.to_string())));
        }
        if has_iqr {
            tds.push(g.iqr.map_or_else(String::new, |v| esc(&v.to_string())));
        }
        row(h, &tds);
    }
    h.push_str("</table>\n");
    if q.groups
        .iter()
        .any(|g| g.quantiles.iter().any(|v| v.value.is_none()))
    {
        note(
            h,
            "A quantile is withheld where n * p or n * (1 - p) is below min_cell: it would be one of the few most extreme records.",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quantile_fixture::two_groups;

    #[test]
    fn a_row_per_group_a_column_per_p_and_the_iqr() {
        let mut h = String::new();
        quantile(&mut h, &two_groups());
        assert!(h.contains(
            "<tr><th>Group</th><th>n</th><th>q(0.1)</th><th>q(0.25)</th><th>q(0.5)</th><th>q(0.75)</th><th>IQR</th></tr>"
        ), "{h}");
        assert!(h.contains(
            "<tr><td>smoker=no</td><td>40</td><td>withheld</td><td>118.2</td><td>126</td><td>138.5</td><td>20.3</td></tr>"
        ), "{h}");
        assert!(h.contains(
            "<tr class=\"suppressed\"><td>smoker=&lt;yes&gt;</td><td colspan=\"6\">suppressed</td></tr>"
        ), "{h}");
        assert!(h.contains("A quantile is withheld where n * p"), "{h}");
    }
}
