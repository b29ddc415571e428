//! A hostile or broken peer: short, long, undecodable and identity points,
//! wrong-length extension and Gilboa messages, garbage, a vanished peer.
//! Every case must end in a typed error, never a panic.

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::RistrettoPoint;
use duet_core::{Channel, ChannelError, MemoryChannel, MsgKind, Role, Z64};
use duet_ot::{kinds, OtError, OtSession};
use futures::executor::block_on;
use proptest::prelude::*;

use crate::{rng, sessions, SID};

/// P0's setup result when P1 has already sent `frames` and then falls
/// silent (its end stays open, so P0's own sends succeed; every case below
/// ends before P0 needs a frame that is not there).
fn setup_against(frames: Vec<(MsgKind, Vec<u8>)>) -> Result<OtSession, OtError> {
    let (mut c0, mut c1) = MemoryChannel::pair();
    block_on(async {
        for (k, f) in frames {
            c1.send(k, f).await.unwrap();
        }
    });
    let r = block_on(OtSession::setup(
        &mut c0,
        Role::P0,
        SID,
        &mut rng(120, Role::P0),
    ));
    drop(c1);
    r
}

#[test]
fn a_vanished_peer_is_a_channel_error() {
    let (mut c0, c1) = MemoryChannel::pair();
    drop(c1);
    let r = block_on(OtSession::setup(
        &mut c0,
        Role::P0,
        SID,
        &mut rng(120, Role::P0),
    ));
    assert!(matches!(
        r,
        Err(OtError::Channel {
            source: ChannelError::Closed,
            ..
        })
    ));
}

fn point(p: RistrettoPoint) -> Vec<u8> {
    p.compress().to_bytes().to_vec()
}

fn good_a() -> (MsgKind, Vec<u8>) {
    (kinds::BASE_SENDER, point(RISTRETTO_BASEPOINT_POINT))
}

#[test]
fn bad_sender_points_are_rejected() {
    let r = setup_against(vec![(kinds::BASE_SENDER, vec![1; 31])]);
    assert!(matches!(
        r,
        Err(OtError::PeerLength {
            expected: 32,
            found: 31,
            ..
        })
    ));
    let r = setup_against(vec![(kinds::BASE_SENDER, vec![1; 33])]);
    assert!(matches!(
        r,
        Err(OtError::Channel {
            source: ChannelError::FrameTooLarge { len: 33, limit: 32 },
            ..
        })
    ));
    let r = setup_against(vec![(kinds::BASE_SENDER, vec![0xff; 32])]);
    assert!(matches!(r, Err(OtError::InvalidPoint { index: 0, .. })));
    let r = setup_against(vec![(kinds::BASE_SENDER, point(RistrettoPoint::default()))]);
    assert!(matches!(r, Err(OtError::IdentityPoint { index: 0, .. })));
    let r = setup_against(vec![(kinds::EXT_U, vec![0; 32])]);
    assert!(matches!(
        r,
        Err(OtError::Channel {
            source: ChannelError::UnexpectedKind { found: 0x0203, .. },
            ..
        })
    ));
}

#[test]
fn bad_receiver_points_are_rejected() {
    let g = point(RISTRETTO_BASEPOINT_POINT);
    let many = |bad_at: usize, bad: Vec<u8>| {
        let mut v: Vec<u8> = Vec::new();
        for i in 0..128 {
            v.extend(if i == bad_at { bad.clone() } else { g.clone() });
        }
        v
    };
    let r = setup_against(vec![good_a(), (kinds::BASE_RECEIVER, vec![0; 100])]);
    assert!(matches!(
        r,
        Err(OtError::PeerLength {
            expected: 4096,
            found: 100,
            ..
        })
    ));
    let r = setup_against(vec![
        good_a(),
        (kinds::BASE_RECEIVER, many(5, vec![0xee; 32])),
    ]);
    assert!(matches!(r, Err(OtError::InvalidPoint { index: 5, .. })));
    let r = setup_against(vec![
        good_a(),
        (
            kinds::BASE_RECEIVER,
            many(7, point(RistrettoPoint::default())),
        ),
    ]);
    assert!(matches!(r, Err(OtError::IdentityPoint { index: 7, .. })));
    assert!(setup_against(vec![good_a(), (kinds::BASE_RECEIVER, many(200, vec![]))]).is_ok());
}

/// P0 runs `product_send` of 10 elements (expects 640 OTs of `u`, 10 KiB)
/// while P1 sends `frame` instead of its `u`.
fn product_send_against(kind: MsgKind, frame: Vec<u8>) -> Result<Vec<Z64>, OtError> {
    let ((mut s0, mut c0), (_s1, mut c1)) = sessions(121);
    block_on(c1.send(kind, frame)).unwrap();
    let r = block_on(s0.product_send(&mut c0, &[Z64(3); 10]));
    drop(c1);
    r
}

#[test]
fn wrong_extension_messages_are_rejected() {
    let want = duet_ot::iknp::u_bytes(10);
    let r = product_send_against(kinds::EXT_U, vec![0; want - 1]);
    assert!(matches!(r, Err(OtError::PeerLength { found, .. }) if found == want - 1));
    let r = product_send_against(kinds::EXT_U, vec![0; want + 1]);
    assert!(matches!(
        r,
        Err(OtError::Channel {
            source: ChannelError::FrameTooLarge { .. },
            ..
        })
    ));
    let r = product_send_against(kinds::GILBOA, vec![0; want]);
    assert!(matches!(
        r,
        Err(OtError::Channel {
            source: ChannelError::UnexpectedKind { .. },
            ..
        })
    ));
    // Garbage of the right length is not detectable in the semi-honest
    // protocol: it yields shares, not a crash.
    assert_eq!(
        product_send_against(kinds::EXT_U, vec![0xa5; want])
            .unwrap()
            .len(),
        10
    );
}

#[test]
fn short_gilboa_corrections_are_rejected() {
    let ((mut s0, mut c0), (_s1, mut c1)) = sessions(122);
    block_on(c1.send(kinds::GILBOA, vec![0; 259])).unwrap();
    let r = block_on(s0.product_receive(&mut c0, &[Z64(3)]));
    drop(c1);
    assert!(matches!(
        r,
        Err(OtError::PeerLength {
            expected: 260,
            found: 259,
            ..
        })
    ));
}

#[test]
fn empty_requests_send_nothing() {
    let ((mut s0, mut c0), _) = sessions(123);
    let before = c0.frames_sent();
    assert_eq!(
        block_on(s0.random_ot_receive(&mut c0, &[])).unwrap(),
        Vec::<u128>::new()
    );
    assert_eq!(
        block_on(s0.product_send::<Z64, _>(&mut c0, &[])).unwrap(),
        vec![]
    );
    assert_eq!(c0.frames_sent(), before);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn garbage_base_messages_give_errors(a in prop::collection::vec(any::<u8>(), 0..40), b in prop::collection::vec(any::<u8>(), 0..5000)) {
        let r = setup_against(vec![(kinds::BASE_SENDER, a), (kinds::BASE_RECEIVER, b)]);
        prop_assert!(r.is_err());
    }

    #[test]
    fn garbage_extension_messages_give_errors_unless_well_sized(len in 0usize..12_000, byte in any::<u8>()) {
        let want = duet_ot::iknp::u_bytes(10);
        let r = product_send_against(kinds::EXT_U, vec![byte; len]);
        prop_assert_eq!(r.is_ok(), len == want);
    }
}
