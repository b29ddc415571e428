//! The output folder checked before a run: writable, no earlier results
//! (unless forced), no temporaries left by an interrupted run.
//!
//! The result files are written through [`duet_stats::atomic`]: each first
//! to a hidden temporary sibling (`.<name>.tmp-<pid>-<n>`), synced, then
//! renamed. Temporaries a killed run left behind are removed by
//! [`check_output_dir`] on the next run.

use std::path::Path;

use duet_stats::atomic::stage;

use crate::output::{
    OutputError, HTML_FILE, MANIFEST_FILE, REPORT_FILE, RESULTS_CSV_FILE, RESULTS_FILE,
};

/// The result files a run writes into its output folder.
const RESULT_FILES: [&str; 5] = [
    RESULTS_FILE,
    RESULTS_CSV_FILE,
    REPORT_FILE,
    HTML_FILE,
    MANIFEST_FILE,
];

/// Before a run connects: creates `dir` if missing, removes temporaries an
/// interrupted run left there (returning how many), refuses earlier results
/// unless `force`, and proves the folder writable by writing a probe file.
pub fn check_output_dir(dir: &Path, force: bool) -> Result<usize, OutputError> {
    let io = |action| {
        move |source| OutputError::Io {
            path: dir.to_path_buf(),
            action,
            source,
        }
    };
    std::fs::create_dir_all(dir).map_err(io("create directory"))?;
    let stale = remove_stale(dir).map_err(io("list"))?;
    if !force {
        if let Some(path) = RESULT_FILES
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.exists())
        {
            return Err(OutputError::Exists { path });
        }
    }
    let probe = stage(&[(dir.join(".duet-write-probe"), b"duet".to_vec())])?;
    drop(probe);
    Ok(stale)
}

/// Removes `.<result file>.tmp-<pid>-<n>` files whose process is gone.
fn remove_stale(dir: &Path) -> std::io::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let Some(pid) = stale_pid(&name) else {
            continue;
        };
        if pid != std::process::id() && !alive(pid) && std::fs::remove_file(dir.join(&name)).is_ok()
        {
            removed += 1;
        }
    }
    Ok(removed)
}

/// The process id in a temporary's name, if it is one of ours.
fn stale_pid(name: &str) -> Option<u32> {
    let rest = RESULT_FILES
        .iter()
        .find_map(|f| name.strip_prefix(&format!(".{f}.tmp-")))?;
    rest.split('-').next()?.parse().ok()
}

/// Whether process `pid` still runs (on Linux; elsewhere assumed gone).
fn alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_refuses_earlier_results_and_removes_stale_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // A temporary of a (surely) dead process, and a stranger's file.
        std::fs::write(d.join(".results.json.tmp-4000000000-3"), b"x").unwrap();
        std::fs::write(d.join(".notes.tmp-4000000000-3"), b"x").unwrap();
        assert_eq!(check_output_dir(d, false).unwrap(), 1);
        assert!(!d.join(".results.json.tmp-4000000000-3").exists());
        assert!(d.join(".notes.tmp-4000000000-3").exists());
        std::fs::write(d.join(REPORT_FILE), b"earlier").unwrap();
        assert!(matches!(
            check_output_dir(d, false),
            Err(OutputError::Exists { .. })
        ));
        assert_eq!(check_output_dir(d, true).unwrap(), 0);
        assert_eq!(
            std::fs::read_dir(d).unwrap().count(),
            2,
            "the probe is gone"
        );
    }

    #[test]
    fn an_earlier_results_csv_alone_is_refused_and_its_stale_temporary_removed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join(".results.csv.tmp-4000000000-1"), b"x").unwrap();
        std::fs::write(d.join(RESULTS_CSV_FILE), b"earlier").unwrap();
        match check_output_dir(d, false) {
            Err(OutputError::Exists { path }) => assert_eq!(path, d.join(RESULTS_CSV_FILE)),
            other => panic!("{other:?}"),
        }
        assert!(!d.join(".results.csv.tmp-4000000000-1").exists());
    }
}
