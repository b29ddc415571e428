//! Refusals: a stranger in either direction, and each handshake field.

use duet_core::Role;
use duet_net::{Field, Handshake, NetError};

use crate::{connect, ids, quick, JOB};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_cannot_dial_in() {
    let [a, b, c] = ids();
    let cfg = quick();
    let h0 = Handshake::new(JOB, Role::P0);
    let h1 = Handshake::new(JOB, Role::P1);
    // A listens pinning B; C dials pretending to be the peer (and pins A).
    let (l, d) = connect((a, b, h0, &cfg), (c, a, h1, &cfg)).await;
    match l {
        Err(NetError::PinMismatch { seen, expected }) => {
            assert_eq!(seen, c.fingerprint());
            assert_eq!(expected, b.fingerprint());
        }
        other => panic!("listener: expected PinMismatch, got {other:?}"),
    }
    assert!(d.is_err(), "the stranger must not get a channel");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_cannot_be_dialled() {
    let [a, b, c] = ids();
    let cfg = quick();
    let h0 = Handshake::new(JOB, Role::P0);
    let h1 = Handshake::new(JOB, Role::P1);
    // C listens (pinning A); A dials expecting B.
    let (l, d) = connect((c, a, h1, &cfg), (a, b, h0, &cfg)).await;
    match d {
        Err(NetError::PinMismatch { seen, expected }) => {
            assert_eq!(seen, c.fingerprint());
            assert_eq!(expected, b.fingerprint());
        }
        other => panic!("dialer: expected PinMismatch, got {other:?}"),
    }
    assert!(l.is_err(), "the stranger must not get a channel");
}

/// Connects A (P0 unless `hs0` says otherwise) and B with the given
/// handshakes; both must fail naming `field`.
async fn both_refuse(hs0: Handshake, hs1: Handshake, field: Field) {
    let [a, b, _] = ids();
    let cfg = quick();
    let (l, d) = connect((a, b, hs0, &cfg), (b, a, hs1, &cfg)).await;
    for (side, r) in [("listener", l), ("dialer", d)] {
        match r {
            Err(NetError::HandshakeMismatch { field: f, .. }) => assert_eq!(f, field, "{side}"),
            other => panic!("{side}: expected a {field} mismatch, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_job_hash_version_and_role_each_fail_with_their_field() {
    let h0 = Handshake::new(JOB, Role::P0);
    let h1 = Handshake::new(JOB, Role::P1);
    let mut other_job = h1;
    other_job.job_hash[31] ^= 1;
    both_refuse(h0, other_job, Field::JobHash).await;
    let mut other_version = h1;
    other_version.version += 1;
    both_refuse(h0, other_version, Field::Version).await;
    both_refuse(h0, h0, Field::Role).await;
    both_refuse(h1, h1, Field::Role).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn different_lane_counts_are_refused() {
    let [a, b, _] = ids();
    let cfg = quick();
    let mut more = quick();
    more.lanes(7);
    let h0 = Handshake::new(JOB, Role::P0);
    let h1 = Handshake::new(JOB, Role::P1);
    let (l, d) = connect((a, b, h0, &cfg), (b, a, h1, &more)).await;
    for r in [l, d] {
        assert!(matches!(
            r,
            Err(NetError::HandshakeMismatch {
                field: Field::Lanes,
                ..
            })
        ));
    }
}
