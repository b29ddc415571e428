//! Exact expected documents for a small known study: a grouped mean with
//! a withheld cell, a regression, a histogram and an ungrouped count.

use serde_json::json;

use super::{document, to_csv, ExportError, FORMAT};
use duet_stats::job::{Job, Policy};
use duet_stats::plan::RingChoice;
use duet_stats::release::provenance::LinearValue;
use duet_stats::release::{DisclosureRecord, WithheldValue};
use duet_stats::results::{
    CellResult, Coefficient, ExcludedCell, ExcludedRows, FTest, RegressionResult, Results,
    RobustTest, StatBody, StatisticResult,
};

/// The job of the study: two numeric columns and a category.
pub(crate) const JOB: &str = r#"
[job]
name = "tiny"
version = 1
[parties]
p0 = { name = "a", cert_sha256 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" }
p1 = { name = "b", cert_sha256 = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100", address = "127.0.0.1:4433" }
[data]
max_rows = 1000
[[column]]
name = "sbp"
kind = "decimal"
places = 1
min = 50
max = 260
[[column]]
name = "age"
kind = "integer"
min = 18
max = 100
[[column]]
name = "smoker"
kind = "category"
levels = ["no", "yes"]
[[statistic]]
kind = "mean"
column = "sbp"
by = ["smoker"]
[[statistic]]
kind = "linear_regression"
y = "sbp"
x = ["age", "smoker"]
[[statistic]]
kind = "histogram"
column = "age"
edges = [18, 60, 100]
[[statistic]]
kind = "sum"
column = "sbp"
"#;

/// The rule the withheld cell failed, as the disclosure record words it.
const RULE: &str = "failed at least one of: pooled count >= 10";

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

fn stat(label: &str, kind: &'static str, body: StatBody) -> StatisticResult {
    StatisticResult {
        label: label.into(),
        kind,
        body,
        noise: vec![],
        excluded: None,
    }
}

fn regression() -> RegressionResult {
    let coef = |term: &str, estimate: f64, se: f64| Coefficient {
        term: term.into(),
        estimate,
        std_error: Some(se),
        t: Some(estimate / se),
        p_value: Some(0.5),
        ci_low: Some(estimate - 2.0 * se),
        ci_high: Some(estimate + 2.0 * se),
        robust: Some(RobustTest {
            std_error: 1.25 * se,
            t: Some(estimate / (1.25 * se)),
            p_value: Some(0.125),
            ci_low: Some(estimate - 2.0 * 1.25 * se),
            ci_high: Some(estimate + 2.0 * 1.25 * se),
        }),
    };
    RegressionResult {
        y: "sbp".into(),
        suppressed: false,
        n: Some(40),
        coefficients: vec![coef("intercept", 100.0, 4.0), coef("age", 0.5, 0.25)],
        r_squared: Some(0.25),
        residual_df: Some(37),
        adjusted_r_squared: Some(0.125),
        f_test: Some(FTest {
            value: 6.0,
            df1: 2,
            df2: 37,
            p_value: 0.25,
        }),
        note: None,
        residual_std_error: None,
        robust: Some("hc1".into()),
        robust_note: None,
    }
}

fn results() -> Results {
    let mut sum = cell("all", Some(40), None);
    sum.sum = Some("5400.5".into());
    Results {
        job_name: "tiny".into(),
        job_hash: "ab".into(),
        ring: RingChoice::Z64,
        policy: Policy::default(),
        statistics: vec![
            stat(
                "#1 mean(sbp by smoker)",
                "mean",
                StatBody::Cells {
                    cells: vec![
                        cell("smoker=no", Some(32), Some(120.5)),
                        cell("smoker=yes", None, None),
                    ],
                },
            ),
            stat(
                "#2 linear_regression(sbp ~ age + smoker)",
                "linear_regression",
                StatBody::Regression(regression()),
            ),
            stat(
                "#3 histogram(age)",
                "histogram",
                StatBody::Cells {
                    cells: vec![
                        cell("[18, 60)", Some(25), None),
                        cell("[60, 100]", Some(15), None),
                    ],
                },
            ),
            stat("#4 sum(sbp)", "sum", StatBody::Cells { cells: vec![sum] }),
        ],
        revealed: vec![],
        dp: None,
        linkage: None,
        disclosure: DisclosureRecord {
            withheld: vec![WithheldValue {
                name: "#1 mean(sbp by smoker)[smoker=yes].n".into(),
                provenance: LinearValue::default(),
                kind: "primary",
                rule: RULE.into(),
            }],
            ..Default::default()
        },
    }
}

fn job() -> Job {
    Job::from_toml_str(JOB).unwrap()
}

#[test]
fn a_grouped_mean_shows_its_withheld_cell_with_the_rule() {
    let doc = document(&job(), &results(), "cd").unwrap();
    let mean = serde_json::to_value(&doc.statistics[0]).unwrap();
    assert_eq!(
        mean,
        json!({
            "label": "#1 mean(sbp by smoker)",
            "kind": "mean",
            "inputs": {"column": "sbp", "by": ["smoker"]},
            "values": [
                {"cell": {"smoker": "no"}, "measure": "n", "value": 32, "unit": "count", "released": true},
                {"cell": {"smoker": "no"}, "measure": "mean", "value": 120.5, "unit": "sbp", "places": 1, "released": true},
                {"cell": {"smoker": "yes"}, "measure": "n", "value": null, "unit": "count", "released": false, "reason": RULE},
                {"cell": {"smoker": "yes"}, "measure": "mean", "value": null, "unit": "sbp", "places": 1, "released": false, "reason": RULE},
            ],
            "tests": [],
            "details": {},
            "notes": [],
            "noise": [],
        })
    );
}

#[test]
fn a_regression_gives_one_row_per_coefficient_with_its_unit() {
    let doc = document(&job(), &results(), "cd").unwrap();
    let fit = serde_json::to_value(&doc.statistics[1]).unwrap();
    assert_eq!(
        fit,
        json!({
            "label": "#2 linear_regression(sbp ~ age + smoker)",
            "kind": "linear_regression",
            "inputs": {"y": "sbp", "x": ["age", "smoker"]},
            "values": [
                {"cell": {}, "measure": "n", "value": 40, "unit": "count", "released": true},
                {"cell": {}, "term": "intercept", "measure": "estimate", "value": 100.0, "unit": "sbp", "places": 1,
                 "std_error": 4.0, "ci_low": 92.0, "ci_high": 108.0, "test_statistic": 25.0, "p_value": 0.5, "released": true},
                {"cell": {}, "term": "age", "measure": "estimate", "value": 0.5, "unit": "sbp/age",
                 "std_error": 0.25, "ci_low": 0.0, "ci_high": 1.0, "test_statistic": 2.0, "p_value": 0.5, "released": true},
                {"cell": {}, "term": "intercept", "measure": "robust_std_error", "value": 5.0, "unit": "sbp", "places": 1,
                 "ci_low": 90.0, "ci_high": 110.0, "test_statistic": 20.0, "p_value": 0.125, "released": true},
                {"cell": {}, "term": "age", "measure": "robust_std_error", "value": 0.3125, "unit": "sbp/age",
                 "ci_low": -0.125, "ci_high": 1.125, "test_statistic": 1.6, "p_value": 0.125, "released": true},
                {"cell": {}, "measure": "r_squared", "value": 0.25, "unit": "1", "released": true},
                {"cell": {}, "measure": "adjusted_r_squared", "value": 0.125, "unit": "1", "released": true},
                {"cell": {}, "measure": "residual_df", "value": 37, "unit": "1", "released": true},
            ],
            "tests": [{"test": "f", "statistic": 6.0, "df": 2.0, "df2": 37.0, "p_value": 0.25, "details": {}}],
            "details": {"robust": "hc1"},
            "notes": [],
            "noise": [],
        })
    );
}

#[test]
fn histogram_bins_are_numeric_intervals_and_sums_keep_their_exact_text() {
    let doc = document(&job(), &results(), "cd").unwrap();
    let bins = serde_json::to_value(&doc.statistics[2].values).unwrap();
    assert_eq!(
        bins,
        json!([
            {"cell": {}, "interval": {"column": "age", "start": 18.0, "end": 60.0, "end_inclusive": false},
             "measure": "n", "value": 25, "unit": "count", "released": true},
            {"cell": {}, "interval": {"column": "age", "start": 60.0, "end": 100.0, "end_inclusive": true},
             "measure": "n", "value": 15, "unit": "count", "released": true},
        ])
    );
    let sum = serde_json::to_value(&doc.statistics[3].values[1]).unwrap();
    assert_eq!(
        sum,
        json!({"cell": {}, "measure": "sum", "value": 5400.5, "exact": "5400.5", "unit": "sbp", "places": 1, "released": true})
    );
}

#[test]
fn the_header_names_the_format_the_job_and_the_columns() {
    let doc = serde_json::to_value(document(&job(), &results(), "cd").unwrap()).unwrap();
    assert_eq!(doc["format"], FORMAT);
    // The job names no extension: the default is written in.
    assert_eq!(
        doc["job"],
        json!({"name": "tiny", "hash": "ab", "ot_extension": "softspoken-4"})
    );
    assert_eq!(doc["transcript_digest"], "cd");
    assert_eq!(doc["ring"], "Z64");
    assert_eq!(
        doc["columns"],
        json!([
            {"name": "sbp", "type": "numeric", "places": 1, "min": "50.0", "max": "260.0"},
            {"name": "age", "type": "numeric", "places": 0, "min": "18", "max": "100"},
            {"name": "smoker", "type": "category", "levels": ["no", "yes"]},
        ])
    );
    assert_eq!(doc["dp"], serde_json::Value::Null);
}

#[test]
fn the_csv_has_one_row_per_value() {
    let doc = document(&job(), &results(), "cd").unwrap();
    let text = String::from_utf8(to_csv(&doc).unwrap()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[..4],
        [
            "statistic,kind,cell,cell.smoker,interval_start,interval_end,term,measure,value,exact,unit,places,std_error,ci_low,ci_high,test_statistic,p_value,released,reason",
            "#1 mean(sbp by smoker),mean,smoker=no,no,,,,n,32,,count,,,,,,,true,",
            "#1 mean(sbp by smoker),mean,smoker=no,no,,,,mean,120.5,,sbp,1,,,,,,true,",
            "#1 mean(sbp by smoker),mean,smoker=yes,yes,,,,n,,,count,,,,,,,false,failed at least one of: pooled count >= 10",
        ]
    );
    assert_eq!(
        lines[6],
        "#2 linear_regression(sbp ~ age + smoker),linear_regression,,,,,intercept,estimate,100.0,,sbp,1,4.0,92.0,108.0,25.0,0.5,true,"
    );
    assert_eq!(
        lines[8],
        "#2 linear_regression(sbp ~ age + smoker),linear_regression,,,,,intercept,robust_std_error,5.0,,sbp,1,,90.0,110.0,20.0,0.125,true,"
    );
    assert_eq!(
        lines[13],
        "#3 histogram(age),histogram,,,18.0,60.0,,n,25,,count,,,,,,,true,"
    );
    assert_eq!(lines.len(), 1 + 4 + 8 + 2 + 2);
}

#[test]
fn a_job_that_does_not_describe_the_results_is_an_error() {
    let mut r = results();
    r.statistics.pop();
    assert_eq!(
        document(&job(), &r, "cd").unwrap_err(),
        ExportError::Mismatch {
            statistic: "results".into(),
            what: "statistics",
            expected: 4,
            found: 3
        }
    );
    let mut r = results();
    let StatBody::Cells { cells } = &mut r.statistics[0].body else {
        unreachable!()
    };
    cells.pop();
    assert_eq!(
        document(&job(), &r, "cd").unwrap_err(),
        ExportError::Mismatch {
            statistic: "#1 mean(sbp by smoker)".into(),
            what: "cells",
            expected: 2,
            found: 1
        }
    );
    // Rows left out per group must follow the statistic's cells too.
    let mut r = results();
    let part = |cell: &str| ExcludedCell {
        cell: cell.into(),
        rows: Some(0),
    };
    r.statistics[0].excluded = Some(ExcludedRows {
        columns: vec!["sbp".into(), "smoker".into()],
        rows: Some(0),
        cells: vec![part("smoker=no"), part("a grouping column missing")],
    });
    assert_eq!(
        document(&job(), &r, "cd").unwrap_err(),
        ExportError::Mismatch {
            statistic: "#1 mean(sbp by smoker)".into(),
            what: "cells",
            expected: 2,
            found: 1
        }
    );
}

#[test]
fn the_document_reads_back_as_written() {
    let doc = document(&job(), &results(), "cd").unwrap();
    let text = serde_json::to_string(&doc).unwrap();
    let back: super::ResultsDocument = serde_json::from_str(&text).unwrap();
    assert_eq!(back, doc);
}

/// The schema's complaints about the document of `r`.
fn schema_errors(r: &Results) -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/results.schema.json"
    );
    let schema = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut r = r.clone();
    r.job_hash = "ab".repeat(32);
    let doc = serde_json::to_value(document(&job(), &r, &"cd".repeat(32)).unwrap()).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    validator
        .iter_errors(&doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn edge_cases_follow_the_schema() {
    assert_eq!(schema_errors(&results()), Vec::<String>::new());
    // A count that DP noise took below zero (released, no number), a
    // withheld regression, then a singular one (no coefficients, a note).
    let mut r = results();
    let StatBody::Cells { cells } = &mut r.statistics[2].body else {
        unreachable!()
    };
    cells[1].n = None;
    let doc = document(&job(), &r, "cd").unwrap();
    let row = &doc.statistics[2].values[1];
    assert_eq!((row.released, row.value.clone()), (true, None));
    assert_eq!(row.reason.as_deref(), Some(super::rows::NO_COUNT));
    let StatBody::Regression(fit) = &mut r.statistics[1].body else {
        unreachable!()
    };
    *fit = RegressionResult {
        suppressed: true,
        n: None,
        coefficients: vec![],
        r_squared: None,
        residual_df: None,
        adjusted_r_squared: None,
        f_test: None,
        ..regression()
    };
    assert_eq!(schema_errors(&r), Vec::<String>::new());
    let doc = document(&job(), &r, "cd").unwrap();
    assert_eq!(doc.statistics[1].values.len(), 1);
    assert!(!doc.statistics[1].values[0].released);
    let StatBody::Regression(fit) = &mut r.statistics[1].body else {
        unreachable!()
    };
    fit.suppressed = false;
    fit.n = Some(40);
    fit.note = Some("singular design".into());
    assert_eq!(schema_errors(&r), Vec::<String>::new());
}
