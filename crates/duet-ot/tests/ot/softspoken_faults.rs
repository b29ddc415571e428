//! SoftSpoken against a broken or hostile peer: wrong-length GGM and
//! extension messages, an unsupported `k`, a peer running IKNP. Every case
//! ends in a typed error, never a panic.

use duet_core::{Channel, ChannelError, MemoryChannel, MsgKind, Preprocessing, Role, Z64};
use duet_ot::{kinds, softspoken, OtError, OtExtension, OtPreprocessing, OtSession};
use futures::executor::block_on;

use crate::{rng, sessions_with, SID};

const SS4: OtExtension = OtExtension::SoftSpoken { k: 4 };

#[test]
fn unsupported_k_is_refused_before_any_message() {
    for k in [0usize, 9, 64] {
        let (mut c0, _c1) = MemoryChannel::pair();
        let ext = OtExtension::SoftSpoken { k };
        let r = block_on(OtSession::setup_with(
            &mut c0,
            Role::P0,
            SID,
            ext,
            &mut rng(1, Role::P0),
        ));
        assert!(matches!(
            r,
            Err(OtError::InvalidParameter { value, min: 1, max: 8, .. }) if value == k
        ));
        assert_eq!(c0.frames_sent(), 0);
        assert!(ext.validate().is_err());
        let mut pre =
            OtPreprocessing::new(Role::P0, SID, &mut rng(1, Role::P0)).with_extension(ext);
        let r = block_on(pre.triples::<Z64, _>(&mut c0, 1));
        assert!(matches!(r, Err(OtError::InvalidParameter { .. })));
    }
}

/// P1 runs a real setup but its GGM message is replaced by `frame`.
fn setup_with_trees(frame: Vec<u8>) -> Result<OtSession, OtError> {
    let (mut c0, mut c1) = MemoryChannel::pair();
    let (mut r0, mut r1) = (rng(2, Role::P0), rng(2, Role::P1));
    // P1 follows the protocol up to its base-OT reply, then sends `frame`.
    let p1 = async {
        let mut tap = Tap {
            inner: &mut c1,
            replace: Some(frame),
        };
        OtSession::setup_with(&mut tap, Role::P1, SID, SS4, &mut r1).await
    };
    let (a, _) = block_on(futures::future::join(
        OtSession::setup_with(&mut c0, Role::P0, SID, SS4, &mut r0),
        p1,
    ));
    a
}

/// A channel that replaces the payload of the first GGM frame it sends.
struct Tap<'a> {
    inner: &'a mut MemoryChannel,
    replace: Option<Vec<u8>>,
}

impl Channel for Tap<'_> {
    async fn send(&mut self, kind: MsgKind, payload: Vec<u8>) -> Result<(), ChannelError> {
        let payload = match (kind == kinds::SSOT_TREES, self.replace.take()) {
            (true, Some(p)) => p,
            (_, r) => {
                self.replace = r;
                payload
            }
        };
        self.inner.send(kind, payload).await
    }

    async fn recv(&mut self, kind: MsgKind, max_len: usize) -> Result<Vec<u8>, ChannelError> {
        self.inner.recv(kind, max_len).await
    }
}

#[test]
fn wrong_length_trees_are_rejected() {
    let want = softspoken::tree_bytes(4);
    let r = setup_with_trees(vec![0; want - 1]);
    assert!(
        matches!(r, Err(OtError::PeerLength { expected, found, .. }) if expected == want && found == want - 1)
    );
    let r = setup_with_trees(vec![0; want + 1]);
    assert!(matches!(
        r,
        Err(OtError::Channel {
            source: ChannelError::FrameTooLarge { .. },
            ..
        })
    ));
    let r = setup_with_trees(Vec::new());
    assert!(matches!(r, Err(OtError::PeerLength { found: 0, .. })));
    // Garbage of the right length is not detectable (semi-honest): it
    // gives a session whose outputs are wrong, not a crash.
    assert!(setup_with_trees(vec![0xa5; want]).is_ok());
}

/// P0 runs `product_send` of 10 Z_2^64 elements (640 OTs) under SoftSpoken
/// k = 4, while P1 sends `frame` as its `u`.
fn product_send_against(kind: MsgKind, frame: Vec<u8>) -> Result<Vec<Z64>, OtError> {
    let ((mut s0, mut c0), (_s1, mut c1)) = sessions_with(3, SS4);
    block_on(c1.send(kind, frame)).unwrap();
    let r = block_on(s0.product_send(&mut c0, &[Z64(3); 10]));
    drop(c1);
    r
}

#[test]
fn wrong_length_extension_messages_are_rejected() {
    let want = softspoken::u_bytes(4, 10);
    assert_eq!(want, 32 * 10 * 8);
    for len in [0, 1, want - 1, duet_ot::iknp::u_bytes(10)] {
        let r = product_send_against(kinds::EXT_U, vec![7; len]);
        let ok = matches!(r, Err(OtError::PeerLength { found, expected, .. }) if found == len && expected == want)
            || matches!(
                r,
                Err(OtError::Channel {
                    source: ChannelError::FrameTooLarge { .. },
                    ..
                })
            );
        assert!(ok, "length {len}: {r:?}");
    }
    assert_eq!(
        product_send_against(kinds::EXT_U, vec![0xa5; want])
            .unwrap()
            .len(),
        10
    );
}

#[test]
fn a_peer_running_iknp_gives_an_error_not_a_panic() {
    let (mut c0, mut c1) = MemoryChannel::pair();
    let (mut r0, mut r1) = (rng(4, Role::P0), rng(4, Role::P1));
    let (a, b) = block_on(futures::future::join(
        OtSession::setup_with(&mut c0, Role::P0, SID, SS4, &mut r0),
        async {
            let s = OtSession::setup_with(&mut c1, Role::P1, SID, OtExtension::Iknp, &mut r1).await;
            drop(c1); // the IKNP side never sends the trees and hangs up
            s
        },
    ));
    assert!(b.is_ok());
    assert!(matches!(a, Err(OtError::Channel { .. })), "{:?}", a.err());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

    #[test]
    fn garbage_extension_messages_give_errors_unless_well_sized(len in 0usize..4_000, byte in proptest::prelude::any::<u8>()) {
        let want = softspoken::u_bytes(4, 10);
        let r = product_send_against(kinds::EXT_U, vec![byte; len]);
        proptest::prop_assert_eq!(r.is_ok(), len == want);
    }
}
