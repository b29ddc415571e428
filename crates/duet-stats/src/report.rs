//! The readable report: the released values, the enforced policy, what
//! crossed the link, and this side's load log.

use std::fmt::Write;

use crate::job::hex;
use crate::output::RunInfo;
use crate::results::{CellResult, CorrelationResult, RegressionResult, Results, StatBody};

/// Renders the report text.
pub(crate) fn render(r: &Results, run: &RunInfo<'_>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "duet study report: {}", r.job_name);
    let _ = writeln!(s, "job hash           {}", r.job_hash);
    let _ = writeln!(s, "transcript digest  {}", hex(&run.transcript_digest));
    let _ = writeln!(s, "this side          {}", run.role);
    let _ = writeln!(s, "ring               {:?}", r.ring);
    let p = &r.policy;
    let _ = writeln!(
        s,
        "policy enforced    min_cell {}, min_group {}, max_params_ratio {}",
        p.min_cell, p.min_group, p.max_params_ratio
    );
    for st in &r.statistics {
        let _ = writeln!(s, "\n{}", st.label);
        match &st.body {
            StatBody::Cells { cells } => cells.iter().for_each(|c| cell(&mut s, c)),
            StatBody::Correlation(c) => correlation(&mut s, c),
            StatBody::Regression(g) => regression(&mut s, g),
            _ => {
                let _ = writeln!(s, "  (see results.json)");
            }
        }
    }
    traffic(&mut s, run);
    s
}

fn cell(s: &mut String, c: &CellResult) {
    if c.suppressed {
        let _ = writeln!(s, "  {:<32} suppressed", c.cell);
        return;
    }
    let _ = write!(s, "  {:<32} n = {}", c.cell, c.n.unwrap_or(0));
    if let Some(sum) = &c.sum {
        let _ = write!(s, "  sum = {sum}");
    }
    if let Some(v) = c.value {
        let _ = write!(s, "  value = {v:.6}");
    }
    if let Some(note) = &c.note {
        let _ = write!(s, "  ({note})");
    }
    s.push('\n');
}

fn correlation(s: &mut String, c: &CorrelationResult) {
    let Some(m) = &c.matrix else {
        let _ = writeln!(s, "  suppressed");
        return;
    };
    let _ = writeln!(s, "  n = {}", c.n.unwrap_or(0));
    for (name, row) in c.columns.iter().zip(m) {
        let cells: Vec<String> = row
            .iter()
            .map(|v| v.map_or("   n/a".into(), |v| format!("{v:>6.3}")))
            .collect();
        let _ = writeln!(s, "  {name:<16} {}", cells.join(" "));
    }
}

fn regression(s: &mut String, g: &RegressionResult) {
    if g.suppressed {
        let _ = writeln!(s, "  suppressed");
        return;
    }
    let _ = writeln!(s, "  n = {}, outcome {}", g.n.unwrap_or(0), g.y);
    if let Some(note) = &g.note {
        let _ = writeln!(s, "  {note}");
    }
    for c in &g.coefficients {
        let se = c.std_error.map_or("n/a".into(), |v| format!("{v:.6}"));
        let _ = writeln!(s, "  {:<24} {:>14.6}  se {se}", c.term, c.estimate);
    }
    if let Some(r2) = g.r_squared {
        let _ = writeln!(s, "  R^2 = {r2:.6}");
    }
}

fn traffic(s: &mut String, run: &RunInfo<'_>) {
    let _ = writeln!(s, "\nmessages (sent / received)");
    for row in run.traffic.rows() {
        let c = row.count;
        let _ = writeln!(
            s,
            "  {} {:<16} {} frames {} bytes / {} frames {} bytes",
            row.code, row.kind, c.sent_frames, c.sent_bytes, c.received_frames, c.received_bytes
        );
    }
    if let Some(log) = run.load_log {
        let _ = writeln!(
            s,
            "\nlocal data (not shared): {} rows read, {} used",
            log.rows_read, log.rows_used
        );
        for (col, d) in &log.dropped {
            let _ = writeln!(
                s,
                "  dropped for {col}: {} missing, {} out of bounds, {} unknown level",
                d.missing, d.out_of_bounds, d.unknown_level
            );
        }
    }
}
