//! results.json of the fixture (every kind of statistic, DP and linkage)
//! against the published schema, docs/results.schema.json; and documents
//! broken on purpose, which the schema must refuse (so the check has teeth).

use serde_json::{json, Value};

fn schema() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/results.schema.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The schema's complaints, as `path: message`.
fn errors(doc: &Value) -> Vec<String> {
    let validator = jsonschema::draft202012::new(&schema()).unwrap();
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// The fixture's results.json, as written beside the report.
fn fixture_document() -> Value {
    let dir = tempfile::tempdir().unwrap();
    super::write_report(dir.path());
    let text = std::fs::read_to_string(dir.path().join("results.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_kind_of_statistic_follows_the_schema() {
    let doc = fixture_document();
    assert_eq!(errors(&doc), Vec::<String>::new());
    let kinds: Vec<&str> = doc["statistics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 10);
}

/// `doc` changed by `change` breaks the schema at `path`.
fn refused(change: impl FnOnce(&mut Value), path: &str) {
    let mut doc = fixture_document();
    change(&mut doc);
    let errors = errors(&doc);
    assert!(
        errors.iter().any(|e| e.starts_with(&format!("{path}: "))),
        "no complaint at {path}: {errors:?}"
    );
}

#[test]
fn a_wrong_type_is_refused() {
    refused(
        |d| d["statistics"][1]["values"][0]["value"] = json!("120"),
        "/statistics/1/values/0/value",
    );
    refused(|d| d["ring"] = json!(64), "/ring");
}

#[test]
fn a_missing_field_is_refused() {
    refused(
        |d| {
            d["statistics"][2]["values"][0]
                .as_object_mut()
                .unwrap()
                .remove("unit");
        },
        "/statistics/2/values/0",
    );
    refused(
        |d| {
            d.as_object_mut().unwrap().remove("format");
        },
        "",
    );
}

#[test]
fn an_unknown_field_or_kind_is_refused() {
    refused(|d| d["statistics"][0]["cells"] = json!([]), "/statistics/0");
    refused(
        |d| d["statistics"][0]["kind"] = json!("quantiles"),
        "/statistics/0/kind",
    );
    refused(|d| d["format"] = json!("duet-results/1"), "/format");
}

#[test]
fn a_withheld_value_with_a_number_or_a_fractional_count_is_refused() {
    // Statistic #2 (count by zone): its third cell is withheld.
    let doc = fixture_document();
    assert_eq!(doc["statistics"][1]["values"][2]["released"], false);
    refused(
        |d| d["statistics"][1]["values"][2]["value"] = json!(3),
        "/statistics/1/values/2/value",
    );
    refused(
        |d| d["statistics"][1]["values"][0]["value"] = json!(120.5),
        "/statistics/1/values/0/value",
    );
}

/// results.csv reads back with a CSV parser: one record per value row,
/// labels and pairs with commas whole.
#[test]
fn the_csv_reads_back_one_record_per_value() {
    let dir = tempfile::tempdir().unwrap();
    super::write_report(dir.path());
    let doc: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("results.json")).unwrap()).unwrap();
    let mut reader = csv::Reader::from_path(dir.path().join("results.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header[..8],
        [
            "statistic",
            "kind",
            "cell",
            "cell.zone",
            "cell.band",
            "cell.asthma",
            "interval_start",
            "interval_end"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let rows: usize = doc["statistics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["values"].as_array().unwrap().len())
        .sum();
    assert_eq!(records.len(), rows);
    let pair = records
        .iter()
        .find(|r| &r[8] == "pm25,no2")
        .expect("the pm25, no2 correlation");
    assert_eq!(&pair[0], "#4 correlation(pm25, no2, age)");
    assert_eq!((&pair[9], &pair[10], &pair[12]), ("r", "0.62", "1"));
}

#[test]
fn a_measure_or_test_foreign_to_the_kind_is_refused() {
    // #3 is a mean: no correlation row, and no test.
    refused(
        |d| d["statistics"][2]["values"][1]["measure"] = json!("r"),
        "/statistics/2/values/1/measure",
    );
    refused(
        |d| {
            let test = d["statistics"][5]["tests"][0].clone();
            d["statistics"][2]["tests"] = json!([test]);
        },
        "/statistics/2/tests",
    );
}
