//! `duet anonymize` protects its inputs: no output over an input, no column
//! in two roles, all outputs or none, and a warning when masked records
//! form a class smaller than k.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use duet_anon::{run_config, AnonConfig, AnonError};

const DATA: &str = "id;x;y\na;1;p\nb;1;q\nc;2;p\nd;2;q\ne;3;p\n";
const HIERARCHY: &str = "1;low;*\n2;low;*\n3;high;*\n";

/// The configuration text with outputs `csv`, `json`, `txt` and `extra`
/// appended (roles, search settings).
fn config(
    dir: &Path,
    (csv, json, txt): (&str, &str, &str),
    extra: &str,
) -> Result<AnonConfig, AnonError> {
    std::fs::write(dir.join("data.csv"), DATA).unwrap();
    std::fs::write(dir.join("h.csv"), HIERARCHY).unwrap();
    let text = format!(
        "[input]\npath = \"data.csv\"\ndelimiter = \";\"\n\
         [output]\ncsv = \"{csv}\"\nreport_json = \"{json}\"\nreport_text = \"{txt}\"\n\
         [[quasi_identifier]]\ncolumn = \"x\"\nhierarchy = \"h.csv\"\n\
         [[privacy_model]]\nkind = \"k_anonymity\"\nk = 2\n{extra}"
    );
    AnonConfig::from_toml(&dir.join("anon.toml"), &text)
}

fn outputs() -> (&'static str, &'static str, &'static str) {
    ("out.csv", "r.json", "r.txt")
}

#[test]
fn an_output_that_is_an_input_is_refused_and_the_input_kept() {
    for (csv, json) in [
        ("data.csv", "r.json"),
        ("./data.csv", "r.json"),
        ("out.csv", "h.csv"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(dir.path(), (csv, json, "r.txt"), "").unwrap();
        let err = run_config(&cfg, dir.path()).unwrap_err();
        assert!(matches!(err, AnonError::Config { .. }), "{err}");
        assert!(err.to_string().contains("also an input"), "{err}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("data.csv")).unwrap(),
            DATA
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("h.csv")).unwrap(),
            HIERARCHY
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), ("out.csv", "out.csv", "r.txt"), "").unwrap();
    let err = run_config(&cfg, dir.path()).unwrap_err();
    assert!(err.to_string().contains("named twice"), "{err}");
}

#[test]
fn a_column_in_two_roles_is_refused() {
    let twice = "[[quasi_identifier]]\ncolumn = \"x\"\nhierarchy = \"h.csv\"\n";
    let sensitive = "[sensitive]\ncolumn = \"x\"\n";
    for (extra, says) in [
        (twice, "listed twice as quasi-identifier"),
        (sensitive, "both quasi-identifier and sensitive"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let err = config(dir.path(), outputs(), extra).unwrap_err();
        assert!(err.to_string().contains(says), "{err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let text = "identifying = [\"x\"]\n";
    std::fs::write(dir.path().join("data.csv"), DATA).unwrap();
    let full = format!(
        "{text}[input]\npath = \"data.csv\"\ndelimiter = \";\"\n[output]\ncsv = \"o.csv\"\nreport_json = \"r.json\"\nreport_text = \"r.txt\"\n[[quasi_identifier]]\ncolumn = \"x\"\nhierarchy = \"h.csv\"\n[[privacy_model]]\nkind = \"k_anonymity\"\nk = 2\n"
    );
    let err = AnonConfig::from_toml(&dir.path().join("anon.toml"), &full).unwrap_err();
    assert!(
        err.to_string()
            .contains("both quasi-identifier and identifying"),
        "{err}"
    );
}

#[test]
fn when_the_last_output_fails_none_is_written() {
    let dir = tempfile::tempdir().unwrap();
    // The text report's path is a folder: its rename fails last.
    std::fs::create_dir_all(dir.path().join("r.txt/inside")).unwrap();
    let cfg = config(dir.path(), outputs(), "").unwrap();
    assert!(run_config(&cfg, dir.path()).is_err());
    assert!(!dir.path().join("out.csv").exists());
    assert!(!dir.path().join("r.json").exists());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".tmp-")), "{names:?}");
}

#[test]
fn masked_records_fewer_than_k_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let search = "[search]\nsuppression_limit = 0.5\nmeasure = \"loss\"\n";
    let cfg = config(dir.path(), outputs(), search).unwrap();
    let report = run_config(&cfg, dir.path()).unwrap();
    assert_eq!(report.suppressed_records, 1, "{report:?}");
    assert_eq!(report.after.smallest_class, 1);
    assert_eq!(report.warnings.len(), 1, "{report:?}");
    assert!(report.warnings[0].contains("fewer than k = 2"));
    let text = std::fs::read_to_string(dir.path().join("r.txt")).unwrap();
    assert!(
        text.contains("WARNING: the output holds a class of 1 records"),
        "{text}"
    );
    // Removed instead of masked: every class holds k.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), outputs(), search).unwrap();
    cfg.output.suppressed_records = duet_anon::config::SuppressedRecords::Remove;
    let report = run_config(&cfg, dir.path()).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}
