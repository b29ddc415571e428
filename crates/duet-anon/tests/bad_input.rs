//! Bad input gives a clear error naming file, line and column, and leaves
//! no output file behind, not even a temporary one.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::path::Path;

use duet_anon::{run_config, AnonConfig, AnonError};

const HIERARCHY: &str = "1;low;*\n2;low;*\n3;high;*\n";

fn setup(dir: &Path, data: &str, k: u64) -> AnonConfig {
    std::fs::write(dir.join("data.csv"), data).unwrap();
    std::fs::write(dir.join("h.csv"), HIERARCHY).unwrap();
    let text = format!(
        "[input]\npath = \"data.csv\"\ndelimiter = \";\"\n\
         [output]\ncsv = \"out/anon.csv\"\nreport_json = \"out/r.json\"\nreport_text = \"out/r.txt\"\n\
         [[quasi_identifier]]\ncolumn = \"x\"\nhierarchy = \"h.csv\"\n\
         [[privacy_model]]\nkind = \"k_anonymity\"\nk = {k}\n"
    );
    AnonConfig::from_toml(&dir.join("anon.toml"), &text).unwrap()
}

fn run(data: &str, k: u64) -> (AnonError, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = setup(dir.path(), data, k);
    let err = run_config(&cfg, dir.path()).unwrap_err();
    let out = dir.path().join("out");
    let left = std::fs::read_dir(&out).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "nothing may be written on error: {err}");
    (err, dir)
}

#[test]
fn ragged_row() {
    let (err, dir) = run("id;x\r\na;1\r\nb;2;extra\r\n", 1);
    assert!(
        matches!(
            err,
            AnonError::RaggedRow {
                line: 3,
                expected: 2,
                found: 3,
                ..
            }
        ),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.starts_with(&dir.path().join("data.csv").display().to_string()),
        "{msg}"
    );
    assert!(
        msg.contains(":3: record has 3 fields but the header has 2"),
        "{msg}"
    );
}

#[test]
fn value_missing_from_hierarchy() {
    let (err, _dir) = run("id;x\na;1\nb;7\n", 1);
    assert!(
        matches!(&err, AnonError::ValueNotInHierarchy { line: 3, column: 2, value, .. } if value == "7"),
        "{err}"
    );
    assert!(err
        .to_string()
        .contains("data.csv:3:2: value `7` is missing from hierarchy"));
}

#[test]
fn empty_file_and_header_only() {
    let (err, _dir) = run("", 1);
    assert!(matches!(err, AnonError::EmptyFile { .. }), "{err}");
    let (err, _dir) = run("id;x\n", 1);
    assert!(matches!(err, AnonError::EmptyFile { .. }), "{err}");
}

#[test]
fn impossible_k() {
    let (err, _dir) = run("id;x\na;1\nb;2\n", 3);
    assert!(
        matches!(err, AnonError::ImpossibleK { k: 3, records: 2 }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "k = 3 is impossible: the input has only 2 records"
    );
}

#[test]
fn invalid_utf8_names_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = setup(dir.path(), "", 1);
    std::fs::write(dir.path().join("data.csv"), b"id;x\na;1\nb\xff;2\n").unwrap();
    let err = run_config(&cfg, dir.path()).unwrap_err();
    assert!(
        matches!(
            err,
            AnonError::Encoding {
                line: 3,
                column: 1,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn one_row_is_enough_for_k_1_and_writes_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = setup(dir.path(), "id;x\na;3\n", 1);
    let report = run_config(&cfg, dir.path()).unwrap();
    assert_eq!(report.search.levels, vec![0]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/anon.csv")).unwrap(),
        "id;x\na;3\n"
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("out")).unwrap().count(),
        3
    );
}

#[test]
fn duplicates_and_latin1() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = setup(dir.path(), "id;x\na;1\na;1\nb;3\nb;3\n", 2);
    let report = run_config(&cfg, dir.path()).unwrap();
    assert_eq!(
        report.search.levels,
        vec![0],
        "duplicates already form classes of 2"
    );
    let table =
        duet_anon::Table::parse_csv(Path::new("l1"), "n;x\n\u{e9};1\n".as_bytes(), b';').unwrap();
    assert_eq!(table.column("n").unwrap().get(0), Some("\u{e9}"));
    std::fs::write(dir.path().join("l1.csv"), b"n;x\r\n\xe9;1\r\n").unwrap();
    let opts = duet_anon::CsvOptions {
        delimiter: b';',
        encoding: duet_anon::Encoding::Latin1,
    };
    let t = duet_anon::Table::read_csv(&dir.path().join("l1.csv"), &opts).unwrap();
    assert_eq!(t.column("n").unwrap().get(0), Some("\u{e9}"));
    assert_eq!(t.column("x").unwrap().get(0), Some("1"), "CRLF stripped");
}

#[test]
fn a_lattice_too_large_is_refused() {
    // 25 binary quasi-identifiers: 2^25 transformations, over the limit.
    let header: Vec<String> = (0..25).map(|i| format!("c{i}")).collect();
    let names: Vec<&str> = header.iter().map(String::as_str).collect();
    let row: Vec<&str> = vec!["x"; 25];
    let table = duet_anon::Table::from_rows("wide.csv", &names, &[row]).unwrap();
    let h = duet_anon::Hierarchy::from_rows("h", vec![vec!["x".into(), "*".into()]]).unwrap();
    let qis = names
        .iter()
        .map(|n| (n.to_string(), h.bind(&table, n).unwrap()))
        .collect();
    let p = duet_anon::Problem::new(&table, qis, None).unwrap();
    let policy = duet_anon::Policy::new(
        &p,
        vec![duet_anon::PrivacyModel::KAnonymity { k: 1 }],
        0.0,
        None,
    )
    .unwrap();
    let err = duet_anon::search(&p, &policy, duet_anon::Measure::Loss).unwrap_err();
    assert!(
        matches!(
            err,
            AnonError::LatticeTooLarge {
                nodes: 33_554_432,
                ..
            }
        ),
        "{err}"
    );
}
