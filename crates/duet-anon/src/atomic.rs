//! Atomic file output: write a temporary file in the target's directory, sync
//! it, then rename it over the target, so a reader never sees half a file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{AnonError, Result};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` via a temporary sibling and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_sibling(path);
    let result = write_synced(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path).map_err(|e| AnonError::io(path, "rename", e)));
    if result.is_err() {
        // Best effort: the temp file is ours and must not be left behind.
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes every file via synced temporaries, then renames them all; if any
/// step fails, removes the temporaries and the files this call already
/// renamed, so either all targets hold the new bytes or none was written
/// (a target that existed and was replaced before the failure is removed,
/// not restored).
pub(crate) fn write_all_atomic(files: &[(PathBuf, &[u8])]) -> Result<()> {
    let mut temps: Vec<PathBuf> = Vec::new();
    let staged = files.iter().try_for_each(|(path, bytes)| {
        let tmp = temp_sibling(path);
        temps.push(tmp.clone());
        write_synced(&tmp, bytes)
    });
    let mut placed: Vec<&Path> = Vec::new();
    let result = staged.and_then(|()| {
        files.iter().zip(&temps).try_for_each(|((path, _), tmp)| {
            std::fs::rename(tmp, path).map_err(|e| AnonError::io(path, "rename", e))?;
            placed.push(path);
            Ok(())
        })
    });
    if result.is_err() {
        for p in temps.iter().map(PathBuf::as_path).chain(placed) {
            let _ = std::fs::remove_file(p);
        }
    }
    result
}

fn write_synced(tmp: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(tmp)
        .map_err(|e| AnonError::io(tmp, "create", e))?;
    file.write_all(bytes)
        .map_err(|e| AnonError::io(tmp, "write", e))?;
    file.sync_all().map_err(|e| AnonError::io(tmp, "sync", e))
}

fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp_name = format!(".{name}.tmp-{}-{unique}", std::process::id());
    path.with_file_name(tmp_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_target_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, b"old").unwrap();
        write_atomic(&target, b"new").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn missing_directory_is_an_io_error_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("absent").join("out.csv");
        let err = write_atomic(&target, b"x").unwrap_err();
        assert!(matches!(
            err,
            AnonError::Io {
                action: "create",
                ..
            }
        ));
        assert!(!target.exists());
    }
}
