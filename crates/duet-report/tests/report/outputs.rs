//! Result files: all five written, or none.

use duet_core::Role;
use duet_report::output::{
    RunInfo, HTML_FILE, MANIFEST_FILE, REPORT_FILE, RESULTS_CSV_FILE, RESULTS_FILE,
};
use duet_report::{write_outputs, OutputError};
use duet_stats::LoadLog;

use super::study::fixture_results;

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn writes_results_report_and_manifest() {
    let (job, _, res, traffic) = fixture_results();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let log = LoadLog {
        rows_read: 60,
        rows_used: 60,
        ..LoadLog::default()
    };
    let run = RunInfo {
        job: &job,
        role: Role::P0,
        transcript_digest: [0xab; 32],
        traffic: &traffic,
        load_log: Some(&log),
    };
    let paths = write_outputs(&out, &res, &run).unwrap();
    assert_eq!(
        names(&out),
        [
            MANIFEST_FILE,
            HTML_FILE,
            REPORT_FILE,
            RESULTS_CSV_FILE,
            RESULTS_FILE
        ]
    );
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&paths.results).unwrap()).unwrap();
    assert_eq!(results["format"], "duet-results/2");
    assert_eq!(results["job"]["hash"], job.hash_hex());
    assert_eq!(results["transcript_digest"], "ab".repeat(32));
    // #2 count by region: the west cell is withheld, with its rule.
    let west = &results["statistics"][1]["values"][3];
    assert_eq!(west["cell"], serde_json::json!({"region": "west"}));
    assert_eq!(west["measure"], "n");
    assert_eq!(west["released"], false);
    assert_eq!(west["value"], serde_json::Value::Null);
    assert!(west["reason"]
        .as_str()
        .unwrap()
        .contains("pooled count >= 5"));
    let intercept = &results["statistics"][10]["values"][1];
    assert_eq!(intercept["term"], "intercept");
    assert_eq!(intercept["unit"], "sbp");
    assert_eq!(intercept["places"], 1);
    let csv = std::fs::read_to_string(&paths.csv).unwrap();
    let rows = results["statistics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["values"].as_array().unwrap().len())
        .sum::<usize>();
    assert_eq!(csv.lines().count(), 1 + rows);
    assert!(csv.contains("#2 count(by region),count,region=west,,,west,"));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&paths.manifest).unwrap()).unwrap();
    assert_eq!(manifest["role"], "p0");
    assert_eq!(
        manifest["revealed"].as_array().unwrap().len(),
        res.revealed.len()
    );
    let kinds: Vec<&str> = manifest["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "input",
            "open",
            "beaver-open",
            "and-open",
            "bit-open",
            "bit-ole-open",
            "leaf-ot-choice",
            "leaf-ot-table",
            "stats-hello",
            "gate-withhold"
        ]
    );
    let report = std::fs::read_to_string(&paths.report).unwrap();
    assert!(report.contains("region=west") && report.contains("suppressed"));
    assert!(report.contains("60 rows read, 60 used"));
}

#[test]
fn a_failed_write_leaves_nothing() {
    let (job, _, res, traffic) = fixture_results();
    let dir = tempfile::tempdir().unwrap();
    // A directory where the manifest should go makes the last rename fail.
    std::fs::create_dir(dir.path().join(MANIFEST_FILE)).unwrap();
    let run = RunInfo {
        job: &job,
        role: Role::P1,
        transcript_digest: [0; 32],
        traffic: &traffic,
        load_log: None,
    };
    let e = write_outputs(dir.path(), &res, &run).unwrap_err();
    assert!(
        matches!(
            e,
            OutputError::Io {
                action: "rename",
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(names(dir.path()), [MANIFEST_FILE]);
}
