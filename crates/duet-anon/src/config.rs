//! The TOML configuration of one anonymisation run (`duet anonymize
//! --config anon.toml`). Relative paths are resolved against a base
//! directory, normally the configuration file's own.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{AnonError, Result};
use crate::measure::Measure;
use crate::model::PrivacyModel;
use crate::rules::Rule;
use crate::table::{CsvOptions, Encoding};

/// A whole run: input, transforms, quasi-identifiers, privacy, outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnonConfig {
    /// The data to anonymise.
    pub input: InputConfig,
    /// Where results go.
    pub output: OutputConfig,
    /// Optional population table (same quasi-identifier columns, read like
    /// the input) for the journalist and marketer risk models.
    #[serde(default)]
    pub population: Option<PathBuf>,
    /// Directly identifying columns, removed from the output.
    #[serde(default)]
    pub identifying: Vec<String>,
    /// Record-level transforms, applied in order before the search.
    #[serde(default, rename = "transform")]
    pub transforms: Vec<TransformConfig>,
    /// Quasi-identifiers, each with a hierarchy file or a rule.
    #[serde(rename = "quasi_identifier")]
    pub quasi_identifiers: Vec<QuasiIdentifierConfig>,
    /// The sensitive attribute, needed by l-diversity and t-closeness.
    #[serde(default)]
    pub sensitive: Option<SensitiveConfig>,
    /// Privacy models that must all hold.
    #[serde(rename = "privacy_model")]
    pub privacy_models: Vec<PrivacyModel>,
    /// Suppression limit, measure and risk threshold.
    #[serde(default)]
    pub search: SearchConfig,
}

/// Input file and how to read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputConfig {
    /// CSV file with a header line.
    pub path: PathBuf,
    /// One-character field delimiter (default `,`).
    #[serde(default = "comma")]
    pub delimiter: String,
    /// `utf-8` (default) or `latin-1`.
    #[serde(default)]
    pub encoding: Encoding,
}

fn comma() -> String {
    ",".into()
}

impl InputConfig {
    /// The CSV options, checking the delimiter is one ASCII character.
    pub fn csv_options(&self) -> Result<CsvOptions> {
        Ok(CsvOptions {
            delimiter: delimiter_byte(&self.delimiter)?,
            encoding: self.encoding,
        })
    }
}

pub(crate) fn delimiter_byte(text: &str) -> Result<u8> {
    match text.as_bytes() {
        [b] if b.is_ascii() && *b != b'"' && *b != b'\n' && *b != b'\r' => Ok(*b),
        _ => Err(AnonError::InvalidParameter {
            name: "delimiter",
            value: format!("{text:?}"),
            reason: "give one ASCII character other than a quote or line break",
        }),
    }
}

/// What happens to records of suppressed classes in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SuppressedRecords {
    /// Kept, with every quasi-identifier written as `*` (as ARX does).
    #[default]
    Mask,
    /// Left out of the output.
    Remove,
}

/// Output paths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// The anonymised CSV.
    pub csv: PathBuf,
    /// The report as JSON.
    pub report_json: PathBuf,
    /// The report as readable text.
    pub report_text: PathBuf,
    /// Output delimiter (default: the input's).
    #[serde(default)]
    pub delimiter: Option<String>,
    /// Mask (default) or remove suppressed records.
    #[serde(default)]
    pub suppressed_records: SuppressedRecords,
}

/// One quasi-identifier and its generalisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuasiIdentifierConfig {
    /// Column name.
    pub column: String,
    /// ARX hierarchy file (read with the input's delimiter and encoding).
    #[serde(default)]
    pub hierarchy: Option<PathBuf>,
    /// Or a rule that builds the hierarchy.
    #[serde(default)]
    pub rule: Option<Rule>,
}

/// The sensitive attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensitiveConfig {
    /// Column name.
    pub column: String,
    /// Hierarchy file, required for hierarchical t-closeness.
    #[serde(default)]
    pub hierarchy: Option<PathBuf>,
}

/// Search settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    /// Largest share of records that may be suppressed, in [0, 1].
    #[serde(default)]
    pub suppression_limit: f64,
    /// Measure to minimise (default `loss`).
    #[serde(default)]
    pub measure: Measure,
    /// Per-record risk above which a record counts as at risk (default 0.2).
    #[serde(default = "default_threshold")]
    pub risk_threshold: f64,
}

fn default_threshold() -> f64 {
    0.2
}

impl Default for SearchConfig {
    fn default() -> Self {
        Self {
            suppression_limit: 0.0,
            measure: Measure::Loss,
            risk_threshold: default_threshold(),
        }
    }
}

/// A record-level transform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum TransformConfig {
    /// Keyed HMAC-SHA256 pseudonyms.
    Pseudonymize {
        /// Column to replace.
        column: String,
        /// Hex key file (at least 32 bytes).
        key_file: PathBuf,
        /// Hex digits kept (default 32, i.e. 128 bits).
        #[serde(default = "default_hex_len")]
        hex_len: usize,
    },
    /// Top and bottom coding of a numeric column.
    TopBottomCode {
        /// Column.
        column: String,
        /// Smaller values become this.
        #[serde(default)]
        bottom: Option<f64>,
        /// Larger values become this.
        #[serde(default)]
        top: Option<f64>,
    },
    /// Cell suppression of values held by fewer than `min_count` records.
    SuppressRare {
        /// Column.
        column: String,
        /// Minimum number of records per kept value.
        min_count: u64,
    },
    /// Record suppression of records holding one of `values` in `column`.
    RemoveRecords {
        /// Column.
        column: String,
        /// Values whose records are removed.
        values: Vec<String>,
    },
    /// Per-subject consistent date shifting.
    ShiftDates {
        /// Date columns (`YYYY-MM-DD`).
        columns: Vec<String>,
        /// Column identifying the subject.
        subject: String,
        /// Hex key file (at least 32 bytes).
        key_file: PathBuf,
        /// Largest shift in days, either way.
        max_days: u32,
    },
    /// MDAV microaggregation of numeric columns.
    Microaggregate {
        /// Columns aggregated together.
        columns: Vec<String>,
        /// Minimum group size.
        k: usize,
    },
    /// Additive discrete Laplace noise on an integer column.
    AddNoise {
        /// Column.
        column: String,
        /// Scale numerator.
        scale_num: u64,
        /// Scale denominator (default 1).
        #[serde(default = "one")]
        scale_den: u64,
    },
}

fn default_hex_len() -> usize {
    32
}

fn one() -> u64 {
    1
}

impl AnonConfig {
    /// Parses TOML text; `source` names it in errors.
    pub fn from_toml(source: &Path, text: &str) -> Result<Self> {
        let cfg: Self = toml::from_str(text).map_err(|e| AnonError::Config {
            path: source.into(),
            message: e.message().to_owned() + &span_note(text, e.span()),
        })?;
        cfg.validate(source)?;
        Ok(cfg)
    }

    /// Reads and parses a TOML file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| AnonError::io(path, "read", e))?;
        Self::from_toml(path, &text)
    }

    fn validate(&self, source: &Path) -> Result<()> {
        let fail = |message: String| {
            Err(AnonError::Config {
                path: source.into(),
                message,
            })
        };
        for q in &self.quasi_identifiers {
            if q.hierarchy.is_some() == q.rule.is_some() {
                return fail(format!(
                    "quasi-identifier `{}` needs exactly one of `hierarchy` or `rule`",
                    q.column
                ));
            }
        }
        if self.quasi_identifiers.is_empty() {
            return fail("give at least one [[quasi_identifier]]".into());
        }
        crate::guard::check_roles(self, source)?;
        if self
            .privacy_models
            .iter()
            .any(PrivacyModel::needs_sensitive)
            && self.sensitive.is_none()
        {
            return fail("l-diversity and t-closeness need a [sensitive] column".into());
        }
        Ok(())
    }
}

fn span_note(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    let Some(span) = span else {
        return String::new();
    };
    let before = text.get(..span.start).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |p| p + 1) + 1;
    format!(" (line {line}, column {column})")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        [input]
        path = "data.csv"
        [output]
        csv = "out.csv"
        report_json = "r.json"
        report_text = "r.txt"
        [[quasi_identifier]]
        column = "age"
        rule = { kind = "intervals", widths = [5, 10] }
        [[privacy_model]]
        kind = "k_anonymity"
        k = 2
    "#;

    #[test]
    fn parses_minimal_config_with_defaults() {
        let cfg = AnonConfig::from_toml(Path::new("a.toml"), MINIMAL).unwrap();
        assert_eq!(cfg.input.csv_options().unwrap().delimiter, b',');
        assert_eq!(cfg.search.measure, Measure::Loss);
        assert_eq!(cfg.privacy_models, [PrivacyModel::KAnonymity { k: 2 }]);
        assert_eq!(
            cfg.quasi_identifiers[0].rule,
            Some(Rule::Intervals {
                widths: vec![5, 10]
            })
        );
    }

    #[test]
    fn errors_name_line_and_column() {
        let bad = MINIMAL.replace("k = 2", "k = \"two\"");
        let err = AnonConfig::from_toml(Path::new("a.toml"), &bad).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("a.toml: invalid configuration:"),
            "{err}"
        );
        assert!(err.to_string().contains("(line 11, column 9)"), "{err}");
        let needs_sensitive = MINIMAL.replace(
            "kind = \"k_anonymity\"\n        k = 2",
            "kind = \"distinct_l\"\n        l = 2",
        );
        let err = AnonConfig::from_toml(Path::new("a.toml"), &needs_sensitive).unwrap_err();
        assert!(err.to_string().contains("[sensitive]"), "{err}");
    }
}
