//! `duet check`: the dry run a privacy officer reads before anything
//! connects. Prints the policy and rules in force, every rule bit and
//! value the job would open, the DP spend against the ledger and, with
//! `--local`, the cells this side's own data puts at risk (names only).
//! Exits 3 when `duet run` would refuse the job (the floor, the lifetime
//! DP budget), after printing the whole report.

use std::fmt::Write;
use std::path::PathBuf;

use anyhow::Context;
use duet_stats::release::check::{check, CheckReport, LedgerCheck, LocalFindings, StatisticCheck};
use duet_stats::{Job, LocalConfig};

use crate::exit::StatedRefusal;
use crate::Output;

/// Arguments of `duet check`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The job file to check.
    #[arg(long)]
    job: PathBuf,
    /// This side's local settings: adds its policy, ledger and data.
    #[arg(long)]
    local: Option<PathBuf>,
}

/// Loads the job (and local settings), checks, prints.
pub(crate) fn run(args: &Args, out: Output) -> anyhow::Result<()> {
    let job = Job::load(&args.job).context("reading the job")?;
    let local = match &args.local {
        Some(path) => Some(
            LocalConfig::load(path)
                .with_context(|| format!("reading the local settings {}", path.display()))?,
        ),
        None => None,
    };
    let report = check(&job, local.as_ref()).context("checking the job")?;
    if out.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if !out.quiet {
        print!("{}", text(&report));
    }
    match report.ledger.as_ref().and_then(|l| l.refusal.as_ref()) {
        // Exit 3 as `duet run` would, so a script can stop on it.
        Some(why) => Err(StatedRefusal(format!("duet run would refuse this job: {why}")).into()),
        None => Ok(()),
    }
}

/// The report as text, grouped by statistic. Each opened value is one
/// line starting with `  open `, each rule bit one starting with `  bit `.
pub(crate) fn text(r: &CheckReport) -> String {
    let mut s = String::new();
    head(&mut s, r);
    for st in &r.statistics {
        statistic(&mut s, st);
    }
    spend(&mut s, r);
    match &r.local {
        Some(l) => local(&mut s, l),
        None => s.push_str("\nthis side's data: give --local local.toml to check it\n"),
    }
    s
}

fn head(s: &mut String, r: &CheckReport) {
    let p = &r.policy;
    let _ = writeln!(s, "duet check: {} (nothing connects)", r.job_name);
    let _ = writeln!(s, "job hash    {}", r.job_hash);
    let _ = writeln!(s, "control     {}", r.control);
    let _ = writeln!(s, "OT          {}", r.ot_extension);
    let _ = writeln!(
        s,
        "policy      min_cell {}, min_group {}, min_cell_per_party {}, dominance n {} k {}%, max_params_ratio {}, suppress {:?}",
        p.min_cell, p.min_group, p.per_party(), p.dominance.n, p.dominance.k, p.max_params_ratio, p.suppress
    );
    let _ = writeln!(
        s,
        "            {}; the run enforces the tighter of both sides'",
        r.policy_source
    );
    let _ = writeln!(s, "\nrules in force");
    for rule in &r.rules {
        let _ = writeln!(s, "  - {rule}");
    }
    let values = r.values().count();
    let _ = writeln!(
        s,
        "\nopened if their rules pass: {values} values; rule bits in the first round: {}",
        r.first_round_bits
    );
}

fn statistic(s: &mut String, st: &StatisticCheck) {
    let _ = writeln!(s, "\n{}", st.label);
    let _ = writeln!(s, "  rules  {}", st.rules.join("; "));
    for b in &st.bits {
        let _ = writeln!(s, "  bit    {}  ({})", b.name, b.decides);
    }
    for v in &st.values {
        let _ = writeln!(s, "  open   {}  <- {}", v.name, v.what);
    }
    for n in &st.notes {
        let _ = writeln!(s, "  note   {n}");
    }
}

fn spend(s: &mut String, r: &CheckReport) {
    let _ = writeln!(s, "\ndifferential privacy");
    match &r.dp {
        Some(dp) => {
            let _ = writeln!(
                s,
                "  this job   {} ({} mechanism)",
                r.this_job, dp.mechanism
            );
            let _ = writeln!(s, "  guarantee  {}", dp.guarantee);
        }
        None => s.push_str("  this job   none (no policy.dp): spends no budget\n"),
    }
    match &r.ledger {
        Some(l) => ledger(s, l),
        None => s.push_str("  ledger     give --local local.toml to check the lifetime budget\n"),
    }
}

fn ledger(s: &mut String, l: &LedgerCheck) {
    let _ = writeln!(s, "  ledger     {}", l.path);
    let _ = writeln!(s, "  dataset    {}", l.dataset);
    let _ = writeln!(s, "  spent      {}", l.spent);
    let _ = writeln!(s, "  budget     {}", l.budget);
    match &l.refusal {
        Some(why) => {
            let _ = writeln!(s, "  duet run would REFUSE this job: {why}");
        }
        None => s.push_str("  within the budget: duet run would not refuse on it\n"),
    }
}

fn local(s: &mut String, l: &LocalFindings) {
    let _ = writeln!(
        s,
        "\nthis side's data alone ({}; no value of it is shown)",
        l.csv
    );
    if let Some(why) = &l.not_checked {
        let _ = writeln!(s, "  not checked: {why}");
        return;
    }
    if l.findings.is_empty() {
        s.push_str("  no cell fails the per-party rule or looks dominated on this side's data\n");
    }
    for f in &l.findings {
        let _ = writeln!(s, "  {}: {} -> {}", f.cell, f.rule, f.outcome);
    }
}
