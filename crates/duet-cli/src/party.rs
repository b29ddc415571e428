//! One party's side of a study: prepare locally, connect, run, write.
//!
//! `duet run` calls it once; `duet demo` calls it for both parties in one
//! process. Nothing is written unless the whole run succeeds and both
//! transcripts agree.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context;
use duet_core::{Engine, Needs, Role};
use duet_net::{dial, Fingerprint, Handshake, Identity, LinkConfig, Listener, QuicChannel};
use duet_ot::OtPreprocessing;
use duet_stats::output::RunInfo;
use duet_stats::traffic::KindCount;
use duet_stats::{
    prepare, run_prepared, write_outputs, Job, LocalConfig, OutputPaths, Results, Traffic,
};
use rand_core::OsRng;

use crate::progress::Progress;

/// Material fetched ahead when an operation finds the stock short: the
/// release gate and the models on shares make hundreds of small requests,
/// each otherwise its own OT round. Leftovers (at most this much per ring)
/// are discarded at the end.
const LOOKAHEAD: Needs = Needs {
    triples: 512,
    and_words: 1 << 8,
    dabits: 1 << 10,
};

/// How this party reaches the other.
pub(crate) enum Connect {
    /// Wait for the peer on an already bound listener.
    Listen(Listener),
    /// Dial the peer, retrying until the deadline while it is not up yet.
    Dial(SocketAddr),
}

/// What a finished run produced.
pub(crate) struct Outcome {
    pub(crate) results: Results,
    pub(crate) paths: OutputPaths,
    pub(crate) traffic: Traffic,
    pub(crate) rows_used: u64,
    pub(crate) elapsed: Duration,
}

/// Runs this party's side of `job` end to end.
pub(crate) async fn run_party(
    job: &Job,
    local: &LocalConfig,
    identity: &Identity,
    connect: Connect,
    config: &LinkConfig,
    wait: Duration,
    progress: &Progress,
) -> anyhow::Result<Outcome> {
    let start = Instant::now();
    let role = local.role;
    progress.step(role, "validating and aggregating the local CSV");
    let prepared = prepare(job, local).context("preparing the local data")?;
    let peer = Fingerprint(job.fingerprint(role.peer()));
    let handshake = Handshake::new(job.hash(), role);
    progress.step(role, "connecting to the peer");
    let channel = open_link(connect, identity, peer, &handshake, config, wait).await?;
    let session = channel.session_id().0;
    let pre =
        OtPreprocessing::new(role, session, &mut OsRng).with_progress(progress.ot_callback(role));
    let mut engine = Engine::new(role, channel, pre, &mut OsRng).with_lookahead(LOOKAHEAD);
    progress.step(role, "running the study on secret shares");
    let studied = run_prepared(&mut engine, session, job, &prepared, &mut OsRng).await;
    let (channel, _) = engine.into_parts();
    let studied = match studied {
        Ok(r) => r,
        Err(e) => {
            channel.abort("study failed").await;
            return Err(e).context("running the study");
        }
    };
    let summary = channel.close().await.context("closing the link")?;
    let traffic = traffic_of(&summary);
    let results = studied.results;
    let mut log = prepared.log.clone();
    log.linkage = studied.link;
    let info = RunInfo {
        role,
        transcript_digest: summary.digest.0,
        traffic: &traffic,
        load_log: Some(&log),
    };
    let paths = write_outputs(&local.output_dir, &results, &info).context("writing the results")?;
    if let Some(ledger) = &prepared.ledger {
        ledger
            .record(&results)
            .context("recording the release in this side's ledger")?;
    }
    progress.done(role);
    Ok(Outcome {
        results,
        paths,
        traffic,
        rows_used: prepared.log.rows_used,
        elapsed: start.elapsed(),
    })
}

async fn open_link(
    connect: Connect,
    identity: &Identity,
    peer: Fingerprint,
    handshake: &Handshake,
    config: &LinkConfig,
    wait: Duration,
) -> anyhow::Result<QuicChannel> {
    match connect {
        Connect::Listen(listener) => {
            // A stranger (a scanner, a wrong certificate) reaching the port
            // first must not end the run: keep waiting until the deadline.
            let deadline = Instant::now() + wait;
            loop {
                match listener.accept(handshake, &mut OsRng).await {
                    Ok(ch) => return Ok(ch),
                    Err(e) if is_stranger(&e) && Instant::now() < deadline => continue,
                    Err(e) => return Err(e).context("waiting for the peer"),
                }
            }
        }
        Connect::Dial(addr) => {
            let deadline = Instant::now() + wait;
            loop {
                match dial(addr, identity, peer, handshake, config, &mut OsRng).await {
                    Ok(ch) => return Ok(ch),
                    Err(e) if retryable(&e) && Instant::now() < deadline => {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                    Err(e) => return Err(e).with_context(|| format!("connecting to {addr}")),
                }
            }
        }
    }
}

/// A connection attempt by someone who is not the pinned peer.
fn is_stranger(e: &duet_net::NetError) -> bool {
    use duet_net::NetError as N;
    matches!(
        e,
        N::PinMismatch { .. } | N::TlsHandshake(_) | N::Connect(_)
    )
}

/// The peer may simply not be listening yet.
fn retryable(e: &duet_net::NetError) -> bool {
    matches!(
        e,
        duet_net::NetError::Connect(_)
            | duet_net::NetError::Timeout { .. }
            | duet_net::NetError::ConnectionLost(_)
    )
}

fn traffic_of(summary: &duet_net::LinkSummary) -> Traffic {
    let mut traffic = Traffic::new();
    for (&code, k) in &summary.kinds {
        let count = KindCount {
            sent_frames: k.sent.frames,
            sent_bytes: k.sent.bytes,
            received_frames: k.received.frames,
            received_bytes: k.received.bytes,
        };
        traffic.add(code, k.name, count);
    }
    traffic
}

/// The role's name in the job (for messages).
pub(crate) fn party_name(job: &Job, role: Role) -> String {
    job.party(role).name.clone()
}
