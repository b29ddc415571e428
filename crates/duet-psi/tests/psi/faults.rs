//! A misbehaving peer: oversized or mismatched announcements, extra points,
//! invalid and identity points, impossible counts. Each must end the
//! honest side with the named error, never a hang or a panic. Each party
//! owns its channel, so an error closes the link for the other side.

use duet_core::{ChannelError, MemoryChannel, Role, Z64};
use duet_psi::*;

use crate::{both, cfg, ot, rng, set, strings, Tamper};

fn ids(n: usize) -> PreparedSet {
    set(&(0..n).map(|i| format!("id{i}")).collect::<Vec<_>>())
}

/// Cardinality with the sender's outgoing frames edited by `edit`; returns
/// (receiver's result, sender's result).
fn tampered_sender<F>(
    cfg_r: PsiConfig,
    edit: F,
) -> (Result<Cardinality, PsiError>, Result<Cardinality, PsiError>)
where
    F: FnMut(u16, &mut Vec<u8>) + Send,
{
    let (c0, c1) = MemoryChannel::pair();
    let (x, y) = (ids(5), ids(7));
    let (mut r0, mut r1) = (rng(31), rng(32));
    both(
        async move {
            let mut c0 = c0;
            cardinality_receiver(&mut c0, &cfg_r, &x, &mut r0).await
        },
        async move {
            let mut t = Tamper { inner: c1, edit };
            cardinality_sender(&mut t, &cfg(), &y, &mut r1).await
        },
    )
}

fn closed<T: core::fmt::Debug>(r: Result<T, PsiError>) {
    assert!(
        matches!(
            r,
            Err(PsiError::Channel {
                source: ChannelError::Closed,
                ..
            })
        ),
        "{r:?}"
    );
}

#[test]
fn a_peer_exactly_at_the_agreed_cap_is_accepted() {
    // The sender has 7 identifiers; a cap of 7 admits them, 6 does not (below).
    let (a, b) = tampered_sender(PsiConfig::new(crate::SID, 7).with_chunk(3), |_, _| {});
    assert_eq!(a.unwrap().intersection, 5);
    assert_eq!(b.unwrap().intersection, 5);
}

#[test]
fn settings_read_back_as_set() {
    let c = PsiConfig::new([5; 32], 9);
    assert_eq!(c.session_id(), &[5; 32]);
    assert_eq!(c.chunk(), DEFAULT_CHUNK);
    assert_eq!(c.clone().with_chunk(3).chunk(), 3);
    assert_eq!(c.clone().with_chunk(0).chunk(), 1);
    assert_eq!(c.with_chunk(usize::MAX).chunk(), 1 << 24);
}

#[test]
fn a_peer_above_the_agreed_cap_is_refused_before_any_point() {
    let (a, b) = tampered_sender(PsiConfig::new(crate::SID, 6).with_chunk(3), |_, _| {});
    assert!(
        matches!(
            a,
            Err(PsiError::PeerSetTooLarge {
                announced: 7,
                limit: 6
            })
        ),
        "{a:?}"
    );
    closed(b);
}

#[test]
fn a_peer_sending_more_than_announced_is_cut_off() {
    let under_announce = |code: u16, p: &mut Vec<u8>| {
        if code == kinds::HELLO.code {
            p[7] -= 1; // announce 6 identifiers, send 7
        }
    };
    let (a, b) = tampered_sender(cfg(), under_announce);
    // 6 announced = two chunks of 3: the third chunk is unexpected.
    assert!(
        matches!(
            a,
            Err(PsiError::Channel {
                source: ChannelError::UnexpectedKind { .. },
                ..
            })
        ),
        "{a:?}"
    );
    closed(b);
    let extra_point = |code: u16, p: &mut Vec<u8>| {
        if code == kinds::OWN_POINTS.code && p.len() == 32 {
            let copy = p.clone();
            p.extend_from_slice(&copy);
        }
    };
    let (a, _) = tampered_sender(cfg(), extra_point);
    assert!(
        matches!(
            a,
            Err(PsiError::Channel {
                source: ChannelError::FrameTooLarge { len: 64, limit: 32 },
                ..
            })
        ),
        "{a:?}"
    );
}

#[test]
fn identity_and_invalid_points_are_errors_with_their_position() {
    let mut frame = 0;
    let identity = move |code: u16, p: &mut Vec<u8>| {
        if code == kinds::OWN_POINTS.code {
            frame += 1;
            if frame == 2 {
                p[32..64].fill(0); // point 1 of chunk 1: index 4
            }
        }
    };
    let (a, b) = tampered_sender(cfg(), identity);
    assert!(
        matches!(a, Err(PsiError::IdentityPoint { index: 4, .. })),
        "{a:?}"
    );
    closed(b);
    // RFC 9496 A.2, non-square x^2.
    let bad = "26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371";
    let bad: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&bad[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let invalid = move |code: u16, p: &mut Vec<u8>| {
        if code == kinds::OWN_POINTS.code && p.len() == 96 {
            p[64..96].copy_from_slice(&bad);
        }
    };
    let (a, _) = tampered_sender(cfg(), invalid);
    assert!(
        matches!(a, Err(PsiError::InvalidPoint { index: 2, .. })),
        "{a:?}"
    );
}

#[test]
fn mismatched_session_parameters_are_refused() {
    let (a, b) = tampered_sender(PsiConfig::new([8; 32], 100).with_chunk(3), |_, _| {});
    assert!(
        matches!(
            a,
            Err(PsiError::PeerMismatch {
                field: "session",
                ..
            })
        ),
        "{a:?}"
    );
    assert!(
        matches!(
            b,
            Err(PsiError::PeerMismatch {
                field: "session",
                ..
            })
        ),
        "{b:?}"
    );
    let (a, _) = tampered_sender(cfg().with_chunk(4), |_, _| {});
    assert!(
        matches!(
            a,
            Err(PsiError::PeerMismatch {
                field: "chunk",
                ours: 4,
                theirs: 3
            })
        ),
        "{a:?}"
    );
    let (a, _) = tampered_sender(cfg(), |code, p| {
        if code == kinds::HELLO.code {
            p.pop();
        }
    });
    assert!(
        matches!(
            a,
            Err(PsiError::PeerLength {
                expected: 31,
                found: 30,
                ..
            })
        ),
        "{a:?}"
    );
}

#[test]
fn both_sides_must_ask_for_the_same_mode() {
    let (c0, c1) = MemoryChannel::pair();
    let (x, y) = (ids(2), ids(2));
    let (mut r0, mut r1) = (rng(33), rng(34));
    let (a, b) = both(
        async move {
            let mut c0 = c0;
            intersection_receiver(&mut c0, &cfg(), &x, &mut r0).await
        },
        async move {
            let mut c1 = c1;
            cardinality_sender(&mut c1, &cfg(), &y, &mut r1).await
        },
    );
    assert!(
        matches!(
            a,
            Err(PsiError::PeerMismatch {
                field: "mode",
                ours: 5,
                theirs: 1
            })
        ),
        "{a:?}"
    );
    assert!(
        matches!(
            b,
            Err(PsiError::PeerMismatch {
                field: "mode",
                ours: 1,
                theirs: 5
            })
        ),
        "{b:?}"
    );
}

#[test]
fn an_impossible_count_is_refused() {
    let (c0, c1) = MemoryChannel::pair();
    let (x, y) = (ids(5), ids(7));
    let (mut r0, mut r1) = (rng(35), rng(36));
    let (a, b) = both(
        async move {
            let edit = |code: u16, p: &mut Vec<u8>| {
                if code == kinds::COUNT.code {
                    p[0] = 6;
                }
            };
            let mut t = Tamper { inner: c0, edit };
            cardinality_receiver(&mut t, &cfg(), &x, &mut r0).await
        },
        async move {
            let mut c1 = c1;
            cardinality_sender(&mut c1, &cfg(), &y, &mut r1).await
        },
    );
    assert_eq!(a.unwrap().intersection, 5);
    assert!(
        matches!(b, Err(PsiError::PeerCount { count: 6, limit: 5 })),
        "{b:?}"
    );
}

#[test]
fn local_inputs_of_the_wrong_shape_are_refused_before_sending() {
    let (mut c0, mut c1) = MemoryChannel::pair();
    let (mut ra, mut rb) = (rng(38), rng(39));
    let (mut o, _) = both(
        ot(&mut c0, Role::P0, &mut ra),
        ot(&mut c1, Role::P1, &mut rb),
    );
    let y = set(&strings(&["a", "b"]));
    let res = futures::executor::block_on(intersection_sum_sender(
        &mut c0,
        &mut o,
        &cfg(),
        &y,
        &[Z64(1)],
        SumReveal::Open,
        &mut ra,
    ));
    assert!(
        matches!(
            res,
            Err(PsiError::Input {
                expected: 2,
                found: 1,
                ..
            })
        ),
        "{res:?}"
    );
    let x = set(&strings(&["a"]));
    let (j, _) = both(
        join_receiver(&mut c0, &cfg(), &x, &mut ra),
        join_sender(&mut c1, &cfg(), &y, &mut rb),
    );
    let res = futures::executor::block_on(j.unwrap().crosstab::<Z64, _>(&mut o, &mut c0, &[3], 3));
    assert!(
        matches!(
            res,
            Err(PsiError::Input {
                expected: 3,
                found: 3,
                ..
            })
        ),
        "{res:?}"
    );
}
