//! Files put in place all together or not at all, and the output folder
//! checked before a run: writable, no earlier results (unless forced), no
//! temporaries left by an interrupted run.
//!
//! Each file is first written to a hidden temporary sibling
//! (`.<name>.tmp-<pid>-<n>`), synced; [`Temps::place`] renames them all.
//! Temporaries never placed are removed on drop, and those a killed run
//! left behind are removed by [`check_output_dir`] on the next run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::output::{
    OutputError, HTML_FILE, MANIFEST_FILE, REPORT_FILE, RESULTS_CSV_FILE, RESULTS_FILE,
};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The result files a run writes into its output folder.
const RESULT_FILES: [&str; 5] = [
    RESULTS_FILE,
    RESULTS_CSV_FILE,
    REPORT_FILE,
    HTML_FILE,
    MANIFEST_FILE,
];

/// Synced temporaries and the targets they become.
#[derive(Debug)]
pub(crate) struct Temps {
    pairs: Vec<(PathBuf, PathBuf)>,
}

/// Writes each file's bytes to a synced temporary sibling.
pub(crate) fn stage(files: &[(PathBuf, Vec<u8>)]) -> Result<Temps, OutputError> {
    let mut temps = Temps { pairs: Vec::new() };
    for (path, bytes) in files {
        let tmp = temp_sibling(path);
        write_synced(&tmp, bytes).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })?;
        temps.pairs.push((tmp, path.clone()));
    }
    Ok(temps)
}

impl Temps {
    /// Renames every temporary onto its target; on a failure, removes the
    /// temporaries and the targets already placed, so each target is either
    /// replaced whole or gone.
    pub(crate) fn place(mut self) -> Result<(), OutputError> {
        let pairs = std::mem::take(&mut self.pairs);
        let mut placed: Vec<&Path> = Vec::new();
        for (tmp, path) in &pairs {
            if let Err(source) = std::fs::rename(tmp, path) {
                for p in pairs.iter().map(|(t, _)| t.as_path()).chain(placed) {
                    let _ = std::fs::remove_file(p);
                }
                let path = path.clone();
                return Err(OutputError::Io {
                    path,
                    action: "rename",
                    source,
                });
            }
            placed.push(path);
        }
        Ok(())
    }
}

impl Drop for Temps {
    fn drop(&mut self) {
        for (tmp, _) in &self.pairs {
            let _ = std::fs::remove_file(tmp);
        }
    }
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

    #[test]
    fn unplaced_temporaries_are_removed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.txt");
        drop(stage(&[(target.clone(), b"a".to_vec())]).unwrap());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        stage(&[(target.clone(), b"a".to_vec())])
            .unwrap()
            .place()
            .unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"a");
    }
}
