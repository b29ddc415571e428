//! Files put in place all together or not at all.
//!
//! Each file is first written to a hidden temporary sibling
//! (`.<name>.tmp-<pid>-<n>`), synced; [`Temps::place`] renames them all.
//! Temporaries never placed are removed on drop. The release ledger is
//! written this way, and so are the result files (duet-report).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A file operation failed; nothing was left behind.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {action} failed: {source}")]
#[non_exhaustive]
pub struct WriteError {
    /// The file.
    pub path: PathBuf,
    /// What was being done.
    pub action: &'static str,
    /// The operating system's error.
    pub source: std::io::Error,
}

/// Synced temporaries and the targets they become.
#[derive(Debug)]
pub struct Temps {
    pairs: Vec<(PathBuf, PathBuf)>,
}

/// Writes each file's bytes to a synced temporary sibling (named
/// `.<name>.tmp-<pid>-<n>`), to be put in place by [`Temps::place`].
pub fn stage(files: &[(PathBuf, Vec<u8>)]) -> Result<Temps, WriteError> {
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
    pub fn place(mut self) -> Result<(), WriteError> {
        let pairs = std::mem::take(&mut self.pairs);
        let mut placed: Vec<&Path> = Vec::new();
        for (tmp, path) in &pairs {
            if let Err(source) = std::fs::rename(tmp, path) {
                for p in pairs.iter().map(|(t, _)| t.as_path()).chain(placed) {
                    let _ = std::fs::remove_file(p);
                }
                let path = path.clone();
                return Err(WriteError {
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

/// Temporaries first (each a sibling of its target, written and synced),
/// then renames; on any failure, removes what it made, so every target is
/// either replaced whole or left as it was.
pub fn write_all_or_none(files: &[(&PathBuf, Vec<u8>)]) -> Result<(), WriteError> {
    let owned: Vec<(PathBuf, Vec<u8>)> = files
        .iter()
        .map(|(p, b)| ((*p).clone(), b.clone()))
        .collect();
    stage(&owned)?.place()
}

fn write_synced(tmp: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let io = |action| {
        move |source| WriteError {
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

#[cfg(test)]
mod tests {
    use super::*;

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
