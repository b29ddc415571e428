//! The report's lines for a quantile statistic.

use std::fmt::Write;

use duet_stats::results::QuantileResult;

/// Writes one line per group: n, then each quantile (or why it is
/// withheld), then the interquartile range when both quartiles are out.
pub(crate) fn quantile(s: &mut String, q: &QuantileResult) {
    let _ = writeln!(s, "  {}: {}", q.column, q.definition);
    for g in &q.groups {
        if g.suppressed {
            let _ = writeln!(s, "  {:<32} suppressed", g.group);
            continue;
        }
        let _ = write!(s, "  {:<32} n = {}", g.group, g.n.unwrap_or(0));
        for v in &g.quantiles {
            match v.value {
                Some(x) => {
                    let _ = write!(s, "  q({}) = {x}", v.p);
                }
                None => {
                    let _ = write!(s, "  q({}) withheld", v.p);
                }
            }
        }
        if let Some(iqr) = g.iqr {
            let _ = write!(s, "  IQR = {iqr}");
        }
        if let Some(note) = &g.note {
            let _ = write!(s, "  ({note})");
        }
        s.push('\n');
        for v in g.quantiles.iter().filter(|v| v.value.is_none()) {
            if let Some(note) = &v.note {
                let _ = writeln!(s, "    q({}): {note}", v.p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quantile_fixture::two_groups;

    #[test]
    fn one_line_per_group_with_the_iqr_and_why_a_quantile_is_withheld() {
        let mut s = String::new();
        quantile(&mut s, &two_groups());
        let want = "  sbp: type 1
  smoker=no                        n = 40  q(0.1) withheld  q(0.25) = 118.2  q(0.5) = 126  q(0.75) = 138.5  IQR = 20.3
    q(0.1): withheld: n * p or n * (1 - p) is below min_cell
  smoker=<yes>                     suppressed
";
        assert_eq!(s, want);
    }
}
