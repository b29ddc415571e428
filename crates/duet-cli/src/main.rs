//! The `duet` command line.
//!
//! Every failure ends with one line on stderr, `duet: <what went wrong>`, and
//! an exit code from [`exit`] that a script can rely on.
#![forbid(unsafe_code)]

mod anonymize;
mod bench;
mod check;
mod demo;
mod exit;
mod keygen;
mod party;
mod progress;
mod run;
mod runtime;
mod summary;

use clap::{Parser, Subcommand};

/// Joint statistics between two institutions, without raw records leaving either.
#[derive(Parser)]
#[command(name = "duet", version, about, propagate_version = true)]
struct Cli {
    /// Print nothing but errors.
    #[arg(long, global = true)]
    quiet: bool,
    /// Print machine-readable JSON on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create an institution's key and certificate, and print the fingerprint to pin.
    Keygen(keygen::Args),
    /// Run the bundled two-hospital study, both sides on this machine over loopback QUIC.
    Demo(demo::Args),
    /// Dry run: list the rules, every value a job would open and its DP spend, before connecting.
    Check(check::Args),
    /// Run this institution's side of an agreed job against its own CSV.
    Run(run::Args),
    /// Measure protocol throughput over loopback QUIC beside the raw QUIC rate.
    Bench(bench::Args),
    /// De-identify a CSV locally under a privacy model (k-anonymity, l-diversity, t-closeness).
    Anonymize(anonymize::Args),
}

/// How the command should talk to the person or script that ran it.
#[derive(Clone, Copy)]
pub(crate) struct Output {
    pub(crate) quiet: bool,
    pub(crate) json: bool,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let out = Output {
        quiet: cli.quiet,
        json: cli.json,
    };
    let result = match cli.command {
        Command::Keygen(args) => keygen::run(&args, out),
        Command::Demo(args) => demo::run(&args, out),
        Command::Check(args) => check::run(&args, out),
        Command::Run(args) => run::run(&args, out),
        Command::Bench(args) => bench::run(&args, out),
        Command::Anonymize(args) => anonymize::run(&args, out),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => exit::report(&err, out.json),
    }
}
