//! Faults: a peer that vanishes, goes silent or sends frames too large or
//! of the wrong kind. Every failure must arrive as a typed error within the
//! configured time.

use std::time::{Duration, Instant};

use duet_core::Role;
use duet_core::{Channel, ChannelError, MsgKind};
use duet_net::{dial, Handshake, Listener, NetError};

use crate::{pair, quick, STEP};

const KIND: MsgKind = MsgKind::new(0x05fe, "fault-test");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peer_task_dropped_mid_transfer_is_reported_as_aborted() {
    let mut cfg = quick();
    cfg.idle_timeout(Duration::from_secs(3))
        .keep_alive(Duration::from_millis(500));
    let (mut c0, mut c1) = pair(true, &cfg).await;
    let big = vec![7u8; 64 << 20];
    c1.send(KIND, big).await.unwrap();
    drop(c1);
    let start = Instant::now();
    let r = tokio::time::timeout(STEP, c0.recv(KIND, 64 << 20))
        .await
        .unwrap();
    // The close frame usually arrives (aborted, code 1); under loopback
    // congestion it can be lost, and then the idle timeout reports it.
    let three = Duration::from_secs(3);
    assert!(
        matches!(r, Err(ChannelError::PeerAborted { code: 1, .. }))
            || matches!(r, Err(ChannelError::Timeout(t)) if t == three),
        "{r:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "{:?}",
        start.elapsed()
    );
    // The link stays failed, with the same cause.
    let again = c0.recv(KIND, 10).await;
    assert_eq!(format!("{again:?}"), format!("{r:?}"));
    assert!(c0.close().await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vanished_peer_process_times_out() {
    let mut cfg = quick();
    cfg.idle_timeout(Duration::from_secs(2))
        .keep_alive(Duration::from_millis(500))
        .receive_timeout(Duration::from_secs(30));
    let [a, b, _] = crate::ids();
    let listener = Listener::bind(crate::LOOPBACK, a, b.fingerprint(), &cfg).unwrap();
    let addr = listener.local_addr().unwrap();
    // The peer's endpoint lives in its own runtime, torn down below without
    // closing anything: no close frame is sent, as when a process is killed.
    let peer_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let cfg1 = cfg.clone();
    let peer = peer_rt.spawn(async move {
        let h1 = Handshake::new(crate::JOB, Role::P1);
        let mut c1 = dial(addr, b, a.fingerprint(), &h1, &cfg1, &mut crate::rng(5)).await?;
        c1.send(KIND, vec![1; 4 << 20]).await?;
        Ok::<_, NetError>(c1)
    });
    let h0 = Handshake::new(crate::JOB, Role::P0);
    let mut r0 = crate::rng(6);
    let c0 = listener.accept(&h0, &mut r0);
    let (c0, c1) = tokio::time::timeout(STEP, async { tokio::join!(c0, peer) })
        .await
        .unwrap();
    let mut c0 = c0.unwrap();
    let c1 = c1.unwrap().unwrap();
    peer_rt.shutdown_background();
    let start = Instant::now();
    let r = tokio::time::timeout(STEP, c0.recv(KIND, 8 << 20))
        .await
        .unwrap();
    let two = Duration::from_secs(2);
    assert!(
        matches!(r, Err(ChannelError::Timeout(t)) if t == two),
        "{r:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    // Its drivers are gone: dropping the handle now sends nothing.
    drop(c1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_peer_hits_the_receive_timeout() {
    let mut cfg = quick();
    cfg.receive_timeout(Duration::from_millis(300));
    let (mut c0, c1) = pair(false, &cfg).await;
    let r = tokio::time::timeout(STEP, c0.recv(KIND, 10)).await.unwrap();
    assert!(
        matches!(r, Err(ChannelError::Timeout(t)) if t == Duration::from_millis(300)),
        "{r:?}"
    );
    drop((c0, c1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_mistyped_frames_are_refused_before_reading() {
    let mut small = quick();
    small.frame_limit(1000);
    let (mut c0, mut c1) = pair(true, &small).await;
    // Over the sender's own limit: refused locally.
    let r = c0.send_frame(KIND, vec![0; 1001]).await;
    assert!(matches!(
        r,
        Err(NetError::Frame(duet_net::frame::FrameError::TooLarge {
            len: 1001,
            limit: 1000
        }))
    ));
    // Over the caller's max_len.
    c1.send(KIND, vec![1; 500]).await.unwrap();
    let r = tokio::time::timeout(STEP, c0.recv(KIND, 499))
        .await
        .unwrap();
    assert!(
        matches!(
            r,
            Err(ChannelError::FrameTooLarge {
                len: 500,
                limit: 499
            })
        ),
        "{r:?}"
    );
    // Another link: a frame of the wrong kind.
    let (mut d0, mut d1) = pair(true, &quick()).await;
    d1.send(MsgKind::OPEN, vec![1; 8]).await.unwrap();
    let r = tokio::time::timeout(STEP, d0.recv(MsgKind::INPUT, 8))
        .await
        .unwrap();
    assert!(
        matches!(r, Err(ChannelError::UnexpectedKind { found: 0x0102, .. })),
        "{r:?}"
    );
    drop((c0, c1, d0, d1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receiver_frame_limit_applies_whatever_the_sender_allows() {
    let mut big = quick();
    big.frame_limit(1 << 20);
    let mut small = quick();
    small.frame_limit(1000);
    let [a, b, _] = crate::ids();
    let h0 = duet_net::Handshake::new(crate::JOB, duet_core::Role::P0);
    let h1 = duet_net::Handshake::new(crate::JOB, duet_core::Role::P1);
    let (l, d) = crate::connect((a, b, h0, &small), (b, a, h1, &big)).await;
    let (mut c0, mut c1) = (l.unwrap(), d.unwrap());
    c1.send(KIND, vec![1; 2000]).await.unwrap();
    let r = tokio::time::timeout(STEP, c0.recv(KIND, 1 << 20))
        .await
        .unwrap();
    assert!(
        matches!(
            r,
            Err(ChannelError::FrameTooLarge {
                len: 2000,
                limit: 1000
            })
        ),
        "{r:?}"
    );
    drop((c0, c1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_reaches_the_peer_with_its_reason() {
    let (mut c0, c1) = pair(true, &quick()).await;
    c1.abort("disclosure check failed").await;
    let r = tokio::time::timeout(STEP, c0.recv(KIND, 10)).await.unwrap();
    match r {
        Err(ChannelError::PeerAborted { code, reason }) => {
            assert_eq!((code, reason.as_str()), (1, "disclosure check failed"));
        }
        other => panic!("expected PeerAborted, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unread_frame_makes_the_transcripts_differ() {
    let (mut c0, c1) = pair(true, &quick()).await;
    c0.send(KIND, vec![1, 2, 3]).await.unwrap();
    let (s0, s1) = tokio::time::timeout(STEP, async { tokio::join!(c0.close(), c1.close()) })
        .await
        .unwrap();
    for s in [s0, s1] {
        assert!(
            matches!(s, Err(NetError::TranscriptMismatch { .. })),
            "{s:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mismatch_close_that_overtakes_the_digest_is_still_a_mismatch() {
    let (c0, c1) = pair(true, &quick()).await;
    let digest = "ab".repeat(32);
    let code = duet_net::link::CLOSE_TRANSCRIPT;
    let (s0, ()) = tokio::time::timeout(STEP, async {
        tokio::join!(c0.close(), c1.test_util_close_with(code, digest.as_bytes()))
    })
    .await
    .unwrap();
    match s0 {
        Err(NetError::TranscriptMismatch { theirs, .. }) => assert_eq!(theirs, digest),
        other => panic!("expected a transcript mismatch, got {other:?}"),
    }
}

/// Over a real link: P1 writes `raw` on its first lane (then ends its
/// lanes if `finish`); P0's receive must end in a typed error, in time.
async fn p0_receives_raw(raw: Vec<u8>, finish: bool, max_len: usize) -> ChannelError {
    let (mut c0, mut c1) = pair(true, &quick()).await;
    c1.test_util_send_raw(0, raw).unwrap();
    if finish {
        c1.test_util_finish_lanes();
    }
    let r = tokio::time::timeout(STEP, c0.recv(KIND, max_len))
        .await
        .unwrap();
    drop(c1);
    r.expect_err("a malformed frame was accepted")
}

fn header(kind: u16, len: u32, total: u64) -> Vec<u8> {
    let h = duet_net::frame::ChunkHeader {
        kind,
        index: 0,
        len,
        seq: 0,
        total,
    };
    h.encode().to_vec()
}

fn frame_error(e: &ChannelError) -> Option<&duet_net::frame::FrameError> {
    match e {
        ChannelError::Transport(b) => match b.downcast_ref::<NetError>() {
            Some(NetError::Frame(f)) => Some(f),
            _ => None,
        },
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_on_the_wire_give_typed_errors() {
    use duet_net::frame::FrameError;
    // A header announcing 1 TiB: refused before allocating.
    let e = p0_receives_raw(header(KIND.code, 8, 1 << 40), false, 1 << 20).await;
    assert!(
        matches!(e, ChannelError::FrameTooLarge { len, limit } if len == 1 << 40 && limit == 1 << 20),
        "{e:?}"
    );
    // A chunk cut short by the end of its stream.
    let mut cut = header(KIND.code, 100, 100);
    cut.extend([9u8; 50]);
    let e = p0_receives_raw(cut, true, 1000).await;
    assert!(
        matches!(e, ChannelError::Truncated { got: 50, want: 100 }),
        "{e:?}"
    );
    // A header cut short.
    let e = p0_receives_raw(vec![1, 2, 3], true, 1000).await;
    assert!(
        matches!(e, ChannelError::Truncated { got: 3, want: 28 }),
        "{e:?}"
    );
    // Non-zero reserved bits.
    let mut reserved = header(KIND.code, 0, 0);
    reserved[3] = 0x80;
    let e = p0_receives_raw(reserved, false, 1000).await;
    assert_eq!(
        frame_error(&e),
        Some(&FrameError::Reserved(0x8000)),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_garbage_on_the_wire_gives_errors_not_panics() {
    use rand::{Rng, RngCore};
    let mut rng = crate::rng(77);
    for _ in 0..6 {
        let n = rng.gen_range(1..200);
        let mut raw = vec![0u8; n];
        rng.fill_bytes(&mut raw);
        // Keep the kind right half the time, so the deeper checks run too.
        if rng.gen::<bool>() && n >= 2 {
            raw[..2].copy_from_slice(&KIND.code.to_le_bytes());
        }
        let _typed: ChannelError = p0_receives_raw(raw, true, 1000).await;
    }
}
