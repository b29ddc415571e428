//! Writes duet's synthetic datasets: `cargo run --example make_datasets -- datasets`.
//!
//! The model and its known effects are documented in `model.rs` and
//! datasets/README.md. Output is deterministic: the same files every run.
#![allow(missing_docs, unreachable_pub)]

mod model;

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "datasets".to_string());
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {dir}"))?;
    for (name, contents) in model::bundled() {
        let path = std::path::Path::new(&dir).join(name);
        let tmp = path.with_extension("csv.tmp");
        std::fs::write(&tmp, &contents)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &path)
            .with_context(|| format!("cannot rename to {}", path.display()))?;
        let rows = contents.lines().count().saturating_sub(1);
        eprintln!("wrote {} ({rows} rows)", path.display());
    }
    Ok(())
}
