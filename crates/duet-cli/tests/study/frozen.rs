//! A frozen peer (SIGSTOP: a hung host, a laptop lid closed) between two
//! real `duet run` processes: the other side must notice within 10 s of
//! the freeze (keep-alives every second, 6 s idle timeout), exit 4, and
//! neither side may keep results. The phases a fake can reach precisely
//! are in `phases.rs`; this is the real process, frozen mid-study.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::{root, stderr, wait_bounded, Setup};

/// Sends `signal` (`STOP`, `KILL`) to `child` with the system's `kill`.
fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal} failed");
}

/// Both sides on the analyses job (every record goes through secure
/// comparisons, so the study runs for many seconds); side `frozen` is
/// stopped once the study is under way.
fn survivor_of_a_freeze(frozen: usize) {
    let data = root().join("datasets");
    let setup = Setup::for_job(
        "pooled_analyses.toml",
        &data.join("hospital_a.csv"),
        &data.join("hospital_b.csv"),
        |t| t,
    );
    let b = setup.start(1, &setup.job, 60);
    let a = setup.start(0, &setup.job, 60);
    let mut sides = [Some(a), Some(b)];
    // Connected and past the handshake well before this (both start at
    // once); the sealed logistic fit alone takes longer.
    std::thread::sleep(Duration::from_secs(4));
    let victim = sides[frozen].take().unwrap();
    signal(&victim, "STOP");
    let froze = Instant::now();
    let survivor = wait_bounded(sides[1 - frozen].take().unwrap(), Duration::from_secs(60));
    let took = froze.elapsed();
    signal(&victim, "KILL");
    let _ = wait_bounded(victim, Duration::from_secs(10));
    eprintln!(
        "side {frozen} frozen; side {} exited after {took:?}",
        1 - frozen
    );
    assert_eq!(survivor.status.code(), Some(4), "{}", stderr(&survivor));
    assert!(
        took < Duration::from_secs(10),
        "{took:?}: {}",
        stderr(&survivor)
    );
    assert!(!setup.wrote_anything(0) && !setup.wrote_anything(1));
}

#[test]
fn a_frozen_dialler_is_noticed_within_10_s() {
    survivor_of_a_freeze(0);
}

#[test]
fn a_frozen_listener_is_noticed_within_10_s() {
    survivor_of_a_freeze(1);
}
