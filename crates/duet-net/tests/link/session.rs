//! The session id is fresh per TLS session: the handshake hashes both
//! sides' nonces with the TLS exporter secret, so two sessions between the
//! same parties with the same nonces (the same seeded randomness) still
//! get different ids, and both sides of one session the same (a
//! cargo-mutants survivor: `session_id` returning a constant passed every
//! other test, docs/MUTANTS.md).

use super::{pair, quick, STEP};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_tls_session_has_its_own_session_id_even_with_the_same_nonces() {
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (c0, c1) = pair(true, &quick()).await;
        assert_eq!(c0.session_id(), c1.session_id());
        ids.push(c0.session_id());
        let (s0, s1) = tokio::time::timeout(STEP, async { tokio::join!(c0.close(), c1.close()) })
            .await
            .unwrap();
        assert_eq!(s0.unwrap().digest, s1.unwrap().digest);
    }
    assert_ne!(ids[0], ids[1]);
}
