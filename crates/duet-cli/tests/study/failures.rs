//! Each failure a researcher can meet ends with its own clear, one-line
//! error, a documented exit code, and no result files on either side.

use std::path::Path;
use std::time::Duration;

use duet_core::{Channel, Role};
use duet_net::{Handshake, Identity, IdentityPaths, LinkConfig, Listener};
use rand::SeedableRng;

use crate::{root, stderr, wait_bounded, Setup};

const LIMIT: Duration = Duration::from_secs(90);

fn hospital(name: &str) -> std::path::PathBuf {
    root().join("datasets").join(name)
}

/// A copy of hospital A's file with one line replaced.
fn broken_copy(dir: &Path, line_no: usize, line: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(hospital("hospital_a.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[line_no - 1] = line;
    let path = dir.join("broken.csv");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// Runs A with `csv_a`, B normally (B gives up after 3 s without a peer).
/// A starts once B listens: A, refused, tells a peer that is already
/// waiting (for 1 s at most), and the test is about that peer.
fn run_with_bad_a(csv_a: &Path) -> (std::process::Output, std::process::Output, Setup) {
    let setup = Setup::new(csv_a, &hospital("hospital_b.csv"));
    let b = setup.start(1, &setup.job, 3);
    wait_until_listening(setup.port);
    let a = setup.start(0, &setup.job, 3);
    (wait_bounded(a, LIMIT), wait_bounded(b, LIMIT), setup)
}

/// Returns once something holds UDP `port` on 127.0.0.1 (at most 10 s).
fn wait_until_listening(port: u16) {
    let start = std::time::Instant::now();
    while std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() && start.elapsed() < LIMIT / 9 {
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn malformed_csv_names_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = broken_copy(tmp.path(), 7, "R000099,55,F,north");
    let (a, b, setup) = run_with_bad_a(&bad);
    assert_eq!(a.status.code(), Some(3), "{}", stderr(&a));
    let msg = stderr(&a);
    assert_eq!(msg.lines().count(), 1, "{msg}");
    assert!(msg.contains("broken.csv:7:"), "{msg}");
    // A, refused, tells B when B is there; B stops with A's reason.
    assert_eq!(b.status.code(), Some(4), "{}", stderr(&b));
    assert!(stderr(&b).contains("input"), "{}", stderr(&b));
    assert!(!setup.wrote_anything(0) && !setup.wrote_anything(1));
}

#[test]
fn value_out_of_bounds_names_the_column() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = broken_copy(tmp.path(), 3, "R000005,55,F,north,no,30.3,300.0,no,1309,0");
    let (a, _b, setup) = run_with_bad_a(&bad);
    assert_eq!(a.status.code(), Some(3), "{}", stderr(&a));
    let msg = stderr(&a);
    assert!(
        msg.contains("broken.csv:3:") && msg.contains("sbp") && msg.contains("300"),
        "{msg}"
    );
    assert!(!setup.wrote_anything(0) && !setup.wrote_anything(1));
}

#[test]
fn job_files_differing_by_one_byte_are_refused_by_both() {
    let setup = Setup::new(&hospital("hospital_a.csv"), &hospital("hospital_b.csv"));
    let text = std::fs::read_to_string(&setup.job).unwrap();
    let other = setup.dir.path().join("job-b.toml");
    std::fs::write(&other, text.replace("min_cell = 10", "min_cell = 11")).unwrap();
    let b = setup.start(1, &other, 30);
    let a = setup.start(0, &setup.job, 30);
    let (a, b) = (wait_bounded(a, LIMIT), wait_bounded(b, LIMIT));
    for out in [&a, &b] {
        assert_eq!(out.status.code(), Some(4), "{}", stderr(out));
        assert!(stderr(out).contains("job hash"), "{}", stderr(out));
    }
    assert!(!setup.wrote_anything(0) && !setup.wrote_anything(1));
}

fn load(setup: &Setup, name: &str) -> Identity {
    Identity::load(&IdentityPaths::in_dir(setup.dir.path().join("keys"), name)).unwrap()
}

#[test]
fn a_peer_with_another_certificate_is_refused() {
    let setup = Setup::new(&hospital("hospital_a.csv"), &hospital("hospital_b.csv"));
    let a_cert = load(&setup, "hospital-a").fingerprint();
    let impostor = Identity::generate("hospital-b").unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let addr = format!("127.0.0.1:{}", setup.port).parse().unwrap();
    let listener = rt
        .block_on(async { Listener::bind(addr, &impostor, a_cert, &LinkConfig::default()) })
        .unwrap();
    let a = setup.start(0, &setup.job, 5);
    let job_hash = duet_stats::Job::load(&setup.job).unwrap().hash();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let hs = Handshake::new(job_hash, Role::P1);
    let _ = rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(10), listener.accept(&hs, &mut rng)).await
    });
    let a = wait_bounded(a, LIMIT);
    assert_eq!(a.status.code(), Some(4), "{}", stderr(&a));
    let msg = stderr(&a);
    assert!(
        msg.contains(&impostor.fingerprint().to_string()),
        "names the fingerprint seen: {msg}"
    );
    assert!(!setup.wrote_anything(0));
}

/// A fake hospital B that completes the handshake, then stops answering.
fn fake_b_that_vanishes(setup: &Setup, abort: bool) {
    let b = load(setup, "hospital-b");
    let a_cert = load(setup, "hospital-a").fingerprint();
    let job_hash = duet_stats::Job::load(&setup.job).unwrap().hash();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let addr = format!("127.0.0.1:{}", setup.port).parse().unwrap();
    let listener = rt
        .block_on(async { Listener::bind(addr, &b, a_cert, &LinkConfig::default()) })
        .unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2);
    let hs = Handshake::new(job_hash, Role::P1);
    let accepted = rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(30), listener.accept(&hs, &mut rng)).await
    });
    let mut ch = accepted.unwrap().unwrap();
    // Take A's first message, then go away mid-protocol.
    let _ = rt.block_on(ch.recv(duet_stats::protocol::HELLO, 1 << 16));
    if abort {
        rt.block_on(ch.abort("operator stopped the run"));
    } else {
        // Like a killed process: no close frame, the peer hears nothing more.
        std::mem::forget(ch);
        drop(listener);
        rt.shutdown_background();
    }
}

#[test]
fn a_peer_aborting_mid_run_ends_the_run_without_results() {
    let setup = Setup::new(&hospital("hospital_a.csv"), &hospital("hospital_b.csv"));
    let a = setup.start(0, &setup.job, 30);
    fake_b_that_vanishes(&setup, true);
    let a = wait_bounded(a, LIMIT);
    assert_eq!(a.status.code(), Some(4), "{}", stderr(&a));
    assert!(stderr(&a).contains("abort"), "{}", stderr(&a));
    assert!(!setup.wrote_anything(0));
}

#[test]
fn a_peer_killed_mid_run_is_detected_within_the_timeout() {
    let setup = Setup::new(&hospital("hospital_a.csv"), &hospital("hospital_b.csv"));
    let a = crate::duet()
        .args(["run", "--quiet", "--wait", "30", "--timeout", "3", "--job"])
        .arg(&setup.job)
        .arg("--local")
        .arg(&setup.local[0])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    fake_b_that_vanishes(&setup, false);
    let a = wait_bounded(a, Duration::from_secs(60));
    assert_eq!(a.status.code(), Some(4), "{}", stderr(&a));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    assert!(!setup.wrote_anything(0));
}

#[test]
fn a_stranger_reaching_the_listener_first_does_not_end_the_run() {
    let setup = Setup::new(&hospital("hospital_a.csv"), &hospital("hospital_b.csv"));
    let b = setup.start(1, &setup.job, 60);
    let b_cert = load(&setup, "hospital-b").fingerprint();
    let stranger = Identity::generate("scanner").unwrap();
    let job_hash = duet_stats::Job::load(&setup.job).unwrap().hash();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", setup.port).parse().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    // Retry until B listens; every attempt must be refused.
    let refused = rt.block_on(async {
        for _ in 0..100 {
            let hs = Handshake::new(job_hash, Role::P0);
            match duet_net::dial(
                addr,
                &stranger,
                b_cert,
                &hs,
                &LinkConfig::default(),
                &mut rng,
            )
            .await
            {
                Ok(_) => return false,
                Err(duet_net::NetError::Connect(_)) | Err(duet_net::NetError::Timeout { .. }) => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                Err(_) => return true,
            }
        }
        false
    });
    assert!(refused, "the stranger was not refused");
    let a = setup.start(0, &setup.job, 30);
    let (a, b) = (wait_bounded(a, LIMIT), wait_bounded(b, LIMIT));
    assert!(
        a.status.success() && b.status.success(),
        "{}\n{}",
        stderr(&a),
        stderr(&b)
    );
    assert!(setup.wrote_anything(0) && setup.wrote_anything(1));
}
