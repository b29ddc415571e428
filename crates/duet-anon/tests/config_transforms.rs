//! Every transform and generalisation rule through the TOML configuration,
//! on a small synthetic clinic table, checked against the input by hand.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::collections::HashMap;
use std::path::Path;

use duet_anon::{run_config_with_rng, AnonConfig};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

const DATA: &str = "\
id,name,birth,visit,zip,age,weight,count,ward,diagnosis
p1,Ann,1980-02-03,2021-05-01,80331,15,60,3,a,flu
p1,Ann,1980-02-03,2021-06-15,80331,15,62,4,a,asthma
p2,Bob,1980-11-30,2021-05-03,80335,34,80,1,a,flu
p3,Cy,1981-01-15,2021-07-01,80339,37,90,0,b,copd
p4,Di,1981-03-01,2021-07-04,80337,95,70,2,b,flu
p5,Ed,1980-06-06,2021-08-08,80336,36,75,9,b,asthma
p6,Fe,1981-09-09,2021-09-09,80338,33,85,5,test,flu
";

fn config(dir: &Path) -> AnonConfig {
    std::fs::write(dir.join("in.csv"), DATA).unwrap();
    std::fs::write(dir.join("key.hex"), "07".repeat(32)).unwrap();
    let text = r#"
        identifying = ["name"]
        [input]
        path = "in.csv"
        [output]
        csv = "out.csv"
        report_json = "r.json"
        report_text = "r.txt"
        [[transform]]
        kind = "remove_records"
        column = "ward"
        values = ["test"]
        [[transform]]
        kind = "shift_dates"
        columns = ["visit"]
        subject = "id"
        key_file = "key.hex"
        max_days = 30
        [[transform]]
        kind = "pseudonymize"
        column = "id"
        key_file = "key.hex"
        [[transform]]
        kind = "top_bottom_code"
        column = "age"
        bottom = 18
        top = 90
        [[transform]]
        kind = "microaggregate"
        columns = ["weight"]
        k = 3
        [[transform]]
        kind = "add_noise"
        column = "count"
        scale_num = 3
        [[transform]]
        kind = "suppress_rare"
        column = "ward"
        min_count = 3
        [[quasi_identifier]]
        column = "age"
        rule = { kind = "intervals", widths = [10, 20, 40] }
        [[quasi_identifier]]
        column = "birth"
        rule = { kind = "date" }
        [[quasi_identifier]]
        column = "zip"
        rule = { kind = "prefix" }
        [sensitive]
        column = "diagnosis"
        [[privacy_model]]
        kind = "k_anonymity"
        k = 2
        [search]
        suppression_limit = 0.34
    "#;
    AnonConfig::from_toml(&dir.join("anon.toml"), text).unwrap()
}

fn run(seed: u64) -> (Vec<HashMap<String, String>>, duet_anon::AnonReport, String) {
    let dir = tempfile::tempdir().unwrap();
    let report = run_config_with_rng(
        &config(dir.path()),
        dir.path(),
        &mut ChaCha20Rng::seed_from_u64(seed),
    )
    .unwrap();
    let text = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect();
    (rows, report, text)
}

#[test]
fn all_transforms_apply_as_configured() {
    let (rows, report, text) = run(1);
    assert_eq!(report.transforms.len(), 7);
    assert_eq!(rows.len(), 6, "the `test` ward record is removed");
    assert!(
        !text.contains("name") && !text.contains("Ann"),
        "identifying column removed"
    );
    // Pseudonyms: 32 hex digits, equal for p1's two visits, distinct otherwise.
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str()).collect();
    assert!(ids
        .iter()
        .all(|i| i.len() == 32 && i.bytes().all(|b| b.is_ascii_hexdigit())));
    assert_eq!(ids[0], ids[1]);
    assert_ne!(ids[0], ids[2]);
    // Date shift keeps p1's 45 days between visits and moves dates by at most 30 days.
    let day = |s: &str| duet_anon::dates::Date::parse(s).unwrap().to_days();
    assert_eq!(day(&rows[1]["visit"]) - day(&rows[0]["visit"]), 45);
    assert!((day(&rows[2]["visit"]) - day("2021-05-03")).abs() <= 30);
    // MDAV with k = 3 on six weights {60,62,80,90,70,75}: groups {60,62,70} and {75,80,90}.
    let weights: Vec<&str> = rows.iter().map(|r| r["weight"].as_str()).collect();
    assert_eq!(
        weights,
        ["64", "64", "81.666667", "81.666667", "64", "81.666667"]
    );
    // Cell suppression: ward `b` has 3 records after removal, `a` has 3.
    assert!(rows.iter().all(|r| r["ward"] == "a" || r["ward"] == "b"));
    // Noise changed some counts (fixed seed).
    let counts: Vec<&str> = rows.iter().map(|r| r["count"].as_str()).collect();
    assert_ne!(counts, ["3", "4", "1", "0", "2", "9"]);
    // Quasi-identifiers are generalised labels of the rules, k = 2 holds.
    let mut classes: HashMap<(String, String, String), usize> = HashMap::new();
    for r in &rows {
        *classes
            .entry((r["age"].clone(), r["birth"].clone(), r["zip"].clone()))
            .or_default() += 1;
    }
    let masked = ("*".to_string(), "*".to_string(), "*".to_string());
    assert!(
        classes.iter().all(|(key, &n)| n >= 2 || *key == masked),
        "{classes:?}"
    );
    assert!(report.suppressed_records <= 2);
    assert_eq!(report.after.records, 6);
}

#[test]
fn the_same_seed_gives_the_same_output() {
    assert_eq!(run(7).2, run(7).2);
    assert_ne!(
        run(7).2,
        run(8).2,
        "noise depends on the injected generator"
    );
}

#[test]
fn journalist_risk_uses_the_population() {
    let dir = tempfile::tempdir().unwrap();
    let data = "age,zip\n34,80331\n36,80335\n51,80339\n52,80337\n";
    // The population holds the sample plus six more people in the 30s.
    let population = format!("{data}31,80331\n32,80331\n33,80332\n38,80333\n39,80334\n30,80336\n");
    std::fs::write(dir.path().join("in.csv"), data).unwrap();
    std::fs::write(dir.path().join("pop.csv"), population).unwrap();
    let text = r#"
        population = "pop.csv"
        [input]
        path = "in.csv"
        [output]
        csv = "out.csv"
        report_json = "r.json"
        report_text = "r.txt"
        [[quasi_identifier]]
        column = "age"
        rule = { kind = "intervals", widths = [10] }
        [[privacy_model]]
        kind = "k_anonymity"
        k = 2
        [search]
        risk_threshold = 0.2
    "#;
    let cfg = AnonConfig::from_toml(&dir.path().join("anon.toml"), text).unwrap();
    let report = duet_anon::run_config(&cfg, dir.path()).unwrap();
    // Released classes: [30, 40) with 2 records (8 in the population) and
    // [50, 60) with 2 (2 in the population).
    let after = report.after.risk;
    assert_eq!(after.prosecutor.highest, 0.5);
    assert_eq!(after.journalist.highest, 0.5);
    assert_eq!(after.journalist.average, (2.0 / 8.0 + 2.0 / 2.0) / 4.0);
    assert_eq!(after.journalist.records_at_risk, 0.5);
    assert_eq!(after.marketer, (2.0 / 8.0 + 2.0 / 2.0) / 4.0);
    // Before: every age is unique in the sample and in the population.
    assert_eq!(report.before.risk.journalist.highest, 1.0);
}
