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
    let job =
        Job::load(&args.job).with_context(|| format!("reading the job {}", args.job.display()))?;
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
    let wait = Duration::from_secs(args.wait);
    let mut config = LinkConfig::default();
    let silence = Duration::from_secs(args.timeout.max(1));
    config
        .connect_timeout(wait)
        .receive_timeout(silence)
        .idle_timeout(silence);
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

fn resolve(addr: &str) -> anyhow::Result<SocketAddr> {
    addr.to_socket_addrs()
        .with_context(|| format!("'{addr}' is not a host:port address"))?
        .next()
        .with_context(|| format!("'{addr}' resolves to no address"))
}
