//! `duet anonymize`: local de-identification from a TOML configuration.

use std::path::{Path, PathBuf};

use anyhow::Context;
use duet_anon::{run_config, AnonConfig};

use crate::Output;

/// Arguments of `duet anonymize`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The anonymisation configuration (TOML); relative paths in it are
    /// resolved against its folder.
    #[arg(long)]
    config: PathBuf,
}

/// Reads the configuration, anonymises, writes the CSV and reports.
pub(crate) fn run(args: &Args, out: Output) -> anyhow::Result<()> {
    let config = AnonConfig::read(&args.config)?;
    let base = args.config.parent().unwrap_or(Path::new("."));
    let report = run_config(&config, base)
        .with_context(|| format!("anonymising with {}", args.config.display()))?;
    for w in &report.warnings {
        eprintln!("duet: warning: {w}");
    }
    if out.json {
        println!("{}", report.to_json()?);
    } else if !out.quiet {
        print!("{}", report.to_text());
        println!("wrote {}", report.output);
    }
    Ok(())
}
