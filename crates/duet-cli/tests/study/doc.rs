//! Reading results.json (format duet-results/2) the way a program would,
//! and checking it against the published schema, docs/results.schema.json.

use serde_json::Value;

use crate::root;

/// The rows of `measure`, in document (plan) order.
pub fn rows<'a>(stat: &'a Value, measure: &str) -> Vec<&'a Value> {
    stat["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["measure"] == measure)
        .collect()
}

/// The `i`-th row of `measure` (the `i`-th cell, for per-cell measures).
pub fn nth<'a>(stat: &'a Value, measure: &str, i: usize) -> &'a Value {
    rows(stat, measure)
        .get(i)
        .copied()
        .unwrap_or_else(|| panic!("{}: no row {i} of {measure}", stat["label"]))
}

/// The released count of the `i`-th cell, or None when withheld.
pub fn n(stat: &Value, i: usize) -> Option<u64> {
    let row = nth(stat, "n", i);
    if row["released"].as_bool().unwrap() {
        Some(row["value"].as_u64().unwrap())
    } else {
        assert!(row["value"].is_null() && row["reason"].is_string(), "{row}");
        None
    }
}

/// The row of a correlation's pair of columns.
pub fn pair<'a>(stat: &'a Value, x: &str, y: &str) -> &'a Value {
    rows(stat, "r")
        .into_iter()
        .find(|v| v["pair"] == serde_json::json!([x, y]))
        .unwrap_or_else(|| panic!("{}: no pair {x}, {y}", stat["label"]))
}

/// The test named `name` of a statistic.
pub fn test<'a>(stat: &'a Value, name: &str) -> &'a Value {
    stat["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["test"] == name)
        .unwrap_or_else(|| panic!("{}: no {name} test", stat["label"]))
}

/// The published schema.
pub fn schema() -> Value {
    let path = root().join("docs/results.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The schema's complaints about `doc`, one line each.
pub fn schema_errors(doc: &Value) -> Vec<String> {
    let validator = jsonschema::draft202012::new(&schema()).unwrap();
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Fails, listing every complaint, unless `doc` follows the schema; and
/// unless it reads into the typed document a Rust program would use.
pub fn assert_valid(doc: &Value) {
    let errors = schema_errors(doc);
    assert!(
        errors.is_empty(),
        "results.json breaks the schema:\n{}",
        errors.join("\n")
    );
    let typed: duet_report::export::ResultsDocument = serde_json::from_value(doc.clone()).unwrap();
    assert_eq!(&serde_json::to_value(&typed).unwrap(), doc);
}
