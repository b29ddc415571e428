//! Checks of a linked study's `[link]` section and column ownership.

use duet_core::Role;

use super::spec::JobSpec;
use super::{Column, JobError};

/// Most identifier columns forming one composite key.
const MAX_KEY_PARTS: usize = 4;

fn bad(field: &'static str, reason: &'static str) -> JobError {
    JobError::BadPolicy { field, reason }
}

/// The owner of every column (all `None` in a pooled study).
pub(super) fn validate(spec: &JobSpec, columns: &[Column]) -> Result<Vec<Option<Role>>, JobError> {
    let Some(link) = &spec.link else {
        if let Some(c) = spec.column.iter().find(|c| c.party().is_some()) {
            return Err(JobError::BadColumn {
                column: c.name().into(),
                reason: "names a party, but only a linked study (with [link]) splits columns between parties".into(),
            });
        }
        return Ok(vec![None; columns.len()]);
    };
    for (field, ids) in [("link.p0", &link.p0), ("link.p1", &link.p1)] {
        if ids.is_empty() || ids.len() > MAX_KEY_PARTS {
            return Err(bad(field, "needs 1 to 4 identifier columns"));
        }
        if ids.iter().any(|id| id.trim().is_empty()) {
            return Err(bad(field, "an identifier column name is empty"));
        }
        if let Some(id) = ids.iter().find(|id| columns.iter().any(|c| &c.name == *id)) {
            return Err(JobError::BadColumn {
                column: id.clone(),
                reason: "is an identifier in [link] and cannot also be a study column".into(),
            });
        }
    }
    if link.p0.len() != link.p1.len() {
        return Err(bad(
            "link",
            "p0 and p1 must name the same number of identifier columns (parts of one key, in order)",
        ));
    }
    spec.column
        .iter()
        .map(|c| match c.party() {
            Some(p) => Ok(Some(p.role())),
            None => Err(JobError::BadColumn {
                column: c.name().into(),
                reason: "a linked study needs party = \"p0\" or \"p1\" on every column".into(),
            }),
        })
        .collect()
}
