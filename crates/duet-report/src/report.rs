//! The readable report: the released values, the enforced policy, what
//! crossed the link, and this side's load log.

mod disclosure;
mod quantile;

use std::fmt::Write;

use crate::output::RunInfo;
use duet_stats::job::hex;
use duet_stats::results::{
    CellResult, CorrelationResult, DpSummary, Estimator, LinkageSummary, LogisticResult,
    MedianSurvival, NoiseNote, RegressionResult, Results, StatBody, SurvivalResult, TTestResult,
    TableTestResult,
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
    let _ = writeln!(s, "OT extension       {}", run.job.ot_extension());
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
            StatBody::Quantile(q) => quantile::quantile(&mut s, q),
        }
        st.noise.iter().for_each(|n| noise(&mut s, n));
        if let Some(e) = &st.excluded {
            let _ = writeln!(s, "  {}", excluded_text(e));
        }
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
    if let Some(i) = &c.interval {
        let _ = write!(
            s,
            "  se = {:.6}  95% CI {:.6} to {:.6}",
            i.std_error, i.ci_low, i.ci_high
        );
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
    for p in &c.pairs {
        let _ = writeln!(
            s,
            "  {} ~ {}: r {:.4}, 95% CI {:.4} to {:.4}, p {:.4e}",
            p.x, p.y, p.r, p.ci_low, p.ci_high, p.p_value
        );
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
        let test = match (c.t, c.p_value, c.ci_low, c.ci_high) {
            (Some(t), Some(p), Some(lo), Some(hi)) => {
                format!("  t {t:.3}  p {p:.4e}  95% CI {lo:.6} to {hi:.6}")
            }
            _ => String::new(),
        };
        let _ = writeln!(s, "  {:<24} {:>14.6}  se {se}{test}", c.term, c.estimate);
    }
    if let (Some(sigma), Some(df)) = (g.residual_std_error, g.residual_df) {
        let _ = writeln!(
            s,
            "  residual standard error {sigma:.6} on {df} degrees of freedom"
        );
    }
    robust(s, g);
    if let Some(r2) = g.r_squared {
        let adj = g
            .adjusted_r_squared
            .map_or(String::new(), |a| format!(", adjusted R^2 = {a:.6}"));
        let _ = writeln!(s, "  R^2 = {r2:.6}{adj}");
    }
    if let Some(f) = &g.f_test {
        let _ = writeln!(
            s,
            "  F = {:.4} on {} and {} df, p {:.4e}",
            f.value, f.df1, f.df2, f.p_value
        );
    }
}

/// The robust (HC1) standard errors with their t tests, as
/// `coeftest(fit, vcov = vcovHC(fit, "HC1"))` prints them.
fn robust(s: &mut String, g: &RegressionResult) {
    if let Some(note) = &g.robust_note {
        let _ = writeln!(s, "  robust (HC1) standard errors {note}");
    }
    if g.coefficients.iter().all(|c| c.robust.is_none()) {
        return;
    }
    let _ = writeln!(s, "  robust (HC1) standard errors:");
    for c in &g.coefficients {
        let Some(r) = &c.robust else { continue };
        let test = match (r.t, r.p_value, r.ci_low, r.ci_high) {
            (Some(t), Some(p), Some(lo), Some(hi)) => {
                format!("  t {t:.3}  p {p:.4e}  95% CI {lo:.6} to {hi:.6}")
            }
            _ => String::new(),
        };
        let _ = writeln!(s, "  {:<24} robust se {:.6}{test}", c.term, r.std_error);
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

/// The rows a statistic left out for missing values, in one line.
pub(crate) fn excluded_text(e: &duet_stats::results::ExcludedRows) -> String {
    let cols = e.columns.join(", ");
    let count = |n: Option<u64>| n.map_or_else(|| "withheld".to_string(), |n| n.to_string());
    let parts: Vec<String> = e
        .cells
        .iter()
        .map(|c| format!("{} {}", c.cell, count(c.rows)))
        .collect();
    let parts = if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    };
    match e.rows {
        Some(0) => format!("no rows excluded for missing values of {cols}"),
        Some(n) => format!("{n} rows excluded for missing values of {cols}{parts}"),
        None => format!(
            "rows excluded for missing values of {cols}: withheld where fewer than the threshold{parts}"
        ),
    }
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
        let _ = writeln!(
            s,
            "  {} (time {}, {}), median {}",
            c.group,
            v.time,
            estimator_name(c.estimator),
            median_text(&c.median)
        );
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
    if let Some(t) = &v.log_rank {
        let _ = writeln!(
            s,
            "  log-rank test: chi-square {:.4}, df {}, p {:.4e}",
            t.chi_square, t.df, t.p_value
        );
        for g in &t.groups {
            let _ = writeln!(
                s,
                "    {:<24} observed {:>8.1}  expected {:>10.3}",
                g.group, g.observed, g.expected
            );
        }
    }
    note(s, v.note.as_ref());
}

/// How the reports name a survival estimator.
pub(crate) fn estimator_name(e: Estimator) -> &'static str {
    match e {
        Estimator::ProductLimit => "Kaplan-Meier product-limit",
        Estimator::Actuarial => "actuarial life table",
        Estimator::Mixed => "product-limit and life-table intervals",
    }
}

/// `31 (95% CI 13 to not reached)`, or `not reached`.
pub(crate) fn median_text(m: &MedianSurvival) -> String {
    let t = |v: Option<f64>| v.map_or("not reached".to_string(), |v| format!("{v:.4}"));
    match (m.time, m.ci_low) {
        (None, None) => "not reached".into(),
        _ => format!("{} (95% CI {} to {})", t(m.time), t(m.ci_low), t(m.ci_high)),
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

    for line in logistic_fit_lines(l) {
        let _ = writeln!(s, "  {line}");
    }
    for c in &l.coefficients {
        let _ = writeln!(
            s,
            "  {:<24} {:>10.6}  se {:.6}  z {:.3}  p {:.4e}  OR {:.4} ({:.4} to {:.4})",
            c.term, c.estimate, c.std_error, c.z, c.p_value, c.odds_ratio, c.ci_low, c.ci_high
        );
    }
}

/// The fit's measures as R's `summary(glm)` prints them: events, the
/// deviances on their degrees of freedom, AIC, and convergence.
pub(crate) fn logistic_fit_lines(l: &LogisticResult) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(fit) = &l.fit {
        out.push(format!(
            "fit = {fit}: all {} Newton iterates were released (results.json: details.iterates)",
            l.iterates.len()
        ));
    }
    if let Some(e) = l.events {
        out.push(format!("events (outcome 1): {e}"));
    }
    let p = l.coefficients.len() as u64;
    let df = |k: u64| {
        l.n.map_or("n/a".into(), |n| n.saturating_sub(k).to_string())
    };
    if let Some(d) = l.null_deviance {
        out.push(format!(
            "null deviance: {d:.4} on {} degrees of freedom",
            df(1)
        ));
    }
    if l.estimable == Some(true) {
        match l.deviance {
            Some(d) => out.push(format!(
                "residual deviance: {d:.4} on {} degrees of freedom",
                df(p)
            )),
            None => out.push(
                "residual deviance: not computed (a linked study: no side holds whole records)"
                    .into(),
            ),
        }
    }
    if let Some(a) = l.aic {
        out.push(format!("AIC: {a:.4}"));
    }
    if let Some(c) = &l.convergence {
        out.push(c.clone());
    }
    out
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
        for (col, n) in &log.missing {
            let _ = writeln!(
                s,
                "  missing in {col}: {n} (each row left out of the statistics that read it)"
            );
        }
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
pub(crate) fn link_log_text(l: &duet_stats::data::LinkLog) -> String {
    let linked = l
        .linked
        .map_or_else(|| "not known to this side".to_string(), |n| n.to_string());
    format!(
        "linkage: {} distinct identifiers joined (blinded), {} duplicate and {} empty identifier rows left out, records linked: {linked}",
        l.distinct_ids, l.duplicate_rows, l.empty_rows
    )
}
