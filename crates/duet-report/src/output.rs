//! Result files, written all together or not at all: `results.json` (the
//! released values, the same on both sides, in the documented
//! `duet-results/2` form of [`crate::export`]), `results.csv` (the same
//! values, one row each), `report.txt` (the same,
//! readable), `report.html` (the same with tables and charts, one
//! self-contained file) and `manifest.json` (what crossed the link and
//! what was revealed, as this side saw it, with the disclosure control
//! status and the rules in force).
//!
//! Each file is written to a temporary sibling, synced, then renamed into
//! place; if any step fails, every temporary and every file already renamed
//! by this call is removed, so a failed run leaves no result files.

use std::path::{Path, PathBuf};

use duet_core::Role;
use serde::Serialize;

use duet_stats::atomic::{stage, Temps, WriteError};
use duet_stats::data::LoadLog;
use duet_stats::job::{hex, Job};
use duet_stats::results::{Results, Revealed};
use duet_stats::traffic::{KindCount, KindRow, Traffic};

use crate::export::ExportError;

/// Result file names.
pub const RESULTS_FILE: &str = "results.json";
/// The results as a table, one row per value.
pub const RESULTS_CSV_FILE: &str = "results.csv";
/// Report file name.
pub const REPORT_FILE: &str = "report.txt";
/// HTML report file name.
pub const HTML_FILE: &str = "report.html";
/// Manifest file name.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Why the result files could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// A file operation failed; nothing was left behind.
    #[error("{path}: {action} failed: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Results of an earlier run would be replaced (`--force` replaces them).
    #[error(
        "{path} holds results of an earlier run; move them away or pass --force to replace them"
    )]
    Exists {
        /// The earlier file.
        path: PathBuf,
    },
    /// Serialisation failed.
    #[error("cannot serialise {what}: {source}")]
    Json {
        /// Which file.
        what: &'static str,
        /// The serialiser's error.
        source: serde_json::Error,
    },
    /// The job does not describe the results.
    #[error("cannot write the results document: {0}")]
    Export(#[from] ExportError),
    /// The CSV writer failed.
    #[error("cannot write results.csv: {0}")]
    Csv(#[from] csv::Error),
}

impl From<WriteError> for OutputError {
    fn from(e: WriteError) -> Self {
        let WriteError {
            path,
            action,
            source,
            ..
        } = e;
        OutputError::Io {
            path,
            action,
            source,
        }
    }
}

/// What the caller knows of the run beyond the results.
#[derive(Debug, Clone, Copy)]
pub struct RunInfo<'a> {
    /// The job the results are of (its columns and statistics give the
    /// results document its cells and units).
    pub job: &'a Job,
    /// This side's role.
    pub role: Role,
    /// The transcript digest both sides agreed on.
    pub transcript_digest: [u8; 32],
    /// What crossed the link (from the channel's counters).
    pub traffic: &'a Traffic,
    /// This side's load log (shown in the report only; it never crossed).
    pub load_log: Option<&'a LoadLog>,
}

/// Where the files were written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputPaths {
    /// `results.json`.
    pub results: PathBuf,
    /// `results.csv`.
    pub csv: PathBuf,
    /// `report.txt`.
    pub report: PathBuf,
    /// `report.html`.
    pub html: PathBuf,
    /// `manifest.json`.
    pub manifest: PathBuf,
}

#[derive(Serialize)]
struct ManifestFile<'a> {
    format: &'static str,
    job_name: &'a str,
    job_hash: &'a str,
    role: String,
    transcript_digest: String,
    messages: Vec<KindRow>,
    totals: KindCount,
    disclosure_control: &'a str,
    rules_in_force: &'a [String],
    revealed: &'a [Revealed],
}

/// Writes the five files into `dir` (created if missing), all or none.
pub fn write_outputs(
    dir: &Path,
    results: &Results,
    run: &RunInfo<'_>,
) -> Result<OutputPaths, OutputError> {
    stage_outputs(dir, results, run)?.commit()
}

/// Writes the five files into `dir` (created if missing) as synced
/// temporaries, to be put in place by [`Staged::commit`] once the peer
/// agreed; dropped uncommitted, they are removed.
pub fn stage_outputs(
    dir: &Path,
    results: &Results,
    run: &RunInfo<'_>,
) -> Result<Staged, OutputError> {
    std::fs::create_dir_all(dir).map_err(|source| OutputError::Io {
        path: dir.to_path_buf(),
        action: "create directory",
        source,
    })?;
    let digest = hex(&run.transcript_digest);
    let document = crate::export::document(run.job, results, &digest)?;
    let results_json = json("results", &document)?;
    let results_csv = crate::export::to_csv(&document)?;
    let manifest_json = json(
        "manifest",
        &ManifestFile {
            format: "duet-manifest/1",
            job_name: &results.job_name,
            job_hash: &results.job_hash,
            role: run.role.to_string(),
            transcript_digest: digest,
            messages: run.traffic.rows(),
            totals: run.traffic.total(),
            disclosure_control: &results.disclosure.control,
            rules_in_force: &results.disclosure.rules,
            revealed: &results.revealed,
        },
    )?;
    let report = crate::report::render(results, run);
    let html = crate::html::render(results, run);
    let paths = OutputPaths {
        results: dir.join(RESULTS_FILE),
        csv: dir.join(RESULTS_CSV_FILE),
        report: dir.join(REPORT_FILE),
        html: dir.join(HTML_FILE),
        manifest: dir.join(MANIFEST_FILE),
    };
    let files = [
        (&paths.results, results_json),
        (&paths.csv, results_csv),
        (&paths.report, report.into_bytes()),
        (&paths.html, html.into_bytes()),
        (&paths.manifest, manifest_json),
    ];
    let files = files.map(|(p, b)| (p.clone(), b));
    let temps = stage(&files)?;
    Ok(Staged { temps, paths })
}

/// Result files written as temporaries, not yet in place.
#[derive(Debug)]
pub struct Staged {
    temps: Temps,
    paths: OutputPaths,
}

impl Staged {
    /// Renames every temporary into place (all or none) and returns where.
    pub fn commit(self) -> Result<OutputPaths, OutputError> {
        self.temps.place()?;
        Ok(self.paths)
    }
}

fn json<T: Serialize>(what: &'static str, v: &T) -> Result<Vec<u8>, OutputError> {
    let mut bytes =
        serde_json::to_vec_pretty(v).map_err(|source| OutputError::Json { what, source })?;
    bytes.push(b'\n');
    Ok(bytes)
}
