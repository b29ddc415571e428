use std::collections::BTreeSet;

use super::*;
use crate::release::provenance::{Cell, Condition};

fn count_of(level: &str) -> LinearValue {
    let mut cell = Cell::new();
    let levels = BTreeSet::from([level.to_string()]);
    cell.insert("smoker".into(), Condition::Levels(levels));
    LinearValue::new(Vec::new(), cell)
}

fn released(level: &str, amount: &str) -> Released {
    Released {
        value: count_of(level),
        name: format!("n[{level}]"),
        amount: amount.into(),
    }
}

fn withheld(level: &str) -> Withheld {
    Withheld {
        value: count_of(level),
        name: format!("n[{level}]"),
        rule: "pooled_threshold".into(),
    }
}

fn entry(dataset: &str, peer: &str, population: Population, dp: Option<Spend>) -> Entry {
    Entry {
        unix_time: 1_700_000_000,
        job_name: "bp".into(),
        job_hash: "ab".repeat(32),
        dataset: dataset.into(),
        peer: peer.into(),
        population,
        released: Vec::new(),
        withheld: Vec::new(),
        dp,
    }
}

fn spend(epsilon: f64, delta: f64) -> Spend {
    Spend { epsilon, delta }
}

fn ledger_of(entries: Vec<Entry>) -> Ledger {
    Ledger { entries }
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn append_then_load_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.json");
    let mut first = entry("d1", "pa", Population::Pooled, Some(spend(0.5, 1e-7)));
    first.released = vec![released("yes", "12"), released("no", "-3")];
    first.withheld = vec![withheld("unknown")];
    let second = entry("d1", "pb", Population::Linked, None);
    Ledger::append(&path, first.clone()).unwrap();
    let written = Ledger::append(&path, second.clone()).unwrap();
    assert_eq!(written.entries(), [first, second]);
    assert_eq!(Ledger::load(&path).unwrap(), written);
}

#[test]
fn reads_a_hand_written_ledger() {
    let json = r#"{"format": "duet-ledger/1", "entries": [{
        "unix_time": 5, "job_name": "j", "job_hash": "00", "dataset": "d",
        "peer": "p", "population": "linked",
        "released": [{"value": {"quantity": ["sbp"], "cell": {}}, "name": "s", "amount": "170141183460469231731687303715884105727"}],
        "withheld": [], "dp": {"epsilon": 1.25, "delta": 0.0}}]}"#;
    let ledger = Ledger::from_json(Path::new("l.json"), json.as_bytes()).unwrap();
    let mut want = entry("d", "p", Population::Linked, Some(spend(1.25, 0.0)));
    (want.unix_time, want.job_name, want.job_hash) = (5, "j".into(), "00".into());
    want.released = vec![Released {
        value: LinearValue::new(vec!["sbp".into()], Cell::new()),
        name: "s".into(),
        amount: i128::MAX.to_string(),
    }];
    assert_eq!(ledger.entries(), [want]);
}

#[test]
fn a_missing_file_is_an_empty_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::load(&dir.path().join("none.json")).unwrap();
    assert_eq!(ledger, Ledger::default());
    assert!(ledger.entries().is_empty());
}

#[test]
fn a_malformed_file_is_named_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.json");
    std::fs::write(
        &path,
        "{\"format\": \"duet-ledger/1\",\n  \"entries\": [}\n",
    )
    .unwrap();
    let err = Ledger::load(&path).unwrap_err();
    match &err {
        LedgerError::Malformed {
            path: p,
            line,
            column,
            ..
        } => assert_eq!((p, *line, *column), (&path, 2, 15)),
        other => panic!("expected Malformed, got {other:?}"),
    }
    let shown = err.to_string();
    let prefix = format!("{}:2:15: not a valid release ledger: ", path.display());
    assert!(shown.starts_with(&prefix), "{shown}");
}

#[test]
fn a_wrongly_typed_field_is_malformed() {
    let json = br#"{"format": "duet-ledger/1", "entries": 5}"#;
    let err = Ledger::from_json(Path::new("l.json"), json).unwrap_err();
    assert!(
        matches!(err, LedgerError::Malformed { line: 1, .. }),
        "{err:?}"
    );
}

#[test]
fn an_unknown_field_is_malformed() {
    let json = br#"{"format": "duet-ledger/1", "entries": [], "extra": 1}"#;
    let err = Ledger::from_json(Path::new("l.json"), json).unwrap_err();
    assert!(matches!(err, LedgerError::Malformed { .. }), "{err:?}");
}

#[test]
fn another_format_version_is_refused() {
    let json = br#"{"format": "duet-ledger/2", "entries": {"new": "shape"}}"#;
    let err = Ledger::from_json(Path::new("l.json"), json).unwrap_err();
    match err {
        LedgerError::Format { path, found } => {
            assert_eq!((path, found.as_str()), ("l.json".into(), "duet-ledger/2"))
        }
        other => panic!("expected Format, got {other:?}"),
    }
}

#[test]
fn an_empty_file_is_malformed() {
    let err = Ledger::from_json(Path::new("l.json"), b"").unwrap_err();
    assert!(matches!(err, LedgerError::Malformed { .. }), "{err:?}");
}

#[test]
fn a_file_over_the_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.json");
    Ledger::append(&path, entry("d", "p", Population::Pooled, None)).unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    assert_eq!(
        Ledger::load_limited(&path, size).unwrap().entries().len(),
        1
    );
    match Ledger::load_limited(&path, size - 1).unwrap_err() {
        LedgerError::TooLarge { path: p, limit } => assert_eq!((p, limit), (path, size - 1)),
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[test]
fn impossible_entries_in_the_file_are_refused() {
    let ok = entry("d", "p", Population::Pooled, Some(spend(1.0, 0.0)));
    let cases = [
        (
            Some(spend(-1.0, 0.0)),
            "12",
            "dp epsilon and delta must be finite and at least 0",
        ),
        (
            Some(spend(1.0, -1e-9)),
            "12",
            "dp epsilon and delta must be finite and at least 0",
        ),
        (None, "12.5", "a released amount is not integer text"),
        (None, "", "a released amount is not integer text"),
    ];
    for (dp, amount, want) in cases {
        let mut bad = entry("d", "p", Population::Pooled, dp);
        bad.released = vec![released("yes", amount)];
        let file = LedgerFileOut {
            format: LEDGER_FORMAT,
            entries: &[ok.clone(), bad],
        };
        let json = serde_json::to_vec(&file).unwrap();
        match Ledger::from_json(Path::new("l.json"), &json).unwrap_err() {
            LedgerError::InvalidEntry { index, reason, .. } => {
                assert_eq!((index, reason), (1, want))
            }
            other => panic!("expected InvalidEntry, got {other:?}"),
        }
    }
}

#[test]
fn earlier_filters_by_dataset_peer_and_population() {
    let with = |dataset, peer, population, rel: &[&str], wh: &[&str]| {
        let mut e = entry(dataset, peer, population, None);
        e.released = rel.iter().map(|l| released(l, "1")).collect();
        e.withheld = wh.iter().map(|l| withheld(l)).collect();
        e
    };
    let ledger = ledger_of(vec![
        with("d1", "pa", Population::Pooled, &["a", "b"], &["w1"]),
        with("d1", "pa", Population::Linked, &["linked"], &["wl"]),
        with("d1", "pb", Population::Pooled, &["other-peer"], &["wp"]),
        with("d2", "pa", Population::Pooled, &["other-data"], &["wd"]),
        with("d1", "pa", Population::Pooled, &["b", "c"], &["w2", "w1"]),
    ]);
    let (rel, wh) = ledger.earlier("d1", "pa", Population::Pooled);
    let values = |levels: &[&str]| levels.iter().map(|l| count_of(l)).collect::<Vec<_>>();
    assert_eq!(rel, values(&["a", "b", "c"]));
    assert_eq!(wh, values(&["w1", "w2"]));
    let (rel, wh) = ledger.earlier("d1", "pa", Population::Linked);
    assert_eq!((rel, wh), (values(&["linked"]), values(&["wl"])));
    let (rel, wh) = ledger.earlier("d1", "pc", Population::Pooled);
    assert_eq!((rel, wh), (vec![], vec![]));
}

#[test]
fn spent_sums_every_run_on_the_dataset() {
    let ledger = ledger_of(vec![
        entry("d1", "pa", Population::Pooled, Some(spend(1.5, 1e-6))),
        entry("d1", "pb", Population::Linked, Some(spend(2.25, 0.0))),
        entry("d1", "pa", Population::Pooled, None),
        entry("d2", "pa", Population::Pooled, Some(spend(4.0, 1e-6))),
    ]);
    assert_eq!(ledger.spent("d1"), spend(3.75, 1e-6));
    assert_eq!(ledger.spent("d2"), spend(4.0, 1e-6));
    assert_eq!(ledger.spent("d3"), spend(0.0, 0.0));
    assert_eq!(Ledger::default().spent("d1"), spend(0.0, 0.0));
}

fn spent_ledger() -> Ledger {
    ledger_of(vec![
        entry("d1", "pa", Population::Pooled, Some(spend(1.5, 1e-6))),
        entry("d1", "pb", Population::Linked, Some(spend(2.25, 0.0))),
        entry("d2", "pa", Population::Pooled, Some(spend(9.0, 0.0))),
    ])
}

#[test]
fn check_budget_allows_a_run_that_reaches_the_budget_exactly() {
    let budget = spend(10.0, 2e-6);
    let ledger = spent_ledger();
    ledger
        .check_budget("d1", budget, spend(6.25, 1e-6))
        .unwrap();
    ledger.check_budget("d3", budget, budget).unwrap();
    ledger.check_budget("d1", budget, spend(0.0, 0.0)).unwrap();
}

#[test]
fn check_budget_refuses_a_run_beyond_it() {
    let budget = spend(10.0, 2e-6);
    let ledger = spent_ledger();
    let err = ledger
        .check_budget("d1", budget, spend(6.5, 0.0))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "refused: this run's epsilon 6.5, delta 0 on top of the epsilon 3.75, delta 0.000001 \
         already spent on dataset d1 would exceed its lifetime budget of epsilon 10, delta \
         0.000002; lower the job's dp epsilon or delta, or raise [ledger] epsilon and delta \
         in local.toml if your institution allows"
    );
    match ledger
        .check_budget("d1", budget, spend(0.5, 1.5e-6))
        .unwrap_err()
    {
        LedgerError::OverBudget {
            dataset,
            spent,
            requested,
            budget: b,
        } => assert_eq!(
            (dataset.as_str(), spent, requested, b),
            ("d1", spend(3.75, 1e-6), spend(0.5, 1.5e-6), budget)
        ),
        other => panic!("expected OverBudget, got {other:?}"),
    }
    assert!(ledger.check_budget("d3", budget, spend(10.5, 0.0)).is_err());
}

#[test]
fn check_budget_refuses_impossible_spends() {
    let ledger = Ledger::default();
    let budget = spend(10.0, 1e-5);
    for (run, want) in [
        (spend(f64::NAN, 0.0), "this run's spend"),
        (spend(-1.0, 0.0), "this run's spend"),
        (spend(1.0, f64::INFINITY), "this run's spend"),
    ] {
        match ledger.check_budget("d", budget, run).unwrap_err() {
            LedgerError::InvalidSpend { what, .. } => assert_eq!(what, want),
            other => panic!("expected InvalidSpend, got {other:?}"),
        }
    }
    let err = ledger.check_budget("d", spend(f64::INFINITY, 0.0), spend(1.0, 0.0));
    assert!(matches!(
        err,
        Err(LedgerError::InvalidSpend {
            what: "the budget",
            ..
        })
    ));
}

#[test]
fn append_leaves_only_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.json");
    for _ in 0..3 {
        Ledger::append(&path, entry("d", "p", Population::Pooled, None)).unwrap();
    }
    assert_eq!(files_in(dir.path()), ["ledger.json"]);
    assert_eq!(Ledger::load(&path).unwrap().entries().len(), 3);
}

#[test]
fn a_refused_entry_leaves_the_ledger_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.json");
    Ledger::append(&path, entry("d", "p", Population::Pooled, None)).unwrap();
    let before = std::fs::read(&path).unwrap();
    let bad = entry("d", "p", Population::Pooled, Some(spend(f64::NAN, 0.0)));
    match Ledger::append(&path, bad).unwrap_err() {
        LedgerError::InvalidEntry { path: p, index, .. } => {
            assert_eq!((p, index), (path.clone(), 1))
        }
        other => panic!("expected InvalidEntry, got {other:?}"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(files_in(dir.path()), ["ledger.json"]);
}

#[test]
fn a_failed_write_leaves_the_ledger_as_it_was() {
    // A 250-byte file name is valid, but its temporary sibling's is over
    // NAME_MAX (255), so creating the temporary fails, even for root.
    let dir = tempfile::tempdir().unwrap();
    let name = "l".repeat(250);
    let path = dir.path().join(&name);
    let old = LedgerFileOut {
        format: LEDGER_FORMAT,
        entries: &[entry("d", "p", Population::Pooled, Some(spend(1.0, 0.0)))],
    };
    let before = serde_json::to_vec(&old).unwrap();
    std::fs::write(&path, &before).unwrap();
    let err = Ledger::append(&path, entry("d", "p", Population::Pooled, None)).unwrap_err();
    assert!(
        matches!(&err, LedgerError::Write { path: p, .. } if *p == path),
        "{err:?}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(files_in(dir.path()), [name]);
}

#[test]
fn the_fingerprint_is_the_sha256_of_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.csv");
    std::fs::write(&path, b"").unwrap();
    assert_eq!(
        dataset_fingerprint(&path).unwrap(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    // Several chunks, and a last one partly filled.
    let bytes: Vec<u8> = (0..200_003u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(
        dataset_fingerprint(&path).unwrap(),
        hex(&Sha256::digest(&bytes))
    );
}

#[test]
fn fingerprinting_a_missing_file_names_it() {
    let path = Path::new("/nonexistent/duet/data.csv");
    match dataset_fingerprint(path).unwrap_err() {
        LedgerError::Fingerprint { path: p, .. } => assert_eq!(p, path),
        other => panic!("expected Fingerprint, got {other:?}"),
    }
}

#[test]
fn the_dataset_key_is_the_configured_id_or_the_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("a.csv");
    std::fs::write(&csv, b"x\n1\n").unwrap();
    let text = format!(
        "role = \"p0\"\ncsv = {csv:?}\nkey = \"k\"\ncert = \"c\"\n\
         listen = \"127.0.0.1:1\"\noutput_dir = \"o\"\n"
    );
    let local = LocalConfig::from_toml_str(&text).unwrap();
    assert_eq!(
        dataset_key(&local).unwrap(),
        hex(&Sha256::digest(b"x\n1\n"))
    );
    let named = LocalConfig::from_toml_str(&format!("{text}[ledger]\ndataset = \"c-24\"\n"));
    assert_eq!(dataset_key(&named.unwrap()).unwrap(), "c-24");
}

#[test]
fn the_budget_comes_from_local_settings() {
    let cfg = LedgerConfig {
        epsilon: 2.5,
        delta: 1e-7,
        ..LedgerConfig::default()
    };
    assert_eq!(Spend::budget_of(&cfg), spend(2.5, 1e-7));
}
