//! The readable report: the released values, the enforced policy, what
//! crossed the link, and this side's load log.

mod disclosure;

use std::fmt::Write;

use crate::job::hex;
use crate::output::RunInfo;
use crate::results::{
    CellResult, CorrelationResult, DpSummary, LinkageSummary, LogisticResult, NoiseNote,
    RegressionResult, Results, StatBody, SurvivalResult, TTestResult, TableTestResult,
};

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
        "policy enforced    min_cell {}, min_group {}, min_cell_per_party {}, dominance n {} k {}%, max_params_ratio {}",
        p.min_cell,
        p.min_group,
        p.per_party(),
        p.dominance.n,
        p.dominance.k,
        p.max_params_ratio
    );
    let _ = writeln!(s, "disclosure control {}", r.disclosure.status());
    if let Some(dp) = &r.dp {
        privacy(&mut s, dp);
    }
    if let Some(l) = &r.linkage {
        linkage(&mut s, l);
    }
    for st in &r.statistics {
        let _ = writeln!(s, "\n{}", st.label);
        match &st.body {
            StatBody::Cells { cells } => cells.iter().for_each(|c| cell(&mut s, c)),
            StatBody::Correlation(c) => correlation(&mut s, c),
            StatBody::Regression(g) => regression(&mut s, g),
            StatBody::ChiSquare(t) | StatBody::Ratio(t) => table_test(&mut s, t),
            StatBody::TTest(t) => t_test(&mut s, t),
            StatBody::Survival(v) => survival(&mut s, v),
            StatBody::Logistic(l) => logistic(&mut s, l),
        }
        st.noise.iter().for_each(|n| noise(&mut s, n));
    }
    disclosure::section(&mut s, &r.disclosure);
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

fn privacy(s: &mut String, dp: &DpSummary) {
    let _ = writeln!(
        s,
        "differential privacy {} mechanism, epsilon {} (spent {}), delta {}",
        dp.mechanism,
        dp.epsilon,
        dp.epsilon_spent,
        crate::html::delta(dp.delta)
    );
    if let Some(rho) = dp.rho {
        let _ = writeln!(s, "                   rho-zCDP {rho}");
    }
    let _ = writeln!(s, "                   {}", dp.guarantee);
}

fn linkage(s: &mut String, l: &LinkageSummary) {
    let linked = l.linked.map_or("suppressed".into(), |n| n.to_string());
    let _ = writeln!(
        s,
        "linkage            {} (receiver, {} identifiers) with {} (sender, {} identifiers): {linked} linked",
        l.receiver, l.receiver_records, l.sender, l.sender_records
    );
    let _ = writeln!(s, "  receiver learnt: {}", l.receiver_learnt);
    let _ = writeln!(s, "  sender learnt:   {}", l.sender_learnt);
}

fn noise(s: &mut String, n: &NoiseNote) {
    let _ = writeln!(
        s,
        "  noise on {}: sensitivity {}, scale {} per side, budget {}, total sd {:.4}",
        n.aggregates, n.sensitivity, n.scale, n.budget, n.total_sd
    );
}

fn note(s: &mut String, note: Option<&String>) {
    if let Some(n) = note {
        let _ = writeln!(s, "  {n}");
    }
}

fn table_test(s: &mut String, t: &TableTestResult) {
    let width = t.columns.len().max(1);
    let head: Vec<String> = t.columns.iter().map(|c| format!("{c:>12}")).collect();
    let _ = writeln!(s, "  {:<16} {}", "", head.join(" "));
    for (i, r) in t.rows.iter().enumerate() {
        let cells: Vec<String> = (0..t.columns.len())
            .map(|j| match t.cells.get(i * width + j) {
                Some(c) if !c.suppressed => format!("{:>12}", c.n.unwrap_or(0)),
                _ => format!("{:>12}", "suppressed"),
            })
            .collect();
        let _ = writeln!(s, "  {r:<16} {}", cells.join(" "));
    }
    if let Some(x) = &t.chi_square {
        let _ = writeln!(
            s,
            "  Pearson chi-square {:.4}, df {}, p {:.4e}, smallest expected {:.2}",
            x.statistic, x.df, x.p_value, x.min_expected
        );
    }
    if let Some(r) = &t.ratio {
        let corrected = if r.corrected {
            " (0.5 added to every cell)"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "  {} {:.4}, 95% CI {:.4} to {:.4}{corrected}",
            r.measure, r.estimate, r.ci_low, r.ci_high
        );
    }
    note(s, t.note.as_ref());
}

fn t_test(s: &mut String, t: &TTestResult) {
    let _ = writeln!(s, "  column {}", t.column);
    t.groups.iter().for_each(|c| cell(s, c));
    if let Some(w) = &t.test {
        let _ = writeln!(
            s,
            "  Welch difference {:.6} (se {:.6}), t {:.4}, df {:.2}, p {:.4e}, 95% CI {:.6} to {:.6}",
            w.difference, w.std_error, w.t, w.df, w.p_value, w.ci_low, w.ci_high
        );
    }
    note(s, t.note.as_ref());
}

fn survival(s: &mut String, v: &SurvivalResult) {
    for c in &v.curves {
        let _ = writeln!(s, "  {} (time {})", c.group, v.time);
        for st in &c.steps {
            let _ = writeln!(
                s,
                "    {:<14} at risk {:>6}  events {:>5}  censored {:>5}  S {:.4} ({:.4} to {:.4})",
                format!("[{}, {})", st.start, st.end),
                st.at_risk,
                st.events,
                st.censored,
                st.survival,
                st.ci_low,
                st.ci_high
            );
        }
        note(s, c.note.as_ref());
    }
}

fn logistic(s: &mut String, l: &LogisticResult) {
    if l.suppressed {
        let _ = writeln!(s, "  suppressed");
        return;
    }
    let n = l.n.map_or("n/a".into(), |n| n.to_string());
    let _ = writeln!(s, "  n = {n}, outcome {}, {} iterations", l.y, l.iterations);
    note(s, l.note.as_ref());
    for c in &l.coefficients {
        let _ = writeln!(
            s,
            "  {:<24} {:>10.6}  se {:.6}  z {:.3}  p {:.4e}  OR {:.4} ({:.4} to {:.4})",
            c.term, c.estimate, c.std_error, c.z, c.p_value, c.odds_ratio, c.ci_low, c.ci_high
        );
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
        if let Some(l) = &log.linkage {
            let _ = writeln!(s, "  {}", link_log_text(l));
        }
    }
}

/// This side's private linkage facts, in one sentence.
pub(crate) fn link_log_text(l: &crate::data::LinkLog) -> String {
    let linked = l
        .linked
        .map_or_else(|| "not known to this side".to_string(), |n| n.to_string());
    format!(
        "linkage: {} distinct identifiers joined (blinded), {} duplicate and {} empty identifier rows left out, records linked: {linked}",
        l.distinct_ids, l.duplicate_rows, l.empty_rows
    )
}
