//! Result files: all three written, or none.

use duet_core::Role;
use duet_stats::output::{RunInfo, HTML_FILE, MANIFEST_FILE, REPORT_FILE, RESULTS_FILE};
use duet_stats::{write_outputs, LoadLog, OutputError};

use super::common::fixture_results;

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
        role: Role::P0,
        transcript_digest: [0xab; 32],
        traffic: &traffic,
        load_log: Some(&log),
    };
    let paths = write_outputs(&out, &res, &run).unwrap();
    assert_eq!(
        names(&out),
        [MANIFEST_FILE, HTML_FILE, REPORT_FILE, RESULTS_FILE]
    );
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&paths.results).unwrap()).unwrap();
    assert_eq!(results["job_hash"], job.hash_hex());
    assert_eq!(results["transcript_digest"], "ab".repeat(32));
    assert_eq!(results["statistics"][1]["cells"][3]["cell"], "region=west");
    assert_eq!(results["statistics"][1]["cells"][3]["suppressed"], true);
    assert!(results["statistics"][1]["cells"][3].get("n").is_none());
    assert_eq!(
        results["statistics"][10]["coefficients"][0]["term"],
        "intercept"
    );
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
    let (_, _, res, traffic) = fixture_results();
    let dir = tempfile::tempdir().unwrap();
    // A directory where the manifest should go makes the last rename fail.
    std::fs::create_dir(dir.path().join(MANIFEST_FILE)).unwrap();
    let run = RunInfo {
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
