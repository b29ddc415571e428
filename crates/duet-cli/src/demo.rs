//! `duet demo`: both institutions of a bundled example job in one process,
//! over loopback QUIC with mutual TLS and OT-made triples: the pooled
//! two-hospital cohort (default), the linked hospital-and-agency exposure
//! study, or the differentially private release.
//!
//! Everything a real run does happens here too (fresh keys, pinned
//! fingerprints, the handshake, OT preprocessing, disclosure control on
//! shares, atomic outputs); only the two institutions share a machine.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use duet_core::Role;
use duet_net::{Identity, IdentityPaths, LinkConfig, Listener};
use duet_stats::{Job, LocalConfig};

use crate::party::{run_party, Connect};
use crate::progress::Progress;
use crate::summary;
use crate::Output;

/// A bundled example: its job and each party's CSV in the datasets folder.
struct Bundled {
    job: &'static str,
    csv: [&'static str; 2],
}

/// The bundled example studies.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Study {
    /// Two hospitals pool their cohorts (examples/jobs/pooled_cohort.toml).
    Pooled,
    /// A hospital links its patients to an agency's exposures
    /// (examples/jobs/linked_exposure.toml).
    Linked,
    /// The pooled cohort released with differential privacy
    /// (examples/jobs/dp_release.toml).
    Dp,
    /// Logistic regression on shares, survival curves and tests on the
    /// pooled cohort (examples/jobs/pooled_analyses.toml).
    Analyses,
}

impl Study {
    fn bundled(self) -> Bundled {
        match self {
            Study::Pooled => Bundled {
                job: include_str!("../../../examples/jobs/pooled_cohort.toml"),
                csv: ["hospital_a.csv", "hospital_b.csv"],
            },
            Study::Linked => Bundled {
                job: include_str!("../../../examples/jobs/linked_exposure.toml"),
                csv: ["hospital_b.csv", "agency_exposure.csv"],
            },
            Study::Dp => Bundled {
                job: include_str!("../../../examples/jobs/dp_release.toml"),
                csv: ["hospital_a.csv", "hospital_b.csv"],
            },
            Study::Analyses => Bundled {
                job: include_str!("../../../examples/jobs/pooled_analyses.toml"),
                csv: ["hospital_a.csv", "hospital_b.csv"],
            },
        }
    }
}
const P0_PLACEHOLDER: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const P1_PLACEHOLDER: &str = "1111111111111111111111111111111111111111111111111111111111111111";

/// Arguments of `duet demo`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Folder for the demo's keys, job, settings and results (replaced if it exists).
    #[arg(long, default_value = "duet-demo")]
    out: PathBuf,
    /// Folder holding the bundled CSVs (hospital_a.csv, hospital_b.csv, agency_exposure.csv).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets"))]
    data: PathBuf,
    /// Which bundled study to run.
    #[arg(long, value_enum, default_value = "pooled")]
    study: Study,
}

/// Sets up both institutions, runs them against each other, prints the report.
pub(crate) fn run(args: &Args, out: Output) -> anyhow::Result<()> {
    let bundled = args.study.bundled();
    let names = {
        let job = Job::from_toml_str(bundled.job).context("the bundled demo job")?;
        [
            job.party(Role::P0).name.clone(),
            job.party(Role::P1).name.clone(),
        ]
    };
    let keys = args.out.join("keys");
    std::fs::create_dir_all(&keys).with_context(|| format!("creating {}", keys.display()))?;
    let a = make_identity(&keys, &names[0])?;
    let b = make_identity(&keys, &names[1])?;
    let runtime = crate::runtime::for_parties(2)?;
    let config = LinkConfig::default();
    let listener = runtime.block_on(async {
        Listener::bind("127.0.0.1:0".parse()?, &b, a.fingerprint(), &config)
            .map_err(anyhow::Error::from)
    })?;
    let addr = listener.local_addr()?;
    let job_text = bundled
        .job
        .replace(P0_PLACEHOLDER, &a.fingerprint().to_string())
        .replace(P1_PLACEHOLDER, &b.fingerprint().to_string())
        .replace("127.0.0.1:4433", &addr.to_string());
    let job_path = args.out.join("job.toml");
    std::fs::write(&job_path, &job_text)
        .with_context(|| format!("writing {}", job_path.display()))?;
    let job = Job::load(&job_path).context("the bundled demo job")?;
    let [csv_a, csv_b] = bundled.csv;
    let local_a = local(args, Role::P0, csv_a, &keys, &names[0], None, Some(addr))?;
    let local_b = local(args, Role::P1, csv_b, &keys, &names[1], Some(addr), None)?;
    let progress = Progress::new(!out.quiet && !out.json, [&names[0], &names[1]]);
    let wait = Duration::from_secs(30);
    let (ra, rb) = runtime.block_on(async {
        tokio::join!(
            run_party(
                &job,
                &local_a,
                &a,
                Connect::Dial(addr),
                &config,
                wait,
                &progress
            ),
            run_party(
                &job,
                &local_b,
                &b,
                Connect::Listen(listener),
                &config,
                wait,
                &progress
            ),
        )
    });
    let (ra, rb) = (
        ra.with_context(|| names[0].clone())?,
        rb.with_context(|| names[1].clone())?,
    );
    anyhow::ensure!(
        ra.results == rb.results,
        "the two institutions received different results"
    );
    summary::print(&ra, Role::P0, out)?;
    if !out.quiet && !out.json {
        println!(
            "{}'s copies: {}",
            names[1],
            rb.paths
                .results
                .parent()
                .unwrap_or(Path::new("."))
                .display()
        );
        println!("job, keys and settings: {}", args.out.display());
    }
    Ok(())
}

fn make_identity(dir: &Path, name: &str) -> anyhow::Result<Identity> {
    let identity = Identity::generate(name)?;
    identity.write(&IdentityPaths::in_dir(dir, name), true)?;
    Ok(identity)
}

/// One hospital's local settings, also written beside the results so the
/// run can be repeated by hand with `duet run`.
fn local(
    args: &Args,
    role: Role,
    csv: &str,
    keys: &Path,
    name: &str,
    listen: Option<std::net::SocketAddr>,
    dial: Option<std::net::SocketAddr>,
) -> anyhow::Result<LocalConfig> {
    let dir = args.out.join(name);
    std::fs::create_dir_all(&dir)?;
    let paths = IdentityPaths::in_dir(keys, name);
    let text = format!(
        "role = \"{role}\"\ncsv = {csv:?}\nkey = {key:?}\ncert = {cert:?}\noutput_dir = {out:?}\n{addr}\n[ledger]\npath = {ledger:?}\n",
        csv = existing(&args.data.join(csv))?,
        key = absolute(&paths.key)?,
        cert = absolute(&paths.cert)?,
        out = absolute(&dir)?,
        // The demo's ledger lives with its outputs, not beside the bundled data.
        ledger = format!("{}/ledger.json", absolute(&dir)?),
        addr = match (listen, dial) {
            (Some(a), _) => format!("listen = \"{a}\""),
            (_, Some(a)) => format!("dial = \"{a}\""),
            _ => String::new(),
        },
    );
    // Each demo is a fresh pair of institutions (new keys), so each starts
    // with an empty release ledger; `duet run` keeps its ledger for good.
    match std::fs::remove_file(dir.join("ledger.json")) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
        _ => {}
    }
    let path = dir.join("local.toml");
    std::fs::write(&path, &text)?;
    Ok(LocalConfig::load(&path)?)
}

fn existing(p: &Path) -> anyhow::Result<String> {
    let abs = std::fs::canonicalize(p).with_context(|| {
        format!(
            "cannot find the demo data {} (use --data to point at the datasets folder)",
            p.display()
        )
    })?;
    Ok(abs.to_string_lossy().into_owned())
}

fn absolute(p: &Path) -> anyhow::Result<String> {
    let abs = std::path::absolute(p).with_context(|| format!("resolving {}", p.display()))?;
    Ok(abs.to_string_lossy().into_owned())
}
