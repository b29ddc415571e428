//! Result files, written all together or not at all: `results.json` (the
//! released values, the same on both sides), `report.txt` (the same,
//! readable), `report.html` (the same with tables and charts, one
//! self-contained file) and `manifest.json` (what crossed the link and
//! what was revealed, as this side saw it, with the disclosure control
//! status and the rules in force).
//!
//! Each file is written to a temporary sibling, synced, then renamed into
//! place; if any step fails, every temporary and every file already renamed
//! by this call is removed, so a failed run leaves no result files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use duet_core::Role;
use serde::Serialize;

use crate::data::LoadLog;
use crate::job::hex;
use crate::results::{Results, Revealed};
use crate::traffic::{KindCount, KindRow, Traffic};

/// Result file names.
pub const RESULTS_FILE: &str = "results.json";
/// Report file name.
pub const REPORT_FILE: &str = "report.txt";
/// HTML report file name.
pub const HTML_FILE: &str = "report.html";
/// Manifest file name.
pub const MANIFEST_FILE: &str = "manifest.json";

static COUNTER: AtomicU64 = AtomicU64::new(0);

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
    /// Serialisation failed.
    #[error("cannot serialise {what}: {source}")]
    Json {
        /// Which file.
        what: &'static str,
        /// The serialiser's error.
        source: serde_json::Error,
    },
}

/// What the caller knows of the run beyond the results.
#[derive(Debug, Clone, Copy)]
pub struct RunInfo<'a> {
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
    /// `report.txt`.
    pub report: PathBuf,
    /// `report.html`.
    pub html: PathBuf,
    /// `manifest.json`.
    pub manifest: PathBuf,
}

#[derive(Serialize)]
struct ResultsFile<'a> {
    format: &'static str,
    #[serde(flatten)]
    results: &'a Results,
    transcript_digest: String,
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

/// Writes the four files into `dir` (created if missing), all or none.
pub fn write_outputs(
    dir: &Path,
    results: &Results,
    run: &RunInfo<'_>,
) -> Result<OutputPaths, OutputError> {
    std::fs::create_dir_all(dir).map_err(|source| OutputError::Io {
        path: dir.to_path_buf(),
        action: "create directory",
        source,
    })?;
    let digest = hex(&run.transcript_digest);
    let results_json = json(
        "results",
        &ResultsFile {
            format: "duet-results/1",
            results,
            transcript_digest: digest.clone(),
        },
    )?;
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
        report: dir.join(REPORT_FILE),
        html: dir.join(HTML_FILE),
        manifest: dir.join(MANIFEST_FILE),
    };
    let files = [
        (&paths.results, results_json),
        (&paths.report, report.into_bytes()),
        (&paths.html, html.into_bytes()),
        (&paths.manifest, manifest_json),
    ];
    write_all_or_none(&files)?;
    Ok(paths)
}

fn json<T: Serialize>(what: &'static str, v: &T) -> Result<Vec<u8>, OutputError> {
    let mut bytes =
        serde_json::to_vec_pretty(v).map_err(|source| OutputError::Json { what, source })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Temporaries first (each a sibling of its target, written and synced),
/// then renames; on any failure, removes what it made, so every target is
/// either replaced whole or left as it was. Also used for the release
/// ledger.
pub(crate) fn write_all_or_none(files: &[(&PathBuf, Vec<u8>)]) -> Result<(), OutputError> {
    let mut temps = Vec::new();
    let mut placed: Vec<&Path> = Vec::new();
    let result = (|| {
        for (path, bytes) in files {
            let tmp = temp_sibling(path);
            temps.push(tmp.clone());
            write_synced(&tmp, bytes)?;
        }
        for ((path, _), tmp) in files.iter().zip(&temps) {
            std::fs::rename(tmp, path).map_err(|source| OutputError::Io {
                path: path.to_path_buf(),
                action: "rename",
                source,
            })?;
            placed.push(path.as_path());
        }
        Ok(())
    })();
    if result.is_err() {
        // Best effort: these files are ours and must not outlive a failure.
        for p in temps.iter().map(PathBuf::as_path).chain(placed) {
            let _ = std::fs::remove_file(p);
        }
    }
    result
}

fn write_synced(tmp: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let io = |action| {
        move |source| OutputError::Io {
            path: tmp.to_path_buf(),
            action,
            source,
        }
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(tmp)
        .map_err(io("create"))?;
    f.write_all(bytes).map_err(io("write"))?;
    f.sync_all().map_err(io("sync"))
}

fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.tmp-{}-{unique}", std::process::id()))
}
