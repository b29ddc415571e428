//! Strangers at the listener's port never end its wait: each refused
//! connection is logged with its address and certificate, and the real
//! peer then runs the study as usual.

use std::time::Duration;

use duet_core::Role;
use duet_net::{Handshake, Identity, IdentityPaths, LinkConfig};
use rand::SeedableRng;

use crate::{root, stderr, wait_bounded, Setup};

fn hospital(name: &str) -> std::path::PathBuf {
    root().join("datasets").join(name)
}

/// Dials `addr` as `who` pinning `pin` until the listener answers at all
/// (any outcome but "nobody there"); returns that outcome's text.
fn knock(
    addr: std::net::SocketAddr,
    who: &Identity,
    pin: duet_net::Fingerprint,
    cfg: &LinkConfig,
) -> String {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    rt.block_on(async {
        for _ in 0..100 {
            let hs = Handshake::new([0; 32], Role::P0);
            match duet_net::dial(addr, who, pin, &hs, cfg, &mut rng).await {
                Err(duet_net::NetError::Connect(_)) => {}
                Err(duet_net::NetError::Timeout {
                    step: "connecting", ..
                }) => {}
                other => return format!("{other:?}"),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        "the listener never answered".to_string()
    })
}

#[test]
fn strangers_are_logged_and_never_end_the_wait() {
    let setup = Setup::new(&hospital("hospital_a.csv"), &hospital("hospital_b.csv"));
    let b = setup.start(1, &setup.job, 60);
    let keys = setup.dir.path().join("keys");
    let b_cert = Identity::load(&IdentityPaths::in_dir(&keys, "hospital-b"))
        .unwrap()
        .fingerprint();
    let a_id = Identity::load(&IdentityPaths::in_dir(&keys, "hospital-a")).unwrap();
    let stranger = Identity::generate("scanner").unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", setup.port).parse().unwrap();
    let mut cfg = LinkConfig::default();
    cfg.connect_timeout(Duration::from_secs(2));
    // A client that refuses B's certificate (it pins itself).
    let refusing = knock(addr, &stranger, stranger.fingerprint(), &cfg);
    assert!(refusing.contains("Err"), "{refusing}");
    // A client with a certificate B does not pin.
    let wrong = knock(addr, &stranger, b_cert, &cfg);
    assert!(wrong.contains("Err"), "{wrong}");
    // The real A's certificate, giving up at once (connect and close).
    let mut hasty = cfg.clone();
    hasty.connect_timeout(Duration::from_millis(1));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _ = rt.block_on(duet_net::connect(addr, &a_id, b_cert, &hasty));
    let a = setup.start(0, &setup.job, 30);
    let limit = Duration::from_secs(90);
    let (a, b) = (wait_bounded(a, limit), wait_bounded(b, limit));
    let log = stderr(&b);
    assert!(a.status.success(), "{}", stderr(&a));
    assert!(b.status.success(), "{log}");
    let refused: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("refused a connection from 127.0.0.1:"))
        .collect();
    assert!(refused.len() >= 2, "{log}");
    assert!(log.contains(&stranger.fingerprint().to_string()), "{log}");
    assert!(setup.wrote_anything(0) && setup.wrote_anything(1));
}
