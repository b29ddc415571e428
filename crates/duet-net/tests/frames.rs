//! The pure frame decoder: roundtrips, and typed errors (never a panic or
//! an allocation past the limit) on oversized, truncated and garbage input.
#![allow(clippy::unwrap_used, missing_docs)]

use duet_net::frame::{decode_stream, encode_stream, ChunkHeader, Frame, FrameError, HEADER_LEN};
use proptest::prelude::*;

fn frame(kind: u16, n: usize) -> Frame {
    Frame {
        kind,
        payload: (0..n).map(|i| i as u8).collect(),
    }
}

fn header(kind: u16, index: u32, len: u32, seq: u64, total: u64) -> Vec<u8> {
    ChunkHeader {
        kind,
        index,
        len,
        seq,
        total,
    }
    .encode()
    .to_vec()
}

#[test]
fn golden_header_bytes() {
    let h = header(0x0102, 1, 2, 3, 4);
    assert_eq!(
        h,
        [2, 1, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0]
    );
}

#[test]
fn sizes_around_the_chunk_size_roundtrip() {
    let frames: Vec<Frame> = [0usize, 1, 9, 10, 11, 30, 0]
        .iter()
        .enumerate()
        .map(|(i, &n)| frame(i as u16, n))
        .collect();
    let bytes = encode_stream(&frames, 10);
    // 0 -> 1 chunk, 1 -> 1, 9 -> 1, 10 -> 1, 11 -> 2, 30 -> 3, 0 -> 1.
    assert_eq!(bytes.len(), 10 * HEADER_LEN + 61);
    assert_eq!(decode_stream(&bytes, 30).unwrap(), frames);
}

#[test]
fn oversized_frame_is_refused_from_its_header() {
    let bytes = header(1, 0, 5, 0, u64::MAX);
    assert_eq!(
        decode_stream(&bytes, 1 << 20),
        Err(FrameError::TooLarge {
            len: u64::MAX,
            limit: 1 << 20
        })
    );
}

#[test]
fn malformed_headers_give_their_own_errors() {
    let mut reserved = header(1, 0, 0, 0, 0);
    reserved[2] = 1;
    assert_eq!(decode_stream(&reserved, 10), Err(FrameError::Reserved(1)));
    let wrong_seq = header(1, 0, 0, 5, 0);
    assert_eq!(
        decode_stream(&wrong_seq, 10),
        Err(FrameError::Sequence {
            expected: 0,
            found: 5
        })
    );
    let wrong_index = header(1, 1, 0, 0, 0);
    assert_eq!(
        decode_stream(&wrong_index, 10),
        Err(FrameError::Index {
            expected: 0,
            found: 1
        })
    );
    let mut changed_kind = header(1, 0, 1, 0, 2);
    changed_kind.push(0);
    changed_kind.extend(header(2, 1, 1, 0, 2));
    assert_eq!(
        decode_stream(&changed_kind, 10),
        Err(FrameError::Inconsistent)
    );
    let overrun = header(1, 0, 3, 0, 2);
    assert!(matches!(
        decode_stream(&overrun, 10),
        Err(FrameError::ChunkLength { len: 3, .. })
    ));
    let empty_chunk = header(1, 0, 0, 0, 2);
    assert!(matches!(
        decode_stream(&empty_chunk, 10),
        Err(FrameError::ChunkLength { len: 0, .. })
    ));
}

proptest! {
    #[test]
    fn roundtrip(sizes in prop::collection::vec(0usize..100, 0..8), chunk in 1usize..40) {
        let frames: Vec<Frame> = sizes.iter().map(|&n| frame(n as u16, n)).collect();
        let bytes = encode_stream(&frames, chunk);
        prop_assert_eq!(decode_stream(&bytes, 100).unwrap(), frames);
    }

    #[test]
    fn every_truncation_is_a_typed_error(sizes in prop::collection::vec(1usize..100, 1..5),
                                         chunk in 1usize..40, cut in any::<prop::sample::Index>()) {
        let frames: Vec<Frame> = sizes.iter().map(|&n| frame(7, n)).collect();
        let bytes = encode_stream(&frames, chunk);
        let at = cut.index(bytes.len());
        let r = decode_stream(&bytes[..at], 100);
        // A cut at a frame boundary decodes the frames before it.
        if let Ok(prefix) = &r {
            prop_assert!(prefix.len() < frames.len());
            prop_assert_eq!(&frames[..prefix.len()], &prefix[..]);
        } else {
            let truncated = matches!(r, Err(FrameError::Truncated { .. }));
            prop_assert!(truncated, "{:?}", r);
        }
    }

    #[test]
    fn garbage_gives_typed_errors(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        // Whatever it returns, it returns (no panic), within the limit.
        if let Ok(frames) = decode_stream(&bytes, 64) {
            prop_assert!(frames.iter().all(|f| f.payload.len() <= 64));
        }
    }

    #[test]
    fn flipped_bytes_never_panic(flip in any::<prop::sample::Index>(), bit in 0u8..8) {
        let frames = vec![frame(1, 50), frame(2, 0), frame(3, 7)];
        let mut bytes = encode_stream(&frames, 16);
        let i = flip.index(bytes.len());
        bytes[i] ^= 1 << bit;
        let _ = decode_stream(&bytes, 1 << 16);
    }
}
