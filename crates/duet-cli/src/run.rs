//! `duet run`: this institution's side of an agreed job.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use duet_core::Role;
use duet_net::{Fingerprint, Identity, IdentityPaths, LinkConfig, Listener};
use duet_stats::{Job, LocalConfig};

use crate::exit::BadInput;
use crate::party::{party_name, run_party, Connect, Outcome};
use crate::progress::Progress;
use crate::summary;
use crate::Output;

/// Silence after which the peer is taken for dead (keep-alives flow every
/// second while both sides live), unless `--timeout` is shorter.
const IDLE_LIMIT: Duration = Duration::from_secs(6);

/// Longest a single connection attempt and the duet handshake may take.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(30);

/// Arguments of `duet run`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The job file both institutions agreed on.
    #[arg(long)]
    job: PathBuf,
    /// This side's local settings (CSV, keys, address, output folder).
    #[arg(long)]
    local: PathBuf,
    /// This side's role; must agree with the local settings.
    #[arg(long = "as", value_parser = parse_role)]
    role: Option<Role>,
    /// Seconds to wait for the peer to come up (listening or dialling).
    #[arg(long, default_value_t = 300)]
    wait: u64,
    /// Seconds without a message from the peer before the run is abandoned.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    /// Replace the results of an earlier run in the output folder.
    #[arg(long)]
    force: bool,
}

pub(crate) fn parse_role(s: &str) -> Result<Role, String> {
    match s {
        "p0" => Ok(Role::P0),
        "p1" => Ok(Role::P1),
        other => Err(format!("a role is p0 or p1, not '{other}'")),
    }
}

/// Loads everything, runs this side, prints where the results went.
pub(crate) fn run(args: &Args, out: Output) -> anyhow::Result<()> {
    let job = Job::load(&args.job).context("reading the job")?;
    let local = LocalConfig::load(&args.local)
        .with_context(|| format!("reading the local settings {}", args.local.display()))?;
    if let Some(role) = args.role {
        if role != local.role {
            let msg = format!(
                "--as {role} disagrees with role = \"{}\" in {}",
                local.role,
                args.local.display()
            );
            return Err(BadInput(msg).into());
        }
    }
    let identity = Identity::load(&IdentityPaths {
        cert: local.cert.clone(),
        key: local.key.clone(),
    })
    .context("loading this institution's key and certificate")?;
    let expected = Fingerprint(job.fingerprint(local.role));
    if identity.fingerprint() != expected {
        return Err(BadInput(format!(
            "the certificate {} has fingerprint {}, but the job names {} for {} ({}); check the job file or the cert path",
            local.cert.display(),
            identity.fingerprint(),
            expected,
            local.role,
            party_name(&job, local.role)
        ))
        .into());
    }
    check_output(&local, args.force)?;
    let wait = Duration::from_secs(args.wait);
    let mut config = LinkConfig::default();
    let silence = Duration::from_secs(args.timeout.max(1));
    // QUIC keep-alives every second: a killed or frozen peer stops
    // answering and is noticed at the idle timeout, at any step.
    config
        .connect_timeout(wait.min(HANDSHAKE_LIMIT))
        .receive_timeout(silence)
        .keep_alive(Duration::from_secs(1))
        .idle_timeout(silence.min(IDLE_LIMIT));
    let runtime = crate::runtime::for_parties(1)?;
    let progress = Progress::new(!out.quiet && !out.json, ["", ""]);
    let outcome: Outcome = runtime.block_on(async {
        let connect = connect_plan(&job, &local, &identity, &config)?;
        run_party(&job, &local, &identity, connect, &config, wait, &progress).await
    })?;
    summary::print(&outcome, local.role, out)
}

fn connect_plan(
    job: &Job,
    local: &LocalConfig,
    identity: &Identity,
    config: &LinkConfig,
) -> anyhow::Result<Connect> {
    let peer = Fingerprint(job.fingerprint(local.role.peer()));
    if let Some(listen) = &local.listen {
        let addr = resolve(listen)?;
        return Ok(Connect::Listen(Listener::bind(
            addr, identity, peer, config,
        )?));
    }
    let target = local.dial.as_deref().unwrap_or_default();
    Ok(Connect::Dial(resolve(target)?))
}

/// Before connecting: the output folder can be written and holds no
/// earlier results (unless `force`); temporaries an interrupted run left
/// there are removed. A failure is a settings problem (exit code 3).
fn check_output(local: &LocalConfig, force: bool) -> anyhow::Result<()> {
    let dir = &local.output_dir;
    match duet_report::check_output_dir(dir, force) {
        Ok(0) => Ok(()),
        Ok(n) => {
            let d = dir.display();
            eprintln!("duet: removed {n} temporary file(s) an interrupted run left in {d}");
            Ok(())
        }
        Err(e) => Err(BadInput(format!("output_dir {}: {e}", dir.display())).into()),
    }
}

/// A `host:port` from the local settings; anything else is bad input.
fn resolve(addr: &str) -> anyhow::Result<SocketAddr> {
    let bad = |why: String| BadInput(format!("'{addr}' {why} (expected host:port)"));
    let mut found = addr
        .to_socket_addrs()
        .map_err(|e| bad(format!("is not a usable address: {e}")))?;
    Ok(found
        .next()
        .ok_or_else(|| bad("resolves to no address".into()))?)
}
