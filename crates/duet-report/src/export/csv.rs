//! `results.csv`: the document's values as a tidy table, one row per
//! value (released or withheld), for spreadsheets and data frames.

use serde_json::Number;

use super::document::{ResultsDocument, Statistic, ValueRow};

/// The fixed columns before the per-grouping-column ones.
const HEAD: [&str; 3] = ["statistic", "kind", "cell"];

/// The fixed columns after them.
const TAIL: [&str; 15] = [
    "interval_start",
    "interval_end",
    "term",
    "measure",
    "value",
    "exact",
    "unit",
    "places",
    "std_error",
    "ci_low",
    "ci_high",
    "test_statistic",
    "p_value",
    "released",
    "reason",
];

/// The CSV text of `doc`: a header, then one row per value. `cell` holds
/// the whole cell as `column=level;column=level` (empty for all records),
/// and each grouping column also has its own `cell.<column>` column; a
/// correlation's pair is written in `term` as `x,y`.
pub fn to_csv(doc: &ResultsDocument) -> Result<Vec<u8>, csv::Error> {
    let grouping = grouping_columns(doc);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = HEAD.iter().map(|s| s.to_string()).collect();
    header.extend(grouping.iter().map(|c| format!("cell.{c}")));
    header.extend(TAIL.iter().map(|s| s.to_string()));
    w.write_record(&header)?;
    for s in &doc.statistics {
        for v in &s.values {
            w.write_record(record(s, v, &grouping))?;
        }
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The category columns any cell names, in the job's column order.
fn grouping_columns(doc: &ResultsDocument) -> Vec<String> {
    doc.columns
        .iter()
        .map(|c| &c.name)
        .filter(|name| {
            doc.statistics
                .iter()
                .flat_map(|s| &s.values)
                .any(|v| v.cell.contains_key(*name))
        })
        .cloned()
        .collect()
}

fn record(s: &Statistic, v: &ValueRow, grouping: &[String]) -> Vec<String> {
    let cell: Vec<String> = v.cell.iter().map(|(k, l)| format!("{k}={l}")).collect();
    let mut out = vec![s.label.clone(), s.kind.clone(), cell.join(";")];
    out.extend(
        grouping
            .iter()
            .map(|g| v.cell.get(g).cloned().unwrap_or_default()),
    );
    let term = match (&v.term, &v.pair) {
        (Some(t), _) => t.clone(),
        (None, Some([x, y])) => format!("{x},{y}"),
        (None, None) => String::new(),
    };
    out.extend([
        real(v.interval.as_ref().map(|i| i.start)),
        real(v.interval.as_ref().map(|i| i.end)),
        term,
        v.measure.clone(),
        v.value.as_ref().map_or_else(String::new, Number::to_string),
        v.exact.clone().unwrap_or_default(),
        v.unit.clone(),
        v.places.map_or_else(String::new, |p| p.to_string()),
        real(v.std_error),
        real(v.ci_low),
        real(v.ci_high),
        real(v.test_statistic),
        real(v.p_value),
        v.released.to_string(),
        v.reason.clone().unwrap_or_default(),
    ]);
    out
}

fn real(v: Option<f64>) -> String {
    v.and_then(Number::from_f64)
        .map_or_else(String::new, |n| n.to_string())
}
