//! Runs one anonymisation configuration and prints the text report.
//!
//! `cargo run --release -p duet-anon --example anonymize -- crates/duet-anon/examples/adult.toml`

use std::path::Path;

use anyhow::Context;
use duet_anon::{run_config, AnonConfig};

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .context("usage: anonymize <config.toml>")?;
    let path = Path::new(&path);
    let config = AnonConfig::read(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    let report = run_config(&config, base)?;
    print!("{}", report.to_text());
    eprintln!("wrote {}", report.output);
    Ok(())
}
