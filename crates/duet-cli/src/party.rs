//! One party's side of a study: prepare locally, connect, run, write.
//!
//! `duet run` calls it once; `duet demo` calls it for both parties in one
//! process. Nothing is written unless the whole run succeeds and both
//! transcripts agree.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context;
use duet_core::{Engine, Needs, Role};
use duet_net::{
    AbortReason, Connected, Fingerprint, Handshake, Identity, LinkConfig, Listener, NetError,
    QuicChannel,
};
use duet_ot::OtPreprocessing;
use duet_report::{stage_outputs, OutputPaths, RunInfo};
use duet_stats::traffic::KindCount;
use duet_stats::{prepare, run_prepared_with, Job, LocalConfig, Phase, Results, Traffic};
use rand_core::OsRng;

use crate::progress::Progress;

/// Material fetched ahead when an operation finds the stock short: the
/// release gate and the models on shares make hundreds of small requests,
/// each otherwise its own OT round. Leftovers (at most this much per ring)
/// are discarded at the end.
const LOOKAHEAD: Needs = Needs {
    triples: 512,
    and_words: 1 << 8,
    and_pairs: 1 << 8,
    dabits: 1 << 10,
    bit_oles: 1 << 10,
    leaf_ots: 1 << 11,
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

/// How long a side whose own input was refused tries to tell its peer: a
/// peer already waiting is told at once; the user's error is not held up
/// for one that is not there.
const TELL_PEER: Duration = Duration::from_secs(1);

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
    let prepared = prepare(job, local).context("preparing the local data");
    let peer = Fingerprint(job.fingerprint(role.peer()));
    let handshake = Handshake::new(job.hash(), role);
    let link = open_link(connect, identity, peer, &handshake, config, wait);
    let prepared = match prepared {
        Ok(p) => p,
        Err(e) => {
            // Tell a peer that is already there, so it stops at once
            // rather than waiting out its timeout; our error comes first.
            let _ = tokio::time::timeout(TELL_PEER, async {
                if let Ok(channel) = link.await {
                    channel.abort_with(AbortReason::Input).await;
                }
            })
            .await;
            return Err(e);
        }
    };
    progress.step(role, "connecting to the peer");
    let channel = link.await?;
    let session = channel.session_id().0;
    let pre = OtPreprocessing::new(role, session, &mut OsRng)
        .with_extension(job.ot_extension().extension())
        .with_progress(progress.ot_callback(role));
    let mut engine = Engine::new(role, channel, pre, &mut OsRng).with_lookahead(LOOKAHEAD);
    let on_phase = |phase: Phase| progress.step(role, &phase.to_string());
    let studied =
        run_prepared_with(&mut engine, session, job, &prepared, &mut OsRng, &on_phase).await;
    let (channel, _) = engine.into_parts();
    let studied = match studied {
        Ok(r) => r,
        Err(e) => {
            let err = anyhow::Error::from(e).context("running the study");
            let reason = if crate::exit::is_bad_input(&err) {
                AbortReason::Input
            } else {
                AbortReason::Study
            };
            channel.abort_with(reason).await;
            return Err(err);
        }
    };
    let (results, paths, traffic) = finish(channel, studied, job, &prepared, local).await?;
    progress.done(role);
    Ok(Outcome {
        results,
        paths,
        traffic,
        rows_used: prepared.log.rows_used,
        elapsed: start.elapsed(),
    })
}

/// Agrees the transcripts, stages the result files, and puts them in place
/// only if the peer can too (the commit exchange); a side that cannot write
/// says so, and neither keeps results. Then records the release.
async fn finish(
    mut channel: QuicChannel,
    studied: duet_stats::Studied,
    job: &Job,
    prepared: &duet_stats::Prepared,
    local: &LocalConfig,
) -> anyhow::Result<(Results, OutputPaths, Traffic)> {
    let summary = channel.agree().await.context("closing the link")?;
    let traffic = traffic_of(&summary);
    let results = studied.results;
    let mut log = prepared.log.clone();
    log.linkage = studied.link;
    let info = RunInfo {
        job,
        role: local.role,
        transcript_digest: summary.digest.0,
        traffic: &traffic,
        load_log: Some(&log),
    };
    let staged = match stage_outputs(&local.output_dir, &results, &info) {
        Ok(staged) => staged,
        Err(e) => {
            let _ = channel.commit(false).await;
            return Err(e)
                .context("writing the results (the peer was told; neither side keeps results)");
        }
    };
    if !channel
        .commit(true)
        .await
        .context("agreeing to write the results")?
    {
        let reason = AbortReason::Output;
        let e = NetError::PeerAborted {
            code: 1,
            reason: format!("{} ({})", reason.word(), reason.meaning()),
        };
        return Err(e).context("the peer cannot write its results, so neither side keeps them");
    }
    let paths = staged.commit().context("writing the results")?;
    if let Some(ledger) = &prepared.ledger {
        ledger
            .record(&results)
            .context("recording the release in this side's ledger")?;
    }
    Ok((results, paths, traffic))
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
        Connect::Listen(listener) => wait_for_peer(&listener, handshake, wait).await,
        Connect::Dial(addr) => {
            let connected = dial_until(addr, identity, peer, config, wait).await?;
            connected
                .establish(handshake, &mut OsRng)
                .await
                .with_context(|| format!("handshake with the peer at {addr}"))
        }
    }
}

/// Waits up to `wait` for the pinned peer; see [`attempt`] for what does
/// not end the wait.
async fn wait_for_peer(
    listener: &Listener,
    handshake: &Handshake,
    wait: Duration,
) -> anyhow::Result<QuicChannel> {
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, attempt(listener, handshake)).await {
            Ok(Ok(Some(channel))) => return Ok(channel),
            Ok(Ok(None)) => {}
            Ok(Err(e)) => return Err(e).context("handshake with the peer"),
            Err(_) => {
                let step = "waiting for the peer";
                return Err(NetError::Timeout { step, after: wait }.into());
            }
        }
    }
}

/// One connection attempt at the listener: the channel, or `None` to keep
/// waiting. Strangers (a wrong certificate, a client refusing ours, one
/// that closes, gives up or goes silent) are logged with their address and
/// certificate; so is a peer's attempt that fails before the duet handshake
/// completes (it may dial again). Only a peer holding another job, or a
/// local failure, ends the wait.
async fn attempt(
    listener: &Listener,
    handshake: &Handshake,
) -> Result<Option<QuicChannel>, NetError> {
    let connected = match listener.next_peer().await {
        Ok(connected) => connected,
        Err(e @ NetError::Refused { .. }) => {
            eprintln!("duet: warning: {e}; still waiting");
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let from = connected.remote_address();
    match connected.establish(handshake, &mut OsRng).await {
        Ok(channel) => Ok(Some(channel)),
        Err(e @ (NetError::HandshakeMismatch { .. } | NetError::PeerRejected { .. })) => Err(e),
        Err(e) => {
            eprintln!("duet: warning: the peer's attempt from {from} failed: {e}; still waiting");
            Ok(None)
        }
    }
}

/// Dials until the TLS handshake with the pinned peer succeeds, retrying
/// while the peer may simply not be up yet, up to `wait`.
async fn dial_until(
    addr: SocketAddr,
    identity: &Identity,
    peer: Fingerprint,
    config: &LinkConfig,
    wait: Duration,
) -> anyhow::Result<Connected> {
    let deadline = Instant::now() + wait;
    loop {
        match duet_net::connect(addr, identity, peer, config).await {
            Ok(connected) => return Ok(connected),
            Err(e) if retryable(&e) && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) if retryable(&e) => {
                let step = "waiting for the peer";
                let e = NetError::Timeout { step, after: wait };
                return Err(e).with_context(|| format!("dialling {addr}"));
            }
            Err(e) => return Err(e).with_context(|| format!("connecting to {addr}")),
        }
    }
}

/// The peer may simply not be listening yet.
fn retryable(e: &NetError) -> bool {
    matches!(
        e,
        NetError::Connect(_) | NetError::Timeout { .. } | NetError::ConnectionLost(_)
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
