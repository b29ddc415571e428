//! Checks of an anonymisation configuration that protect the data it
//! reads: no column in two roles, no output path that is an input (or
//! another output), and outputs written all together or not at all.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::config::{AnonConfig, TransformConfig};
use crate::error::{AnonError, Result};

/// Refuses a column named twice as quasi-identifier, or in two of the
/// roles quasi-identifier, sensitive and identifying (removed).
pub(crate) fn check_roles(cfg: &AnonConfig, source: &Path) -> Result<()> {
    let fail = |message: String| {
        Err(AnonError::Config {
            path: source.into(),
            message,
        })
    };
    let mut roles: Vec<(&str, &str)> = Vec::new();
    roles.extend(
        cfg.quasi_identifiers
            .iter()
            .map(|q| (q.column.as_str(), "quasi-identifier")),
    );
    roles.extend(
        cfg.sensitive
            .iter()
            .map(|s| (s.column.as_str(), "sensitive")),
    );
    roles.extend(cfg.identifying.iter().map(|c| (c.as_str(), "identifying")));
    for (i, (column, role)) in roles.iter().enumerate() {
        if let Some((_, other)) = roles.iter().take(i).find(|(c, _)| c == column) {
            let how = if other == role {
                format!("is listed twice as {role}")
            } else {
                format!("is both {other} and {role}")
            };
            return fail(format!(
                "column `{column}` {how}; give each column one role"
            ));
        }
    }
    Ok(())
}

/// Every file the configuration reads, resolved against `base`.
fn inputs(cfg: &AnonConfig, base: &Path) -> Vec<PathBuf> {
    let mut paths = vec![cfg.input.path.clone()];
    paths.extend(cfg.population.iter().cloned());
    paths.extend(
        cfg.quasi_identifiers
            .iter()
            .filter_map(|q| q.hierarchy.clone()),
    );
    paths.extend(cfg.sensitive.iter().filter_map(|s| s.hierarchy.clone()));
    for t in &cfg.transforms {
        match t {
            TransformConfig::Pseudonymize { key_file, .. }
            | TransformConfig::ShiftDates { key_file, .. } => paths.push(key_file.clone()),
            _ => {}
        }
    }
    paths.iter().map(|p| base.join(p)).collect()
}

/// The path as the file system names it (its folder resolved, so
/// `./in.csv`, `in.csv` and a symbolic link to it compare equal).
fn identity(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match (dir.canonicalize(), path.file_name()) {
        (Ok(d), Some(name)) => d.join(name),
        _ => path.to_path_buf(),
    }
}

/// Refuses an output path that is one of the inputs or another output.
pub(crate) fn check_paths(cfg: &AnonConfig, base: &Path) -> Result<()> {
    let read: HashSet<PathBuf> = inputs(cfg, base).iter().map(|p| identity(p)).collect();
    let mut written = HashSet::new();
    for out in [
        &cfg.output.csv,
        &cfg.output.report_json,
        &cfg.output.report_text,
    ] {
        let full = base.join(out);
        let id = identity(&full);
        let message = if read.contains(&id) {
            "this output path is also an input: writing it would destroy the data; choose another"
        } else if !written.insert(id) {
            "this output path is named twice among the outputs; give each its own"
        } else {
            continue;
        };
        return Err(AnonError::Config {
            path: full,
            message: message.into(),
        });
    }
    Ok(())
}
