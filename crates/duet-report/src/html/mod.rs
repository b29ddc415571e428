//! The self-contained HTML report: one file with inline CSS and inline
//! SVG charts (drawn with plotters), no scripts and no external
//! resources, so it opens offline and can be archived with the results.
//!
//! Every text that comes from a job or data file (job name, labels,
//! levels, terms, notes) is escaped; numbers that are not finite show as
//! `n/a`.

mod charts;
mod coefplot;
mod disclosure;
mod quantile;
mod stats;
mod survival;
mod tables;

use std::fmt::Write;

use crate::output::RunInfo;
use duet_stats::job::hex;
use duet_stats::results::{DpSummary, LinkageSummary, NoiseNote, Results, StatisticResult};

const STYLE: &str = "
body { font-family: system-ui, sans-serif; margin: 0; color: #1b1b1b; background: #fafafa; }
main { max-width: 1000px; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #ddd; padding-bottom: 0.2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1rem 0 0.4rem; }
section.statistic { background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; padding: 0.5rem 1rem 1rem; margin: 1rem 0; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #d6d6d6; padding: 0.25rem 0.55rem; text-align: right; }
th:first-child, td:first-child, table.meta td, table.meta th { text-align: left; }
th { background: #f0f0f0; }
tr.suppressed td, td.suppressed { color: #8a5a00; background: #fff4dc; font-style: italic; }
.hash { font-family: ui-monospace, monospace; font-size: 0.8rem; word-break: break-all; }
.note { color: #555; font-size: 0.9rem; }
.warning { color: #8a5a00; }
.guarantee { background: #eef6ee; border-left: 4px solid #3a8a3a; padding: 0.5rem 1rem; }
figure { margin: 0.8rem 0; }
figcaption { font-size: 0.85rem; color: #444; margin-top: 0.2rem; }
svg.chart { max-width: 100%; height: auto; border: 1px solid #eee; background: #fff; }
";

/// Renders the whole report page.
pub(crate) fn render(results: &Results, run: &RunInfo<'_>) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let title = format!("duet study report: {}", results.job_name);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n",
        esc(&title),
        esc(&title)
    );
    disclosure::banner(&mut h, &results.disclosure);
    overview(&mut h, results, run);
    if let Some(dp) = &results.dp {
        privacy(&mut h, dp);
    }
    if let Some(link) = &results.linkage {
        linkage(&mut h, link);
    }
    let _ = writeln!(h, "<h2>Statistics</h2>");
    for st in &results.statistics {
        statistic(&mut h, st);
    }
    disclosure::section(&mut h, &results.disclosure);
    tables::traffic(&mut h, run);
    tables::revealed(&mut h, &results.revealed);
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

fn overview(h: &mut String, r: &Results, run: &RunInfo<'_>) {
    let p = &r.policy;
    let rows = [
        ("Job", esc(&r.job_name)),
        (
            "Job hash",
            format!("<span class=\"hash\">{}</span>", esc(&r.job_hash)),
        ),
        (
            "Transcript digest",
            format!(
                "<span class=\"hash\">{}</span>",
                hex(&run.transcript_digest)
            ),
        ),
        ("This side", esc(&run.role.to_string())),
        ("Ring", esc(&format!("{:?}", r.ring))),
        ("Disclosure control", esc(&r.disclosure.status())),
        (
            "Policy enforced",
            esc(&format!(
                "min_cell {}, min_group {}, min_cell_per_party {}, dominance n {} k {}%, \
                 max_params_ratio {}, suppress {}",
                p.min_cell,
                p.min_group,
                p.per_party(),
                p.dominance.n,
                p.dominance.k,
                p.max_params_ratio,
                format!("{:?}", p.suppress).to_lowercase()
            )),
        ),
    ];
    h.push_str("<table class=\"meta\" id=\"overview\">\n");
    for (k, v) in rows {
        let _ = writeln!(h, "<tr><th>{k}</th><td>{v}</td></tr>");
    }
    h.push_str("</table>\n");
}

fn privacy(h: &mut String, dp: &DpSummary) {
    let _ = writeln!(
        h,
        "<h2 id=\"privacy\">Differential privacy</h2>\n<p class=\"guarantee\">{}</p>",
        esc(&dp.guarantee)
    );
    let mut rows = vec![
        ("Mechanism", esc(dp.mechanism)),
        ("Epsilon (job)", num(dp.epsilon, 4)),
        ("Delta (job)", delta(dp.delta)),
        ("Epsilon spent", num(dp.epsilon_spent, 4)),
    ];
    if let Some(rho) = dp.rho {
        rows.push(("rho (zCDP)", num(rho, 6)));
    }
    h.push_str("<table class=\"meta\" id=\"dp\">\n");
    for (k, v) in rows {
        let _ = writeln!(h, "<tr><th>{k}</th><td>{v}</td></tr>");
    }
    h.push_str("</table>\n");
}

fn linkage(h: &mut String, l: &LinkageSummary) {
    let linked = l.linked.map_or("suppressed".into(), |n| n.to_string());
    let rows = [
        ("Receiver", esc(&l.receiver)),
        ("Sender", esc(&l.sender)),
        (
            "Receiver's distinct identifiers",
            l.receiver_records.to_string(),
        ),
        (
            "Sender's distinct identifiers",
            l.sender_records.to_string(),
        ),
        ("Linked records", linked),
        ("What the receiver learnt", esc(&l.receiver_learnt)),
        ("What the sender learnt", esc(&l.sender_learnt)),
    ];
    h.push_str(
        "<h2 id=\"linkage\">Record linkage</h2>\n<table class=\"meta\" id=\"linkage-summary\">\n",
    );
    for (k, v) in rows {
        let _ = writeln!(h, "<tr><th>{k}</th><td>{v}</td></tr>");
    }
    h.push_str("</table>\n");
}

fn statistic(h: &mut String, st: &StatisticResult) {
    let _ = writeln!(
        h,
        "<section class=\"statistic\" data-kind=\"{}\">\n<h3>{}</h3>",
        esc(st.kind),
        esc(&st.label)
    );
    stats::body(h, st);
    if !st.noise.is_empty() {
        noise(h, &st.noise);
    }
    if let Some(e) = &st.excluded {
        let text = crate::report::excluded_text(e);
        let _ = writeln!(h, "<p class=\"excluded\">{}</p>", esc(&text));
    }
    h.push_str("</section>\n");
}

fn noise(h: &mut String, notes: &[NoiseNote]) {
    h.push_str(
        "<table class=\"noise\">\n<caption>Noise added before release</caption>\n<tr><th>Aggregates</th>\
         <th>Sensitivity</th><th>Scale per side</th><th>Budget</th><th>SD of total noise</th></tr>\n",
    );
    for n in notes {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&n.aggregates),
            num(n.sensitivity, 4),
            num(n.scale, 4),
            num(n.budget, 4),
            num(n.total_sd, 4)
        );
    }
    h.push_str("</table>\n");
}

/// Escapes text for HTML content and attribute values.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number with `digits` decimals, or `n/a` when not finite.
pub(super) fn num(v: f64, digits: usize) -> String {
    if v.is_finite() {
        format!("{v:.digits$}")
    } else {
        "n/a".into()
    }
}

/// Delta as written in papers: `0`, or `1e-6`.
pub(crate) fn delta(d: f64) -> String {
    if d == 0.0 {
        "0".into()
    } else {
        format!("{d:e}")
    }
}

/// A p-value: four decimals, or scientific below 0.0001.
pub(super) fn pval(p: f64) -> String {
    if !p.is_finite() {
        "n/a".into()
    } else if p < 1e-4 {
        format!("{p:.2e}")
    } else {
        format!("{p:.4}")
    }
}

#[cfg(test)]
mod tests {
    use duet_core::Role;
    use proptest::prelude::*;

    use super::*;
    use duet_stats::job::Policy;
    use duet_stats::plan::RingChoice;
    use duet_stats::results::{CellResult, StatBody};
    use duet_stats::traffic::Traffic;

    fn page(name: &str, level: &str) -> String {
        let cell = CellResult {
            cell: level.into(),
            suppressed: false,
            n: Some(5),
            sum: None,
            value: Some(1.5),
            note: Some(level.into()),
            interval: None,
        };
        let results = Results {
            disclosure: Default::default(),
            job_name: name.into(),
            job_hash: name.into(),
            ring: RingChoice::Z64,
            policy: Policy::default(),
            statistics: vec![StatisticResult {
                label: name.into(),
                kind: "mean",
                body: StatBody::Cells {
                    cells: vec![cell.clone(), cell],
                },
                noise: vec![],
                excluded: None,
            }],
            revealed: vec![],
            dp: None,
            linkage: None,
        };
        let traffic = Traffic::new();
        let job = duet_stats::Job::from_toml_str(crate::export::tests::JOB).unwrap();
        let run = RunInfo {
            job: &job,
            role: Role::P1,
            transcript_digest: [7; 32],
            traffic: &traffic,
            load_log: None,
        };
        render(&results, &run)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Whatever a job or data file names, it reaches the page only
        /// escaped: no markup of its own, every occurrence escaped.
        #[test]
        fn names_from_files_are_always_escaped(
            name in "[a-z<>&\"' /=]{0,20}",
            level in "(<script>|</svg>|&amp;|[a-z\"'])*",
        ) {
            let named = format!("<i>{name}");
            let html = page(&named, &level);
            prop_assert!(!html.contains("<script"));
            prop_assert!(!html.contains("<i>"));
            prop_assert!(html.contains(&esc(&named)));
            // The bar chart's axis labels go through plotters, which
            // escapes on its own: one chart, one closing tag.
            prop_assert_eq!(html.matches("</svg>").count(), 1);
        }
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<b a=\"x\">Tom & 'Jerry'</b>"),
            "&lt;b a=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
        assert_eq!(esc("plain é"), "plain é");
    }

    #[test]
    fn formats_numbers_and_p_values() {
        assert_eq!(num(1.23456, 2), "1.23");
        assert_eq!(num(f64::NAN, 2), "n/a");
        assert_eq!(num(f64::INFINITY, 2), "n/a");
        assert_eq!(pval(0.04767), "0.0477");
        assert_eq!(pval(2.9536e-7), "2.95e-7");
        assert_eq!(pval(f64::NAN), "n/a");
    }
}
