//! A misbehaving peer gives a typed error, never a panic or a hang.

use duet_core::{
    Channel, ChannelError, Engine, EngineError, InsecureDealer, MemoryChannel, MsgKind, Role, Z64,
};
use futures::executor::block_on;
use rand::SeedableRng;

fn lone_engine() -> (Engine<MemoryChannel, InsecureDealer>, MemoryChannel) {
    let (mine, peer) = MemoryChannel::pair();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let e = Engine::new(
        Role::P0,
        mine,
        InsecureDealer::new(Role::P0, [1; 32]),
        &mut rng,
    );
    (e, peer)
}

#[test]
fn wrong_vector_length_is_a_typed_error() {
    let (mut e, mut peer) = lone_engine();
    block_on(async {
        peer.send(MsgKind::BEAVER, vec![0u8; 3 * 8]).await.unwrap();
        let x = e.constant(&[Z64(1), Z64(2)]);
        let err = e.mul(&x, &x).await.unwrap_err();
        assert!(
            matches!(
                err,
                EngineError::Channel {
                    source: ChannelError::FrameTooLarge { len: 24, limit: 32 },
                    ..
                }
            ) || matches!(
                err,
                EngineError::PeerLength {
                    expected: 32,
                    found: 24,
                    ..
                }
            ),
            "{err}"
        );
    });
}

#[test]
fn truncated_frame_is_a_typed_error() {
    let (mut e, mut peer) = lone_engine();
    block_on(async {
        peer.send(MsgKind::OPEN, vec![0u8; 13]).await.unwrap();
        let x = e.constant(&[Z64(1), Z64(2)]);
        let err = e.open(&x).await.unwrap_err();
        assert!(
            matches!(
                err,
                EngineError::PeerLength {
                    expected: 16,
                    found: 13,
                    ..
                }
            ),
            "{err}"
        );
    });
}

#[test]
fn a_short_bit_ole_frame_is_a_typed_error() {
    // Truncating 3 values: P0 holds the bits of 2 (one word), P1 of 1,
    // so P0 expects one word of P1's bits and 2 of its 8-byte values: 24.
    let (mut e, mut peer) = lone_engine();
    block_on(async {
        peer.send(MsgKind::BIT_OLE, vec![0u8; 20]).await.unwrap();
        let x = e.constant(&[Z64(1), Z64(2), Z64(3)]);
        let err = e.trunc(&x, 1).await.unwrap_err();
        assert!(
            matches!(
                err,
                EngineError::PeerLength {
                    expected: 24,
                    found: 20,
                    ..
                }
            ),
            "{err}"
        );
    });
}

#[test]
fn oversized_frame_is_refused() {
    let (mut e, mut peer) = lone_engine();
    block_on(async {
        peer.send(MsgKind::OPEN, vec![0u8; 1 << 20]).await.unwrap();
        let x = e.constant(&[Z64(1)]);
        let err = e.open(&x).await.unwrap_err();
        assert!(
            matches!(
                err,
                EngineError::Channel {
                    source: ChannelError::FrameTooLarge { limit: 8, .. },
                    step: "open"
                }
            ),
            "{err}"
        );
    });
}

#[test]
fn frame_of_the_wrong_kind_is_refused() {
    let (mut e, mut peer) = lone_engine();
    block_on(async {
        peer.send(MsgKind::AND, vec![0u8; 8]).await.unwrap();
        let x = e.constant(&[Z64(1)]);
        let err = e.ltz(&x).await.unwrap_err();
        assert!(
            matches!(
                err,
                EngineError::Channel {
                    source: ChannelError::UnexpectedKind { .. },
                    ..
                }
            ) || matches!(err, EngineError::PeerLength { .. }),
            "{err}"
        );
        let mut e2 = lone_engine();
        e2.1.send(MsgKind::OPEN, vec![0u8; 8]).await.unwrap();
        let err = e2.0.ltz(&x).await.unwrap_err();
        assert!(
            matches!(
                err,
                EngineError::Channel {
                    source: ChannelError::UnexpectedKind { found: 0x0102, .. },
                    ..
                }
            ),
            "{err}"
        );
    });
}

#[test]
fn closed_channel_is_a_typed_error() {
    let (mut e, peer) = lone_engine();
    drop(peer);
    block_on(async {
        let x = e.constant(&[Z64(1)]);
        for err in [
            e.open(&x).await.unwrap_err(),
            e.mul(&x, &x).await.unwrap_err(),
            e.receive_input::<Z64>(4).await.unwrap_err(),
        ] {
            assert!(
                matches!(
                    err,
                    EngineError::Channel {
                        source: ChannelError::Closed,
                        ..
                    }
                ),
                "{err}"
            );
        }
    });
}

#[test]
fn peer_vanishing_mid_protocol_is_a_typed_error() {
    let (mut e, mut peer) = lone_engine();
    block_on(async {
        // The peer answers the first round of a comparison's leaf OTs
        // (P1's masked choices for the 8 leaves P0 sends), then goes.
        let x = e.constant(&[Z64(5)]);
        let cmp = e.ltz(&x);
        let fake = async move {
            let _ = peer.recv(MsgKind::LEAF_CHOICE, 1 << 20).await;
            peer.send(MsgKind::LEAF_CHOICE, vec![0u8; 4]).await.unwrap();
            drop(peer);
        };
        let (res, ()) = futures::future::join(cmp, fake).await;
        assert!(
            matches!(
                res,
                Err(EngineError::Channel {
                    source: ChannelError::Closed,
                    step: "comparison"
                })
            ),
            "{res:?}"
        );
    });
}

#[test]
fn short_input_frame_is_a_typed_error() {
    let (mut e, mut peer) = lone_engine();
    block_on(async {
        peer.send(MsgKind::INPUT, vec![0u8; 15]).await.unwrap();
        let err = e.receive_input::<Z64>(2).await.unwrap_err();
        assert!(
            matches!(
                err,
                EngineError::PeerLength {
                    expected: 16,
                    found: 15,
                    ..
                }
            ),
            "{err}"
        );
        // Longer than announced is refused by the channel, before decoding.
        peer.send(MsgKind::INPUT, vec![0u8; 17]).await.unwrap();
        let err = e.receive_input::<Z64>(2).await.unwrap_err();
        assert!(
            matches!(
                err,
                EngineError::Channel {
                    source: ChannelError::FrameTooLarge { len: 17, limit: 16 },
                    ..
                }
            ),
            "{err}"
        );
    });
}
