//! The HTML report renders: it is written by `write_outputs`, opened in
//! headless Chromium, and the DOM the browser built is checked for the
//! charts (one `svg.chart` per histogram, grouped bar chart, survival plot
//! and coefficient plot, with their axis labels and curves) and tables.
//! A screenshot checks that the page paints.
//!
//! Without /usr/bin/chromium the browser tests say on stderr that they
//! skipped; with `DUET_REQUIRE_CHROMIUM=1` (set by `bash .ci/run`, which
//! installs Chromium) a missing browser is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod browser;
mod fixture;
mod outputs;
mod schema;
mod study;

use std::path::{Path, PathBuf};

use duet_core::Role;
use duet_report::{write_outputs, RunInfo};
use duet_stats::Traffic;

/// Writes the fixture's outputs into `dir` and returns report.html's path.
pub(crate) fn write_report(dir: &Path) -> PathBuf {
    let results = fixture::results();
    let mut traffic = Traffic::new();
    traffic.add(
        0x0101,
        "input",
        duet_stats::traffic::KindCount {
            sent_frames: 4,
            sent_bytes: 4096,
            received_frames: 4,
            received_bytes: 4096,
        },
    );
    let job = fixture::job();
    let run = RunInfo {
        job: &job,
        role: Role::P0,
        transcript_digest: [0xcd; 32],
        traffic: &traffic,
        load_log: None,
    };
    let paths = write_outputs(dir, &results, &run).unwrap();
    assert_eq!(paths.html, dir.join("report.html"));
    paths.html
}

/// The opening tag of every `<svg>` whose class list starts with `chart`,
/// with the markup up to its closing tag.
fn charts(dom: &str) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    let mut rest = dom;
    while let Some(at) = rest.find("<svg") {
        rest = &rest[at..];
        let open_end = rest.find('>').unwrap();
        let close = rest.find("</svg>").unwrap();
        let open = &rest[..open_end];
        if let Some(c) = open.split("class=\"").nth(1) {
            let class = c.split('"').next().unwrap().to_string();
            if class.split(' ').next() == Some("chart") {
                out.push((class, &rest[..close]));
            }
        }
        rest = &rest[close..];
    }
    out
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

#[test]
fn the_report_is_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    let html = std::fs::read_to_string(write_report(dir.path())).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for banned in ["<script", " src=", " href=", "url(", "@import"] {
        assert!(!html.contains(banned), "report.html contains {banned}");
    }
    // The only URL is the SVG namespace.
    assert_eq!(
        count(&html, "http"),
        count(&html, "xmlns=\"http://www.w3.org/2000/svg\"")
    );
    assert!(html.contains("PM2.5 &amp; asthma &lt;linked&gt; &quot;2026&quot;"));
    assert!(!html.contains("<linked>"));
    assert!(html.contains("zone=&lt;north&gt;"));
}

#[test]
fn chromium_renders_every_chart_and_table() {
    if browser::skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let html = write_report(dir.path());
    // To look at the page: DUET_REPORT_DIR=/some/dir keeps a copy there.
    if let Some(keep) = std::env::var_os("DUET_REPORT_DIR") {
        write_report(Path::new(&keep));
    }
    let dom = browser::dump_dom(&html);
    assert!(dom.contains("</html>"), "no DOM from chromium: {dom}");
    // The job name arrived as text, not markup.
    assert!(dom.contains("PM2.5 &amp; asthma &lt;linked&gt; \"2026\""));
    assert!(!dom.contains("<linked"));

    let charts = charts(&dom);
    let kinds: Vec<&str> = charts.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "chart histogram",
            "chart bars",
            "chart bars",
            "chart coefficients",
            "chart survival",
            "chart coefficients",
        ]
    );
    assert_eq!(count(&dom, "<figcaption>"), charts.len());

    let (_, hist) = &charts[0];
    // Four released bins as bars, one marked suppressed, axis label.
    assert!(count(hist, "<rect") > 4, "{hist}");
    assert!(hist.contains(">\ncount\n</text>") || hist.contains(">count</text>"));
    assert!(hist.contains("suppressed"));
    assert!(hist.contains("[40, 50)"));

    let (_, surv) = &charts[4];
    // Each group: a survival path (2 points per step + 1) and two limits.
    let paths: Vec<&str> = surv.split("<polyline").skip(1).collect();
    let thick: Vec<&&str> = paths
        .iter()
        .filter(|p| p.contains("stroke-width=\"2\""))
        .collect();
    assert!(thick.len() >= 2, "survival curves: {}", thick.len());
    let points = |p: &str| {
        p.split("points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .split(' ')
            .filter(|s| !s.is_empty())
            .count()
    };
    let mut lens: Vec<usize> = thick
        .iter()
        .map(|p| points(p))
        .filter(|&n| n >= 9)
        .collect();
    lens.sort();
    assert_eq!(lens, [9, 13], "step points of the two curves");
    assert!(count(surv, "<polyline") >= 6, "curves and their limits");
    assert!(surv.contains("survival probability"));
    assert!(surv.contains("months"));
    assert!(surv.contains("band=low") && surv.contains("band=high"));

    let (_, logit) = &charts[5];
    assert!(logit.contains("log odds ratio (95% CI)"));
    assert!(logit.contains("pm25") && logit.contains("no2"));
    assert_eq!(count(logit, "<circle"), 2, "one dot per non-intercept term");
    let (_, linear) = &charts[3];
    assert_eq!(count(linear, "<circle"), 3);

    for table in [
        "class=\"meta\" id=\"overview\"",
        "class=\"meta\" id=\"dp\"",
        "class=\"meta\" id=\"linkage-summary\"",
        "class=\"noise\"",
        "class=\"correlation\"",
        "class=\"coefficients\"",
        "class=\"coefficients logistic\"",
        "class=\"test chi-square\"",
        "class=\"test ratio\"",
        "class=\"test welch\"",
        "class=\"at-risk\"",
        "class=\"traffic\"",
        "class=\"revealed\"",
        "class=\"withheld\"",
        "class=\"released-rules\"",
        "class=\"models\"",
    ] {
        assert_eq!(count(&dom, &format!("<table {table}")), 1, "{table}");
    }
    assert_eq!(count(&dom, "<table class=\"contingency\""), 2);
    // Suppressed: a histogram bin, a count group, a table cell twice.
    assert_eq!(count(&dom, "<tr class=\"suppressed\">"), 2);
    assert_eq!(
        count(
            &dom,
            "<td class=\"suppressed\"><span class=\"suppressed\">suppressed"
        ),
        2
    );
    assert!(dom.contains("Every released value together is 1.0-differentially private."));
    assert!(dom.contains("the number of matches only"));
    assert!(dom.contains(
        "min_cell 10, min_group 10, min_cell_per_party 10, dominance n 2 k 90%, max_params_ratio 0.33, suppress cell"
    ));
}

#[test]
fn the_text_report_shows_every_statistic() {
    let dir = tempfile::tempdir().unwrap();
    write_report(dir.path());
    let text = std::fs::read_to_string(dir.path().join("report.txt")).unwrap();
    for want in [
        "differential privacy laplace mechanism, epsilon 1 (spent 0.98), delta 0",
        "Every released value together is 1.0-differentially private.",
        "hospital (receiver, 1200 identifiers) with agency (sender, 5000 identifiers): 215 linked",
        "  sender learnt:   the number of matches only",
        "  noise on count: sensitivity 1, scale 2 per side, budget 0.5, total sd 3.1000",
        "     asthma=no   asthma=yes",
        "  band=high                  40   suppressed",
        "  Pearson chi-square 7.8400, df 1, p 5.1000e-3, smallest expected 4.20",
        "  odds_ratio 2.4000, 95% CI 1.3000 to 4.4000",
        "t 2.8300, df 88.20, p 5.8000e-3, 95% CI 0.510000 to 2.890000",
        "    [36, 48)       at risk     54  events     8  censored     3  S 0.5259",
        "  the curve ends at 48: the number at risk was below the minimum cell count",
        "  n = 215, outcome asthma=yes, 8 iterations",
        "  pm25                       0.090000  se 0.030000  z 3.000",
        "  robust (HC1) standard errors:",
        "  pm25                     robust se 0.011250  t -2.756",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    assert!(!text.contains("see results.json"));
}

#[test]
fn the_reports_show_disclosure_control() {
    let dir = tempfile::tempdir().unwrap();
    write_report(dir.path());
    let text = std::fs::read_to_string(dir.path().join("report.txt")).unwrap();
    let rules = fixture::RULES.join("; ");
    for want in [
        "disclosure control checked\n",
        "\ndisclosure control: checked\n  rules in force\n    - pooled threshold: every released cell counts at least 10 records\n",
        "  withheld values (2)\n    #2 count(by zone)[zone=east].n [primary] failed at least one of: pooled count >= 10; each side's part 0 or >= 10\n    #2 count(by zone).total [secondary] withheld so that #2 count(by zone)[zone=east].n cannot be recomputed\n",
        &format!("  released values (3), by rules passed\n        2  {rules}\n        1  pooled count >= 10\n"),
        "  models computed on shares (only these values opened)\n    #6 linear_regression(sbp ~ age): 8 values: the singular-design and narrow-spread flags, each coefficient, its variance, and R^2\n",
        "  notes\n    - #9 kaplan_meier(months, died) group 2: from interval 5 on too few are at risk, so they are merged into the last span released (from interval 4)\n",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    for want in [
        "<tr><th>Disclosure control</th><td>checked</td></tr>",
        "<h2 id=\"disclosure\">Disclosure control</h2>\n<p>Control: <strong>checked</strong></p>",
        "<h3>Withheld values (2)</h3>",
        "<tr><td>#2 count(by zone)[zone=east].n</td><td>primary</td><td>failed at least one of: pooled count &gt;= 10; each side&#39;s part 0 or &gt;= 10</td></tr>",
        "<td>secondary</td><td>withheld so that #2 count(by zone)[zone=east].n cannot be recomputed</td>",
        "<h3>Released values (3)</h3>",
        "<tr><td>pooled count &gt;= 10</td><td>1</td></tr>",
        "<h3>Models computed on shares</h3>",
        "<tr><td>#6 linear_regression(sbp ~ age)</td><td>8 values: the singular-design and narrow-spread flags, each coefficient, its variance, and R^2</td></tr>",
        "<li class=\"note\">#9 kaplan_meier(months, died) group 2: from interval 5 on too few are at risk, so they are merged into the last span released (from interval 4)</li>",
    ] {
        assert!(html.contains(want), "missing {want:?}");
    }
    assert!(!html.contains("control-off"));
    let manifest = std::fs::read_to_string(dir.path().join("manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(manifest["disclosure_control"], "checked");
    assert_eq!(
        manifest["rules_in_force"][0],
        "pooled threshold: every released cell counts at least 10 records"
    );
}

#[test]
fn control_off_is_shown_with_its_reason_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = fixture::results();
    results.disclosure.control = "off: synthetic <test> data".into();
    let traffic = Traffic::new();
    let job = fixture::job();
    let run = RunInfo {
        job: &job,
        role: Role::P1,
        transcript_digest: [0xcd; 32],
        traffic: &traffic,
        load_log: None,
    };
    let paths = write_outputs(dir.path(), &results, &run).unwrap();
    let text = std::fs::read_to_string(paths.report).unwrap();
    let head: Vec<&str> = text.lines().take(7).collect();
    assert_eq!(
        head[6],
        "disclosure control OFF, by the job: synthetic <test> data"
    );
    let html = std::fs::read_to_string(paths.html).unwrap();
    let banner = "<p class=\"warning control-off\"><strong>Disclosure control was OFF.</strong> OFF, by the job: synthetic &lt;test&gt; data</p>";
    let at = html.find(banner).unwrap();
    assert!(at < html.find("id=\"overview\"").unwrap());
}

#[test]
fn chromium_screenshot_is_a_painted_png() {
    if browser::skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let html = write_report(dir.path());
    let png = browser::screenshot(&html, (1100, 2400));
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&png[12..16], b"IHDR");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1100, 2400));
    // A blank page of this size compresses to a few kilobytes.
    assert!(png.len() > 40_000, "screenshot only {} bytes", png.len());
}
