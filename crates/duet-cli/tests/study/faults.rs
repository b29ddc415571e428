//! Fault injection over 127.0.0.1: a peer that dies or refuses its own data
//! at a given step. The survivor must exit 4 promptly, naming why, and
//! neither side may hold results.

use std::time::{Duration, Instant};

use duet_core::{Channel, Role};
use duet_net::{Handshake, Identity, IdentityPaths, LinkConfig, Listener};
use rand::SeedableRng;

use crate::{root, stderr, wait_bounded, Setup};

/// The target: a killed peer is noticed within 10 s.
const DETECT: Duration = Duration::from_secs(10);

fn hospital(name: &str) -> std::path::PathBuf {
    root().join("datasets").join(name)
}

/// Where a fake hospital B (listening) dies.
#[derive(Clone, Copy)]
enum DiesAt {
    /// After TLS proved it is the pinned peer, before the duet handshake.
    Handshake,
    /// After A's first study message.
    Study,
}

/// A fake hospital B that dies at `step` as a killed process would (no
/// close frame); returns when it died.
fn fake_b_dies(setup: &Setup, step: DiesAt) -> Instant {
    let keys = setup.dir.path().join("keys");
    let b = Identity::load(&IdentityPaths::in_dir(&keys, "hospital-b")).unwrap();
    let a = Identity::load(&IdentityPaths::in_dir(&keys, "hospital-a")).unwrap();
    let job_hash = duet_stats::Job::load(&setup.job).unwrap().hash();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let addr = format!("127.0.0.1:{}", setup.port).parse().unwrap();
    let cfg = LinkConfig::default();
    let listener = rt
        .block_on(async { Listener::bind(addr, &b, a.fingerprint(), &cfg) })
        .unwrap();
    let connected = rt
        .block_on(async {
            let wait = Duration::from_secs(30);
            tokio::time::timeout(wait, listener.next_peer()).await
        })
        .unwrap()
        .unwrap();
    if let DiesAt::Study = step {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2);
        let hs = Handshake::new(job_hash, Role::P1);
        let mut ch = rt.block_on(connected.establish(&hs, &mut rng)).unwrap();
        let _ = rt.block_on(ch.recv(duet_stats::protocol::HELLO, 1 << 16));
        std::mem::forget(ch);
    } else {
        std::mem::forget(connected);
    }
    std::mem::forget(listener);
    rt.shutdown_background();
    Instant::now()
}

fn killed_b_is_noticed_promptly(step: DiesAt) {
    let setup = Setup::new(&hospital("hospital_a.csv"), &hospital("hospital_b.csv"));
    // Default --timeout (120 s): only keep-alives can notice in time.
    let a = setup.start(0, &setup.job, 120);
    let died = fake_b_dies(&setup, step);
    let a = wait_bounded(a, Duration::from_secs(150));
    let took = died.elapsed();
    eprintln!("killed peer noticed after {took:?}");
    assert_eq!(a.status.code(), Some(4), "{}", stderr(&a));
    assert!(took < DETECT, "noticed after {took:?}: {}", stderr(&a));
    assert!(!stderr(&a).contains("0ns"), "{}", stderr(&a));
    assert!(!setup.wrote_anything(0));
}

#[test]
fn a_peer_killed_in_the_handshake_is_noticed_within_10_s() {
    killed_b_is_noticed_promptly(DiesAt::Handshake);
}

#[test]
fn a_peer_killed_mid_study_is_noticed_within_10_s() {
    killed_b_is_noticed_promptly(DiesAt::Study);
}
