//! The report of one run: what was done, and risk and utility before and
//! after, as JSON for machines and as text for people.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::error::{AnonError, Result};
use crate::measure::{Measure, Utility};
use crate::model::PrivacyModel;
use crate::risk::{Risk, RiskSummary};
use crate::search::SearchResult;

/// One quasi-identifier's chosen generalisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QiLevel {
    /// Column name.
    pub column: String,
    /// Hierarchy file or rule.
    pub hierarchy: String,
    /// Chosen level (0 = original values).
    pub level: usize,
    /// Highest level available.
    pub height: usize,
}

/// Risk and utility of one version of the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Records.
    pub records: u64,
    /// Equivalence classes over the quasi-identifiers as written.
    pub classes: u64,
    /// Smallest class.
    pub smallest_class: u64,
    /// Re-identification risks.
    pub risk: Risk,
    /// Utility measures (lower is better; 0 for the original data).
    pub utility: Utility,
}

/// Everything a data steward needs to judge a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnonReport {
    /// Input file.
    pub input: String,
    /// Output CSV.
    pub output: String,
    /// Transforms applied before the search, in order.
    pub transforms: Vec<String>,
    /// Columns removed as directly identifying.
    pub removed_columns: Vec<String>,
    /// The chosen generalisation per quasi-identifier.
    pub quasi_identifiers: Vec<QiLevel>,
    /// Sensitive column, if any.
    pub sensitive: Option<String>,
    /// Privacy models enforced.
    pub privacy_models: Vec<PrivacyModel>,
    /// Suppression limit (fraction of input records).
    pub suppression_limit: f64,
    /// Measure minimised.
    pub measure: Measure,
    /// Search outcome and cost.
    pub search: SearchResult,
    /// Records suppressed at the optimum.
    pub suppressed_records: u64,
    /// The data after the transforms, before generalisation.
    pub before: Snapshot,
    /// The data as written.
    pub after: Snapshot,
    /// What the steward should know before releasing the output (for
    /// example masked records forming a class smaller than k).
    #[serde(default)]
    pub warnings: Vec<String>,
}

impl AnonReport {
    /// Pretty JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| AnonError::InvalidParameter {
            name: "report",
            value: e.to_string(),
            reason: "the report could not be serialised",
        })
    }

    /// Readable text.
    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "duet-anon report\n\ninput:  {}\noutput: {}",
            self.input, self.output
        );
        for w in &self.warnings {
            let _ = writeln!(t, "WARNING: {w}");
        }
        for tr in &self.transforms {
            let _ = writeln!(t, "transform: {tr}");
        }
        if !self.removed_columns.is_empty() {
            let _ = writeln!(
                t,
                "removed identifying columns: {}",
                self.removed_columns.join(", ")
            );
        }
        let _ = writeln!(t, "\nprivacy models: {}", self.models_text());
        let _ = writeln!(
            t,
            "suppression limit: {:.2}%",
            self.suppression_limit * 100.0
        );
        let _ = writeln!(
            t,
            "measure minimised: {:?}\n\ngeneralisation:",
            self.measure
        );
        for q in &self.quasi_identifiers {
            let _ = writeln!(
                t,
                "  {:<20} level {}/{}  ({})",
                q.column, q.level, q.height, q.hierarchy
            );
        }
        let s = &self.search;
        let _ = writeln!(
            t,
            "\nsearch: {} of {} transformations checked in {:.1} ms; {} records suppressed\n",
            s.checked, s.nodes, s.millis, self.suppressed_records
        );
        let _ = writeln!(t, "{:<36}{:>18}{:>18}", "", "before", "after");
        for (name, b, a) in self.rows() {
            let _ = writeln!(t, "{name:<36}{b:>18}{a:>18}");
        }
        t
    }

    fn models_text(&self) -> String {
        let names: Vec<String> = self
            .privacy_models
            .iter()
            .map(|m| format!("{m:?}"))
            .collect();
        names.join(", ")
    }

    fn rows(&self) -> Vec<(String, String, String)> {
        let (b, a) = (&self.before, &self.after);
        let f = |x: f64| format!("{x:.6}");
        let risk = |name: &str, rb: &RiskSummary, ra: &RiskSummary| {
            vec![
                (
                    format!("{name} risk, highest"),
                    f(rb.highest),
                    f(ra.highest),
                ),
                (
                    format!("{name} risk, average"),
                    f(rb.average),
                    f(ra.average),
                ),
                (
                    format!("{name} records at risk (>{})", b.risk.threshold),
                    f(rb.records_at_risk),
                    f(ra.records_at_risk),
                ),
            ]
        };
        let mut rows = vec![
            (
                "records".into(),
                b.records.to_string(),
                a.records.to_string(),
            ),
            (
                "equivalence classes".into(),
                b.classes.to_string(),
                a.classes.to_string(),
            ),
            (
                "smallest class".into(),
                b.smallest_class.to_string(),
                a.smallest_class.to_string(),
            ),
        ];
        rows.extend(risk("prosecutor", &b.risk.prosecutor, &a.risk.prosecutor));
        rows.extend(risk("journalist", &b.risk.journalist, &a.risk.journalist));
        rows.push((
            "marketer risk".into(),
            f(b.risk.marketer),
            f(a.risk.marketer),
        ));
        let (ub, ua) = (&b.utility, &a.utility);
        rows.push(("loss (ARX Loss)".into(), f(ub.loss), f(ua.loss)));
        rows.push((
            "non-uniform entropy (bits)".into(),
            f(ub.non_uniform_entropy),
            f(ua.non_uniform_entropy),
        ));
        rows.push((
            "discernibility".into(),
            f(ub.discernibility),
            f(ua.discernibility),
        ));
        rows.push(("average class size".into(), f(ub.aecs), f(ua.aecs)));
        rows.push(("precision".into(), f(ub.precision), f(ua.precision)));
        rows
    }
}
