//! The survival section's summary: each curve's estimator and median with
//! its limits, and the log-rank test between the groups.

use std::fmt::Write;

use super::tables::{note, open, row};
use super::{esc, num};
use crate::report::estimator_name;
use duet_stats::results::SurvivalResult;

/// Medians per group, then the log-rank test (or why there is none).
pub(super) fn summary(h: &mut String, s: &SurvivalResult) {
    open(
        h,
        "survival-medians",
        &["Group", "Estimator", "Median", "95% CI"],
    );
    let t = |v: Option<f64>| v.map_or("not reached".to_string(), |v| num(v, 4));
    for c in &s.curves {
        let m = &c.median;
        row(
            h,
            &[
                esc(&c.group),
                estimator_name(c.estimator).to_string(),
                t(m.time),
                format!("{} to {}", t(m.ci_low), t(m.ci_high)),
            ],
        );
    }
    h.push_str("</table>\n");
    if let Some(lr) = &s.log_rank {
        let _ = writeln!(
            h,
            "<p>Log-rank test: chi-square {}, df {}, p {}</p>",
            num(lr.chi_square, 4),
            lr.df,
            esc(&format!("{:.4e}", lr.p_value))
        );
        open(h, "log-rank", &["Group", "Observed", "Expected"]);
        for g in &lr.groups {
            row(h, &[esc(&g.group), num(g.observed, 1), num(g.expected, 3)]);
        }
        h.push_str("</table>\n");
    }
    if let Some(n) = &s.note {
        note(h, n);
    }
}
