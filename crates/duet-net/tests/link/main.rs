//! The link over 127.0.0.1: the engine across real QUIC, refusals, faults.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    unreachable_pub
)]

mod commit;
mod engine;
mod faults;
mod impostor;
mod refusals;
mod session;
mod strangers;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::OnceLock;
use std::time::Duration;

use duet_core::Role;
use duet_net::{dial, Handshake, Identity, LinkConfig, Listener, NetError, QuicChannel};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

pub const LOOPBACK: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 0);
pub const JOB: [u8; 32] = [0x42; 32];
/// Upper bound on any one test step, so a bug fails instead of hanging.
pub const STEP: Duration = Duration::from_secs(60);

/// Three identities, generated once per test binary: A and B pin each
/// other, C is a stranger.
pub fn ids() -> &'static [Identity; 3] {
    static IDS: OnceLock<[Identity; 3]> = OnceLock::new();
    IDS.get_or_init(|| {
        ["hospital-a", "hospital-b", "stranger"].map(|n| Identity::generate(n).unwrap())
    })
}

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

pub fn quick() -> LinkConfig {
    let mut c = LinkConfig::default();
    c.connect_timeout(Duration::from_secs(10))
        .receive_timeout(Duration::from_secs(20))
        .idle_timeout(Duration::from_secs(10))
        .keep_alive(Duration::from_secs(1));
    c
}

/// Listens as `server` and dials as `client` with the given handshakes
/// and configs; returns both outcomes (listener's first).
pub async fn connect(
    (server, server_pin, server_hs, server_cfg): (&Identity, &Identity, Handshake, &LinkConfig),
    (client, client_pin, client_hs, client_cfg): (&Identity, &Identity, Handshake, &LinkConfig),
) -> (Result<QuicChannel, NetError>, Result<QuicChannel, NetError>) {
    let listener = Listener::bind(LOOPBACK, server, server_pin.fingerprint(), server_cfg).unwrap();
    let addr = listener.local_addr().unwrap();
    let accept = async {
        let mut r = rng(1);
        listener.accept(&server_hs, &mut r).await
    };
    let dialer = async {
        let mut r = rng(2);
        dial(
            addr,
            client,
            client_pin.fingerprint(),
            &client_hs,
            client_cfg,
            &mut r,
        )
        .await
    };
    tokio::time::timeout(STEP, async { tokio::join!(accept, dialer) })
        .await
        .expect("connect did not finish in time")
}

/// A connected pair: P0 listens (A), P1 dials (B), or the other way round.
pub async fn pair(p0_listens: bool, cfg: &LinkConfig) -> (QuicChannel, QuicChannel) {
    let [a, b, _] = ids();
    let h0 = Handshake::new(JOB, Role::P0);
    let h1 = Handshake::new(JOB, Role::P1);
    if p0_listens {
        let (l, d) = connect((a, b, h0, cfg), (b, a, h1, cfg)).await;
        (l.unwrap(), d.unwrap())
    } else {
        let (l, d) = connect((b, a, h1, cfg), (a, b, h0, cfg)).await;
        (d.unwrap(), l.unwrap())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connects_both_ways_and_closes_with_matching_transcripts() {
    for p0_listens in [true, false] {
        let (c0, c1) = pair(p0_listens, &quick()).await;
        assert_eq!(c0.session_id(), c1.session_id());
        assert_eq!(c0.role(), Role::P0);
        let (s0, s1) = tokio::time::timeout(STEP, async { tokio::join!(c0.close(), c1.close()) })
            .await
            .unwrap();
        let (s0, s1) = (s0.unwrap(), s1.unwrap());
        assert_eq!(s0.digest, s1.digest);
        assert!(s0.kinds.is_empty());
    }
}
