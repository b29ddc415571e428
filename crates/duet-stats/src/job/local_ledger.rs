//! The `[ledger]` table of local.toml: where this side keeps its release
//! ledger, the key its runs are recorded under, and the lifetime
//! differential-privacy budget per dataset. Like the rest of local.toml it
//! is never sent to the peer.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::LocalError;

/// Appended to the CSV's path to name the default ledger beside it.
pub const LEDGER_SUFFIX: &str = ".duet-ledger.json";
/// Default lifetime epsilon per dataset.
pub const DEFAULT_LIFETIME_EPSILON: f64 = 10.0;
/// Default lifetime delta per dataset.
pub const DEFAULT_LIFETIME_DELTA: f64 = 1e-5;

/// `[ledger]`: the release ledger and lifetime budget; every field optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerConfig {
    /// The ledger file (default: the CSV's path with [`LEDGER_SUFFIX`]
    /// appended, so the ledger lives beside the data it protects).
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// The dataset's key in the ledger (default: the SHA-256 of the CSV,
    /// so an edited CSV is a new dataset unless the institution names it).
    #[serde(default)]
    pub dataset: Option<String>,
    /// Lifetime epsilon per dataset, over every run with any peer
    /// (default [`DEFAULT_LIFETIME_EPSILON`]; finite and above 0).
    #[serde(default = "default_epsilon")]
    pub epsilon: f64,
    /// Lifetime delta per dataset (default [`DEFAULT_LIFETIME_DELTA`];
    /// at least 0 and below 1).
    #[serde(default = "default_delta")]
    pub delta: f64,
}

fn default_epsilon() -> f64 {
    DEFAULT_LIFETIME_EPSILON
}

fn default_delta() -> f64 {
    DEFAULT_LIFETIME_DELTA
}

impl Default for LedgerConfig {
    fn default() -> Self {
        LedgerConfig {
            path: None,
            dataset: None,
            epsilon: DEFAULT_LIFETIME_EPSILON,
            delta: DEFAULT_LIFETIME_DELTA,
        }
    }
}

fn refused(field: &'static str, value: impl ToString, reason: &'static str) -> LocalError {
    LocalError::Ledger {
        field,
        value: value.to_string(),
        reason,
    }
}

impl LedgerConfig {
    /// Refuses a budget that is not finite, an epsilon not above 0, a delta
    /// outside `[0, 1)`, and an empty path or dataset id.
    pub fn check(&self) -> Result<(), LocalError> {
        if !(self.epsilon.is_finite() && self.epsilon > 0.0) {
            return Err(refused(
                "epsilon",
                self.epsilon,
                "must be finite and above 0",
            ));
        }
        if !(self.delta.is_finite() && (0.0..1.0).contains(&self.delta)) {
            return Err(refused(
                "delta",
                self.delta,
                "must be at least 0 and below 1",
            ));
        }
        if self.dataset.as_deref().is_some_and(|d| d.trim().is_empty()) {
            return Err(refused("dataset", "\"\"", "must not be empty"));
        }
        if self.path.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
            return Err(refused("path", "\"\"", "must not be empty"));
        }
        Ok(())
    }

    /// The ledger file for data in `csv`: `path` if given, else beside it.
    pub fn path_for(&self, csv: &Path) -> PathBuf {
        self.path.clone().unwrap_or_else(|| {
            let mut name = OsString::from(csv.as_os_str());
            name.push(LEDGER_SUFFIX);
            PathBuf::from(name)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::LocalConfig;

    const BASE: &str = "role = \"p0\"\ncsv = \"data/a.csv\"\nkey = \"k\"\ncert = \"c\"\n\
                        listen = \"127.0.0.1:1\"\noutput_dir = \"o\"\n";

    fn parse(ledger: &str) -> Result<LocalConfig, LocalError> {
        LocalConfig::from_toml_str(&format!("{BASE}{ledger}"))
    }

    fn refusal(ledger: &str) -> (&'static str, String) {
        match parse(ledger) {
            Err(LocalError::Ledger { field, value, .. }) => (field, value),
            other => panic!("expected a ledger refusal, got {other:?}"),
        }
    }

    #[test]
    fn absent_table_gives_the_defaults() {
        let cfg = parse("").unwrap();
        assert_eq!(cfg.ledger, LedgerConfig::default());
        assert_eq!(cfg.ledger.epsilon, 10.0);
        assert_eq!(cfg.ledger.delta, 1e-5);
        assert_eq!(cfg.ledger_path(), Path::new("data/a.csv.duet-ledger.json"));
    }

    #[test]
    fn every_field_is_read() {
        let cfg = parse(
            "[ledger]\npath = \"l.json\"\ndataset = \"cohort-2024\"\nepsilon = 3\ndelta = 0.0\n",
        )
        .unwrap();
        let want = LedgerConfig {
            path: Some(PathBuf::from("l.json")),
            dataset: Some("cohort-2024".into()),
            epsilon: 3.0,
            delta: 0.0,
        };
        assert_eq!(cfg.ledger, want);
        assert_eq!(cfg.ledger_path(), Path::new("l.json"));
    }

    #[test]
    fn an_empty_table_keeps_the_defaults() {
        assert_eq!(parse("[ledger]\n").unwrap().ledger, LedgerConfig::default());
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(matches!(
            parse("[ledger]\nbudget = 1.0\n"),
            Err(LocalError::Toml(_))
        ));
    }

    #[test]
    fn bad_budgets_are_refused() {
        assert_eq!(
            refusal("[ledger]\nepsilon = 0.0\n"),
            ("epsilon", "0".into())
        );
        assert_eq!(
            refusal("[ledger]\nepsilon = -1.0\n"),
            ("epsilon", "-1".into())
        );
        assert_eq!(
            refusal("[ledger]\nepsilon = inf\n"),
            ("epsilon", "inf".into())
        );
        assert_eq!(
            refusal("[ledger]\nepsilon = nan\n"),
            ("epsilon", "NaN".into())
        );
        assert_eq!(refusal("[ledger]\ndelta = 1.0\n"), ("delta", "1".into()));
        assert_eq!(
            refusal("[ledger]\ndelta = -1e-9\n"),
            ("delta", "-0.000000001".into())
        );
        assert_eq!(refusal("[ledger]\ndelta = nan\n"), ("delta", "NaN".into()));
    }

    #[test]
    fn empty_ids_and_paths_are_refused() {
        assert_eq!(refusal("[ledger]\ndataset = \" \"\n").0, "dataset");
        assert_eq!(refusal("[ledger]\npath = \"\"\n").0, "path");
    }

    #[test]
    fn the_refusal_says_what_to_fix() {
        let err = parse("[ledger]\nepsilon = 0.0\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "local settings: ledger.epsilon = 0: must be finite and above 0"
        );
    }

    #[test]
    fn relative_paths_are_taken_from_the_settings_directory() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("local.toml");
        std::fs::write(&file, format!("{BASE}[ledger]\npath = \"l/ledger.json\"\n")).unwrap();
        let cfg = LocalConfig::load(&file).unwrap();
        assert_eq!(cfg.ledger_path(), dir.path().join("l/ledger.json"));

        std::fs::write(&file, BASE).unwrap();
        let cfg = LocalConfig::load(&file).unwrap();
        assert_eq!(
            cfg.ledger_path(),
            dir.path().join("data/a.csv.duet-ledger.json")
        );
    }

    #[test]
    fn absolute_paths_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("local.toml");
        let abs = dir.path().join("elsewhere.json");
        std::fs::write(&file, format!("{BASE}[ledger]\npath = {abs:?}\n")).unwrap();
        assert_eq!(LocalConfig::load(&file).unwrap().ledger_path(), abs);
    }
}
