//! `run_config` end to end on Adult, with an independent checker that reads
//! the written CSV with plain string handling (no crate code) and
//! recomputes k, distinct l and equal-distance t, the suppression count,
//! and that every cell is its original value generalised by its hierarchy.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use common::{adult_dir, ADULT_QIS};
use duet_anon::{run_config, AnonConfig, AnonReport};

fn read_rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|l| {
            l.trim_end_matches('\r')
                .split(';')
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

/// hierarchy[value] = labels per level
fn read_hierarchy(attr: &str) -> HashMap<String, Vec<String>> {
    read_rows(&adult_dir().join(format!("adult_hierarchy_{attr}.csv")))
        .into_iter()
        .map(|r| (r[0].clone(), r))
        .collect()
}

fn config(dir: &Path, models: &str, limit: f64) -> AnonConfig {
    let data = adult_dir();
    let mut text = format!(
        "[input]\npath = {:?}\ndelimiter = \";\"\n[output]\ncsv = \"out.csv\"\nreport_json = \"r.json\"\nreport_text = \"r.txt\"\n",
        data.join("adult.csv")
    );
    for q in ADULT_QIS {
        let h = data.join(format!("adult_hierarchy_{q}.csv"));
        text += &format!("[[quasi_identifier]]\ncolumn = \"{q}\"\nhierarchy = {h:?}\n");
    }
    text += "[sensitive]\ncolumn = \"salary-class\"\n";
    text += models;
    text += &format!("[search]\nsuppression_limit = {limit}\n");
    AnonConfig::from_toml(&dir.join("anon.toml"), &text).unwrap()
}

struct Check {
    min_class: usize,
    min_distinct: usize,
    max_emd: f64,
    suppressed: usize,
}

fn independent_check(input: &[Vec<String>], output: &[Vec<String>], report: &AnonReport) -> Check {
    assert_eq!(input[0], output[0], "header unchanged");
    assert_eq!(input.len(), output.len(), "masked records are kept");
    let q = ADULT_QIS.len();
    let hierarchies: Vec<_> = ADULT_QIS.iter().map(|a| read_hierarchy(a)).collect();
    let n = (input.len() - 1) as f64;
    let mut global: HashMap<&str, f64> = HashMap::new();
    for r in &input[1..] {
        *global.entry(r[8].as_str()).or_insert(0.0) += 1.0 / n;
    }
    let mut classes: HashMap<Vec<&str>, Vec<&str>> = HashMap::new();
    let mut suppressed = 0;
    for (orig, out) in input[1..].iter().zip(&output[1..]) {
        assert_eq!(orig[8], out[8], "sensitive column untouched");
        if out[..q].iter().all(|v| v == "*")
            && report.quasi_identifiers.iter().any(|l| l.level < l.height)
        {
            suppressed += 1;
            continue;
        }
        for (a, h) in hierarchies.iter().enumerate() {
            let level = report.quasi_identifiers[a].level;
            assert_eq!(
                h[&orig[a]][level], out[a],
                "cell generalised by its hierarchy"
            );
        }
        classes
            .entry(out[..q].iter().map(String::as_str).collect())
            .or_default()
            .push(out[8].as_str());
    }
    let emd = |vals: &Vec<&str>| {
        let mut local: HashMap<&str, f64> = HashMap::new();
        for v in vals {
            *local.entry(v).or_insert(0.0) += 1.0 / vals.len() as f64;
        }
        global
            .iter()
            .map(|(k, g)| (local.get(k).copied().unwrap_or(0.0) - g).abs())
            .sum::<f64>()
            / 2.0
    };
    Check {
        min_class: classes.values().map(Vec::len).min().unwrap(),
        min_distinct: classes
            .values()
            .map(|v| v.iter().collect::<HashSet<_>>().len())
            .min()
            .unwrap(),
        max_emd: classes.values().map(emd).fold(0.0, f64::max),
        suppressed,
    }
}

fn run_case(models: &str, limit: f64) -> (Check, AnonReport) {
    let dir = tempfile::tempdir().unwrap();
    let report = run_config(&config(dir.path(), models, limit), dir.path()).unwrap();
    let input = read_rows(&adult_dir().join("adult.csv"));
    let output = read_rows(&dir.path().join("out.csv"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(json["suppressed_records"], report.suppressed_records);
    assert!(std::fs::read_to_string(dir.path().join("r.txt"))
        .unwrap()
        .contains("prosecutor risk, highest"));
    (independent_check(&input, &output, &report), report)
}

#[test]
fn k_anonymity_cases_hold_in_the_written_output() {
    for k in [2usize, 5, 10] {
        for limit in [0.0, 0.05] {
            let (check, report) = run_case(
                &format!("[[privacy_model]]\nkind = \"k_anonymity\"\nk = {k}\n"),
                limit,
            );
            assert!(
                check.min_class >= k,
                "k={k} limit={limit}: smallest class {}",
                check.min_class
            );
            assert_eq!(check.suppressed as u64, report.suppressed_records);
            assert!(check.suppressed as f64 <= (limit * 30162.0).floor());
            // The masked records form one class of the release, as an attacker sees it.
            let smallest = if check.suppressed > 0 {
                check.min_class.min(check.suppressed)
            } else {
                check.min_class
            };
            assert_eq!(report.after.smallest_class as usize, smallest);
            assert!(report.after.risk.prosecutor.highest <= 1.0 / k as f64);
        }
    }
}

#[test]
fn distinct_l_and_t_closeness_hold_in_the_written_output() {
    let (check, _) = run_case("[[privacy_model]]\nkind = \"distinct_l\"\nl = 2\n", 0.0);
    assert!(check.min_distinct >= 2);
    assert_eq!(check.suppressed, 0);
    let models = "[[privacy_model]]\nkind = \"t_closeness\"\nt = 0.2\ndistance = \"equal\"\n";
    let (check, _) = run_case(models, 0.0);
    assert!(check.max_emd <= 0.2 + 1e-12, "emd {}", check.max_emd);
}

#[test]
fn the_checker_catches_a_violation() {
    // Without any model the original data is released: the checker must see classes of 1.
    let (check, report) = run_case("[[privacy_model]]\nkind = \"k_anonymity\"\nk = 1\n", 0.0);
    assert!(report.quasi_identifiers.iter().all(|q| q.level == 0));
    assert_eq!(check.min_class, 1);
    assert!(check.max_emd > 0.2);
}

#[test]
fn the_shipped_example_config_runs() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/adult.toml");
    let mut cfg = AnonConfig::read(&path).unwrap();
    let dir = tempfile::tempdir().unwrap();
    cfg.output.csv = dir.path().join("a.csv");
    cfg.output.report_json = dir.path().join("a.json");
    cfg.output.report_text = dir.path().join("a.txt");
    let report = run_config(&cfg, path.parent().unwrap()).unwrap();
    assert!(report.after.smallest_class >= 5);
    assert!(report.suppressed_records <= 1508, "5% of 30,162");
    let input = read_rows(&adult_dir().join("adult.csv"));
    let output = read_rows(&dir.path().join("a.csv"));
    let check = independent_check(&input, &output, &report);
    assert!(check.min_class >= 5 && check.min_distinct >= 2);
}
