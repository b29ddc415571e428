//! Fault injection by phase: a fake institution runs the real protocol
//! against a real `duet run` over 127.0.0.1 and dies, as a killed process
//! does (no close frame), at a chosen phase: in the OT preprocessing, in
//! the online phase, or between the transcript check and the commit. The
//! real side must exit 4 within 10 s of the death, with no result files on
//! either side. The fake plays the listener or the dialler.

use std::time::{Duration, Instant};

use duet_core::{Channel, ChannelError, Engine, MsgKind, Needs, Role};
use duet_net::{Handshake, Identity, IdentityPaths, LinkConfig, Listener, QuicChannel};
use duet_ot::OtPreprocessing;
use duet_stats::{Job, LocalConfig};
use rand::SeedableRng;

use crate::{root, stderr, wait_bounded, Setup};

/// As `duet run` fetches preprocessing (the frames' sizes must match).
const LOOKAHEAD: Needs = Needs {
    triples: 512,
    and_words: 1 << 8,
    and_pairs: 1 << 8,
    dabits: 1 << 10,
    bit_oles: 1 << 10,
    leaf_ots: 1 << 11,
};

/// Where the fake dies.
#[derive(Clone, Copy, Debug)]
enum Phase {
    /// At its first oblivious-transfer message.
    Ot,
    /// At its first online multiplication or comparison opening (after
    /// triples were made).
    Online,
    /// After the transcripts agreed, before saying whether it can write.
    Commit,
}

impl Phase {
    fn hits(self, kind: MsgKind) -> bool {
        match self {
            Phase::Ot => kind.code >> 8 == 0x02,
            Phase::Online => matches!(kind.code, 0x0103..=0x0105),
            Phase::Commit => false,
        }
    }
}

/// The real channel, failing (as if the process died) at the phase.
struct Doomed<'a> {
    inner: &'a mut QuicChannel,
    phase: Phase,
}

impl Channel for Doomed<'_> {
    async fn send(&mut self, kind: MsgKind, payload: Vec<u8>) -> Result<(), ChannelError> {
        if self.phase.hits(kind) {
            return Err(ChannelError::Closed);
        }
        self.inner.send(kind, payload).await
    }

    async fn recv(&mut self, kind: MsgKind, max_len: usize) -> Result<Vec<u8>, ChannelError> {
        if self.phase.hits(kind) {
            return Err(ChannelError::Closed);
        }
        self.inner.recv(kind, max_len).await
    }
}

fn identity(setup: &Setup, name: &str) -> Identity {
    Identity::load(&IdentityPaths::in_dir(setup.dir.path().join("keys"), name)).unwrap()
}

/// Connects as `side` (0: hospital A, dialling; 1: hospital B, listening).
async fn connect(setup: &Setup, side: usize, job: &Job) -> QuicChannel {
    let names = ["hospital-a", "hospital-b"];
    let me = identity(setup, names[side]);
    let peer = identity(setup, names[1 - side]).fingerprint();
    let role = [Role::P0, Role::P1][side];
    let hs = Handshake::new(job.hash(), role);
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
    let addr = format!("127.0.0.1:{}", setup.port).parse().unwrap();
    let cfg = LinkConfig::default();
    let connected = if side == 1 {
        let l = Listener::bind(addr, &me, peer, &cfg).unwrap();
        l.next_peer().await.unwrap()
    } else {
        loop {
            match duet_net::connect(addr, &me, peer, &cfg).await {
                Ok(c) => break c,
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    };
    connected.establish(&hs, &mut rng).await.unwrap()
}

/// Runs `side` as a fake that dies at `phase`; returns when it died.
fn fake_dies(setup: &Setup, side: usize, phase: Phase) -> Instant {
    let job = Job::load(&setup.job).unwrap();
    let local = LocalConfig::load(&setup.local[side]).unwrap();
    let prepared = duet_stats::prepare_data(&job, &local).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut channel = rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(30), connect(setup, side, &job))
            .await
            .unwrap()
    });
    let session = channel.session_id().0;
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(10);
    let pre = OtPreprocessing::new(local.role, session, &mut rng)
        .with_extension(job.ot_extension().extension());
    let doomed = Doomed {
        inner: &mut channel,
        phase,
    };
    let mut engine = Engine::new(local.role, doomed, pre, &mut rng).with_lookahead(LOOKAHEAD);
    let studied = rt.block_on(duet_stats::run_prepared(
        &mut engine,
        session,
        &job,
        &prepared,
        &mut rng,
    ));
    drop(engine);
    if let Phase::Commit = phase {
        studied.unwrap();
        rt.block_on(channel.agree()).unwrap();
    } else {
        assert!(studied.is_err(), "{phase:?} was never reached");
    }
    // Killed: no close frame, the socket simply goes quiet.
    std::mem::forget(channel);
    rt.shutdown_background();
    Instant::now()
}

/// The real side `1 - fake` against a fake dying at `phase`.
fn survivor_exits_4_promptly(fake: usize, phase: Phase) {
    let data = root().join("datasets");
    let setup = Setup::new(&data.join("hospital_a.csv"), &data.join("hospital_b.csv"));
    let real = setup.start(1 - fake, &setup.job, 60);
    let died = fake_dies(&setup, fake, phase);
    let real = wait_bounded(real, Duration::from_secs(90));
    let took = died.elapsed();
    eprintln!("fake side {fake} died at {phase:?}; the real side exited after {took:?}");
    assert_eq!(real.status.code(), Some(4), "{}", stderr(&real));
    assert!(
        took < Duration::from_secs(10),
        "{took:?}: {}",
        stderr(&real)
    );
    assert!(!setup.wrote_anything(0) && !setup.wrote_anything(1));
}

#[test]
fn listener_dies_in_ot() {
    survivor_exits_4_promptly(1, Phase::Ot);
}

#[test]
fn dialler_dies_in_ot() {
    survivor_exits_4_promptly(0, Phase::Ot);
}

#[test]
fn listener_dies_online() {
    survivor_exits_4_promptly(1, Phase::Online);
}

#[test]
fn dialler_dies_online() {
    survivor_exits_4_promptly(0, Phase::Online);
}

#[test]
fn listener_dies_before_commit() {
    survivor_exits_4_promptly(1, Phase::Commit);
}

#[test]
fn dialler_dies_before_commit() {
    survivor_exits_4_promptly(0, Phase::Commit);
}
