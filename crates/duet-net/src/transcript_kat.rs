//! The transcript against its definition, computed here apart with plain
//! SHA-256: a frame below 32 KiB is hashed whole and one of 32 KiB as
//! sixteen segment digests (the boundary both sides must place alike, or
//! an unchanged peer's digest differs); the frame counts read back; a
//! digest's Debug shows its hex (cargo-mutants survivors, docs/MUTANTS.md).

use super::*;

const SESSION: [u8; 32] = [5; 32];

/// `SHA-256("duet/1 frame" || h || dir || seq || kind || len || body)`.
fn frame(h: [u8; 32], dir: u8, seq: u64, kind: MsgKind, len: usize, body: &[u8]) -> [u8; 32] {
    let mut s = Sha256::new();
    s.update(b"duet/1 frame");
    s.update(h);
    s.update([dir]);
    s.update(seq.to_le_bytes());
    s.update(kind.code.to_le_bytes());
    s.update((len as u64).to_le_bytes());
    s.update(body);
    s.finalize().into()
}

/// The final digest of a transcript whose P0 chain is `c0` after one
/// frame and whose P1 chain is empty.
fn digest_of(c0: [u8; 32]) -> Digest {
    let mut s = Sha256::new();
    s.update(b"duet/1 transcript");
    s.update(SESSION);
    s.update(c0);
    s.update(1u64.to_le_bytes());
    s.update(SESSION);
    s.update(0u64.to_le_bytes());
    Digest(s.finalize().into())
}

fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn transcript_of(body: &[u8]) -> Digest {
    let mut t = Transcript::new(SESSION, Role::P0);
    t.sent(MsgKind::INPUT, body);
    t.digest()
}

#[test]
fn a_frame_one_byte_under_32_kib_is_hashed_whole() {
    let body = payload(32 * 1024 - 1);
    let c0 = frame(SESSION, 0, 0, MsgKind::INPUT, body.len(), &body);
    assert_eq!(transcript_of(&body), digest_of(c0));
}

#[test]
fn a_frame_of_32_kib_is_hashed_as_sixteen_segment_digests() {
    // 32,768 / 16 = 2,048 bytes, already whole 64-byte blocks: sixteen
    // segments of 2,048 bytes.
    let body = payload(32 * 1024);
    let leaves: Vec<u8> = body
        .chunks(2048)
        .flat_map(|seg| <[u8; 32]>::from(Sha256::digest(seg)))
        .collect();
    assert_eq!(leaves.len(), 16 * 32);
    let c0 = frame(SESSION, 0, 0, MsgKind::INPUT, body.len(), &leaves);
    assert_eq!(transcript_of(&body), digest_of(c0));
}

#[test]
fn frame_counts_are_sent_then_received_for_either_role() {
    for role in [Role::P0, Role::P1] {
        let mut t = Transcript::new(SESSION, role);
        t.sent(MsgKind::OPEN, b"a");
        t.sent(MsgKind::OPEN, b"b");
        t.received(MsgKind::OPEN, b"c");
        assert_eq!(t.frame_counts(), (2, 1), "{role:?}");
    }
}

#[test]
fn a_digest_debugs_as_its_hex() {
    let d = Digest([0xab; 32]);
    assert_eq!(format!("{d:?}"), format!("Digest({})", "ab".repeat(32)));
}
