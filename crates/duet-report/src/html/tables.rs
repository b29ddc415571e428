//! HTML tables: per-cell results, correlation matrices, contingency
//! tables, numbers at risk, traffic and the revealed values.

use std::fmt::Write;

use super::{esc, num};
use crate::output::RunInfo;
use duet_stats::results::{CellResult, CorrelationResult, Revealed, SurvivalCurve};

/// Opens a table with a class and a header row (header texts are ours,
/// not escaped again).
pub(super) fn open(h: &mut String, class: &str, headers: &[&str]) {
    let _ = write!(h, "<table class=\"{class}\">\n<tr>");
    for th in headers {
        let _ = write!(h, "<th>{th}</th>");
    }
    h.push_str("</tr>\n");
}

/// One row of already-escaped cells.
pub(super) fn row(h: &mut String, cells: &[String]) {
    h.push_str("<tr>");
    for td in cells {
        let _ = write!(h, "<td>{td}</td>");
    }
    h.push_str("</tr>\n");
}

/// A paragraph of escaped note text.
pub(super) fn note(h: &mut String, text: &str) {
    let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(text));
}

/// Per-cell results; suppressed cells get their own marked row. The sum,
/// value and note columns appear only when some cell has one.
pub(super) fn cells(h: &mut String, cells: &[CellResult], value_name: &str) {
    let has_sum = cells.iter().any(|c| c.sum.is_some());
    let has_value = cells.iter().any(|c| c.value.is_some());
    let has_note = cells.iter().any(|c| c.note.is_some());
    let has_interval = cells.iter().any(|c| c.interval.is_some());
    let shown = [
        (true, "n"),
        (has_sum, "Sum"),
        (has_value, value_name),
        (has_interval, "SE"),
        (has_interval, "95% CI"),
        (has_note, "Note"),
    ];
    let mut headers = vec!["Cell"];
    headers.extend(shown.iter().filter(|(on, _)| *on).map(|(_, name)| *name));
    open(h, "cells", &headers);
    for c in cells {
        if c.suppressed {
            let _ = writeln!(
                h,
                "<tr class=\"suppressed\"><td>{}</td><td colspan=\"{}\">suppressed</td></tr>",
                esc(&c.cell),
                headers.len() - 1
            );
            continue;
        }
        let mut tds = vec![
            esc(&c.cell),
            c.n.map_or_else(String::new, |n| n.to_string()),
        ];
        if has_sum {
            tds.push(c.sum.as_deref().map_or_else(String::new, esc));
        }
        if has_value {
            tds.push(c.value.map_or_else(String::new, |v| num(v, 4)));
        }
        if has_interval {
            let i = c.interval.as_ref();
            tds.push(i.map_or_else(String::new, |i| num(i.std_error, 4)));
            tds.push(i.map_or_else(String::new, |i| {
                format!("{} to {}", num(i.ci_low, 4), num(i.ci_high, 4))
            }));
        }
        if has_note {
            tds.push(c.note.as_deref().map_or_else(String::new, esc));
        }
        row(h, &tds);
    }
    h.push_str("</table>\n");
}

/// A released count for a table cell, or a marked suppressed cell.
pub(super) fn count_cell(c: Option<&CellResult>) -> String {
    match c {
        Some(c) if !c.suppressed => c.n.map_or_else(|| "n/a".into(), |n| n.to_string()),
        _ => "<span class=\"suppressed\">suppressed</span>".into(),
    }
}

/// A contingency table: row levels down, column levels across.
pub(super) fn contingency(h: &mut String, rows: &[String], cols: &[String], cells: &[CellResult]) {
    h.push_str("<table class=\"contingency\">\n<tr><th></th>");
    for c in cols {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    h.push_str("</tr>\n");
    for (i, r) in rows.iter().enumerate() {
        let _ = write!(h, "<tr><th>{}</th>", esc(r));
        for j in 0..cols.len() {
            let c = cells.get(i * cols.len() + j);
            let class = if c.is_none_or(|c| c.suppressed) {
                " class=\"suppressed\""
            } else {
                ""
            };
            let _ = write!(h, "<td{class}>{}</td>", count_cell(c));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
}

/// A correlation matrix, shaded by sign and strength.
pub(super) fn correlation(h: &mut String, c: &CorrelationResult) {
    let Some(m) = &c.matrix else {
        note(h, "Suppressed by the policy.");
        return;
    };
    let _ = writeln!(
        h,
        "<p>n = {}</p>",
        c.n.map_or("n/a".into(), |n| n.to_string())
    );
    h.push_str("<table class=\"correlation\">\n<tr><th></th>");
    for name in &c.columns {
        let _ = write!(h, "<th>{}</th>", esc(name));
    }
    h.push_str("</tr>\n");
    for (name, r) in c.columns.iter().zip(m) {
        let _ = write!(h, "<tr><th>{}</th>", esc(name));
        for v in r {
            match v.filter(|v| v.is_finite()) {
                Some(v) => {
                    let (red, blue) = if v < 0.0 { (0.0, -v) } else { (v, 0.0) };
                    let _ = write!(
                        h,
                        "<td style=\"background: rgba({}, 90, {}, {:.2})\">{v:.3}</td>",
                        if red > 0.0 { 214 } else { 40 },
                        if blue > 0.0 { 214 } else { 40 },
                        0.45 * v.abs()
                    );
                }
                None => h.push_str("<td>n/a</td>"),
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    if c.pairs.is_empty() {
        return;
    }
    open(h, "correlation-tests", &["Pair", "r", "95% CI", "p"]);
    for p in &c.pairs {
        row(
            h,
            &[
                esc(&format!("{} ~ {}", p.x, p.y)),
                num(p.r, 4),
                format!("{} to {}", num(p.ci_low, 4), num(p.ci_high, 4)),
                esc(&format!("{:.3e}", p.p_value)),
            ],
        );
    }
    h.push_str("</table>\n");
}

/// Numbers at risk at the start of each interval, one row per group;
/// intervals past a curve's end are blank.
pub(super) fn at_risk(h: &mut String, curves: &[SurvivalCurve]) {
    let Some(longest) = curves.iter().max_by_key(|c| c.steps.len()) else {
        return;
    };
    h.push_str("<table class=\"at-risk\">\n<caption>Numbers at risk (start of interval)</caption>\n<tr><th>Group</th>");
    for s in &longest.steps {
        let _ = write!(
            h,
            "<th>{}</th>",
            num(s.start, 6).trim_end_matches('0').trim_end_matches('.')
        );
    }
    h.push_str("</tr>\n");
    for c in curves {
        let _ = write!(h, "<tr><th>{}</th>", esc(&c.group));
        for k in 0..longest.steps.len() {
            match c.steps.get(k) {
                Some(s) => {
                    let _ = write!(h, "<td>{}</td>", s.at_risk);
                }
                None => h.push_str("<td class=\"suppressed\">&ndash;</td>"),
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
}

/// Each curve's steps in full, folded away.
pub(super) fn survival_steps(h: &mut String, curves: &[SurvivalCurve]) {
    for c in curves {
        let _ = writeln!(h, "<details>\n<summary>Steps: {}</summary>", esc(&c.group));
        open(
            h,
            "survival-steps",
            &[
                "Interval", "At risk", "Events", "Censored", "Survival", "95% CI",
            ],
        );
        for s in &c.steps {
            row(
                h,
                &[
                    format!("[{}, {})", num(s.start, 2), num(s.end, 2)),
                    s.at_risk.to_string(),
                    s.events.to_string(),
                    s.censored.to_string(),
                    num(s.survival, 4),
                    format!("{} to {}", num(s.ci_low, 4), num(s.ci_high, 4)),
                ],
            );
        }
        h.push_str("</table>\n</details>\n");
        if let Some(n) = &c.note {
            note(h, &format!("{}: {n}", c.group));
        }
    }
}

/// What crossed the link, per message kind, from this side's counters.
pub(super) fn traffic(h: &mut String, run: &RunInfo<'_>) {
    h.push_str("<h2 id=\"traffic\">Messages</h2>\n");
    open(
        h,
        "traffic",
        &[
            "Code",
            "Kind",
            "Frames sent",
            "Bytes sent",
            "Frames received",
            "Bytes received",
        ],
    );
    let total = run.traffic.total();
    for r in run.traffic.rows() {
        let c = r.count;
        row(
            h,
            &[
                esc(&r.code),
                esc(&r.kind),
                c.sent_frames.to_string(),
                c.sent_bytes.to_string(),
                c.received_frames.to_string(),
                c.received_bytes.to_string(),
            ],
        );
    }
    row(
        h,
        &[
            String::new(),
            "<strong>total</strong>".into(),
            total.sent_frames.to_string(),
            total.sent_bytes.to_string(),
            total.received_frames.to_string(),
            total.received_bytes.to_string(),
        ],
    );
    h.push_str("</table>\n");
    if let Some(log) = run.load_log {
        note(
            h,
            &format!(
                "Local data (never shared): {} rows read, {} used.",
                log.rows_read, log.rows_used
            ),
        );
        if let Some(l) = &log.linkage {
            note(h, &format!("Local {}.", crate::report::link_log_text(l)));
        }
    }
}

/// Every value opened, in order (folded: there can be many).
pub(super) fn revealed(h: &mut String, values: &[Revealed]) {
    let _ = writeln!(
        h,
        "<h2 id=\"revealed\">Revealed values</h2>\n<details>\n<summary>{} values were opened \
         (suppression bits, then released aggregates in units of 10^-places)</summary>",
        values.len()
    );
    open(h, "revealed", &["#", "Name", "Value"]);
    for (i, v) in values.iter().enumerate() {
        row(h, &[(i + 1).to_string(), esc(&v.name), esc(&v.value)]);
    }
    h.push_str("</table>\n</details>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(name: &str, n: Option<u64>, value: Option<f64>) -> CellResult {
        CellResult {
            cell: name.into(),
            suppressed: n.is_none(),
            n,
            sum: None,
            value,
            note: None,
            interval: None,
        }
    }

    #[test]
    fn cells_show_only_columns_with_values() {
        let mut h = String::new();
        cells(
            &mut h,
            &[cell("a<1", Some(4), None), cell("b", None, None)],
            "Mean",
        );
        assert!(h.contains("<tr><th>Cell</th><th>n</th></tr>"), "{h}");
        assert!(h.contains("<tr><td>a&lt;1</td><td>4</td></tr>"));
        assert!(h.contains("<td colspan=\"1\">suppressed</td>"));
        let mut h = String::new();
        cells(&mut h, &[cell("a", Some(4), Some(2.5))], "Mean");
        assert!(h.contains("<th>Mean</th>") && h.contains("<td>2.5000</td>"));
    }

    #[test]
    fn contingency_marks_suppressed_and_missing_cells() {
        let mut h = String::new();
        let rows = ["r1".to_string(), "r2".to_string()];
        let cols = ["c1".to_string(), "c2".to_string()];
        // The last cell is absent altogether: shown as suppressed, no panic.
        let cs = [
            cell("", Some(1), None),
            cell("", None, None),
            cell("", Some(3), None),
        ];
        contingency(&mut h, &rows, &cols, &cs);
        assert_eq!(h.matches("<td class=\"suppressed\">").count(), 2);
        assert!(h.contains("<tr><th>r2</th><td>3</td>"));
    }
}
