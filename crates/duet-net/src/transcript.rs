//! The transcript: a SHA-256 chain over every frame per direction, and the
//! per-kind counters a caller writes into its manifest.
//!
//! Each direction (P0 to P1, P1 to P0) has its own chain, so both sides
//! compute the same values whatever the interleaving of their sends and
//! receives: `h' = SHA-256("duet/1 frame" || h || dir || seq || kind || len
//! || body)`, starting from the session id. The body is the payload itself
//! below 32 KiB; from 32 KiB on it is the SHA-256 digests of sixteen
//! consecutive segments of the payload (fifteen of `len / 16` bytes rounded
//! down to whole 64-byte blocks, the last one the rest), which hash side by
//! side twice as fast as one chain on AVX-512 (`len` tells the two
//! forms apart). The final digest hashes the session id with both chains
//! and both frame counts.

use core::fmt;
use std::collections::BTreeMap;

use duet_core::{MsgKind, Role};
use sha2::{Digest as _, Sha256};

use crate::sha256x16::{self, LANES};

/// Payloads from this size on are hashed as [`LANES`] segments.
const SPLIT_MIN: usize = 32 * 1024;

/// A SHA-256 value (session id or transcript digest), shown as lowercase hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digest(pub [u8; 32]);

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

/// Frames and payload bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Frames.
    pub frames: u64,
    /// Payload bytes (chunk headers and QUIC overhead not included).
    pub bytes: u64,
}

/// Traffic of one message kind, both directions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindStats {
    /// The kind's name.
    pub name: &'static str,
    /// Sent by this side.
    pub sent: Traffic,
    /// Received by this side.
    pub received: Traffic,
}

/// What crossed the link: the session, the agreed final digest, and the
/// counters per message kind code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSummary {
    /// The session id both sides derived in the handshake.
    pub session_id: Digest,
    /// The transcript digest both sides computed and compared.
    pub digest: Digest,
    /// Traffic per kind code.
    pub kinds: BTreeMap<u16, KindStats>,
}

impl LinkSummary {
    /// Totals over all kinds: (sent, received).
    pub fn totals(&self) -> (Traffic, Traffic) {
        let add = |a: Traffic, b: Traffic| Traffic {
            frames: a.frames + b.frames,
            bytes: a.bytes + b.bytes,
        };
        self.kinds.values().fold(Default::default(), |(s, r), k| {
            (add(s, k.sent), add(r, k.received))
        })
    }
}

/// The running transcript of one side.
#[derive(Debug, Clone)]
pub(crate) struct Transcript {
    session_id: [u8; 32],
    role: Role,
    chains: [[u8; 32]; 2],
    frames: [u64; 2],
    kinds: BTreeMap<u16, KindStats>,
}

fn dir_index(from: Role) -> usize {
    match from {
        Role::P0 => 0,
        Role::P1 => 1,
    }
}

pub(crate) fn other(role: Role) -> Role {
    match role {
        Role::P0 => Role::P1,
        Role::P1 => Role::P0,
    }
}

impl Transcript {
    pub(crate) fn new(session_id: [u8; 32], role: Role) -> Transcript {
        Transcript {
            session_id,
            role,
            chains: [session_id; 2],
            frames: [0; 2],
            kinds: BTreeMap::new(),
        }
    }

    /// Advances `from`'s chain and counters with one frame.
    pub(crate) fn absorb(&mut self, from: Role, kind: MsgKind, payload: &[u8]) {
        let len = payload.len() as u64;
        let mut h = self.frame_hasher(from, kind, len);
        if payload.len() < SPLIT_MIN {
            h.update(payload);
        } else {
            for leaf in sha256x16::digests(&segments(payload)) {
                h.update(leaf);
            }
        }
        self.commit(from, kind, len, h);
    }

    /// A hasher for the next frame from `from`, fed its header fields.
    fn frame_hasher(&self, from: Role, kind: MsgKind, len: u64) -> Sha256 {
        let d = dir_index(from);
        let mut h = Sha256::new();
        h.update(b"duet/1 frame");
        h.update(self.chains[d]);
        h.update([d as u8]);
        h.update(self.frames[d].to_le_bytes());
        h.update(kind.code.to_le_bytes());
        h.update(len.to_le_bytes());
        h
    }

    /// Advances `from`'s chain with a hasher that has seen the whole body.
    fn commit(&mut self, from: Role, kind: MsgKind, len: u64, h: Sha256) {
        let d = dir_index(from);
        self.chains[d] = h.finalize().into();
        self.frames[d] += 1;
        let entry = self.kinds.entry(kind.code).or_insert(KindStats {
            name: kind.name,
            sent: Traffic::default(),
            received: Traffic::default(),
        });
        let t = if from == self.role {
            &mut entry.sent
        } else {
            &mut entry.received
        };
        t.frames += 1;
        t.bytes += len;
    }

    pub(crate) fn role(&self) -> Role {
        self.role
    }

    pub(crate) fn peer(&self) -> Role {
        other(self.role)
    }

    #[cfg(test)]
    fn sent(&mut self, kind: MsgKind, payload: &[u8]) {
        self.absorb(self.role, kind, payload);
    }

    #[cfg(test)]
    fn received(&mut self, kind: MsgKind, payload: &[u8]) {
        self.absorb(other(self.role), kind, payload);
    }

    /// Frames (sent, received) by this side.
    pub(crate) fn frame_counts(&self) -> (u64, u64) {
        let mine = dir_index(self.role);
        (self.frames[mine], self.frames[1 - mine])
    }

    pub(crate) fn digest(&self) -> Digest {
        let mut h = Sha256::new();
        h.update(b"duet/1 transcript");
        h.update(self.session_id);
        for d in 0..2 {
            h.update(self.chains[d]);
            h.update(self.frames[d].to_le_bytes());
        }
        Digest(h.finalize().into())
    }

    pub(crate) fn summary(&self) -> LinkSummary {
        LinkSummary {
            session_id: Digest(self.session_id),
            digest: self.digest(),
            kinds: self.kinds.clone(),
        }
    }
}

/// The payload in [`LANES`] consecutive segments: all but the last of
/// `len / LANES` bytes rounded down to whole 64-byte blocks, so the lanes
/// hash their common blocks together; the last takes the rest.
fn segments(payload: &[u8]) -> [&[u8]; LANES] {
    let size = payload.len() / LANES / 64 * 64;
    let (head, last) = payload.split_at(size * (LANES - 1));
    core::array::from_fn(|i| match head.get(i * size..(i + 1) * size) {
        Some(seg) if i < LANES - 1 => seg,
        _ => last,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_agree_whatever_the_interleaving() {
        let (a, b) = (MsgKind::OPEN, MsgKind::INPUT);
        let mut p0 = Transcript::new([1; 32], Role::P0);
        let mut p1 = Transcript::new([1; 32], Role::P1);
        p0.sent(a, b"x");
        p0.received(b, b"yy");
        p1.received(a, b"x");
        p1.sent(b, b"yy");
        assert_eq!(p0.digest(), p1.digest());
        assert_eq!(
            p0.summary().totals().0,
            Traffic {
                frames: 1,
                bytes: 1
            }
        );
        assert_eq!(
            p1.summary().totals().0,
            Traffic {
                frames: 1,
                bytes: 2
            }
        );
        // A frame the other side did not see changes the digest.
        p1.sent(b, b"");
        assert_ne!(p0.digest(), p1.digest());
        // So does a different session, and a flipped direction.
        let mut q0 = Transcript::new([2; 32], Role::P0);
        q0.sent(a, b"x");
        q0.received(b, b"yy");
        assert_ne!(q0.digest(), Transcript::new([1; 32], Role::P0).digest());
        let mut r0 = Transcript::new([1; 32], Role::P0);
        r0.received(a, b"x");
        r0.sent(b, b"yy");
        assert_ne!(r0.digest(), p0.digest());
    }

    #[test]
    fn large_frames_bind_every_byte() {
        let kind = MsgKind::INPUT;
        for len in [SPLIT_MIN - 1, SPLIT_MIN, SPLIT_MIN + 1000, 1 << 20] {
            let data: Vec<u8> = (0..len).map(|i| (i * 13 + i / 251) as u8).collect();
            let digest = |payload: &[u8]| {
                let mut t = Transcript::new([3; 32], Role::P0);
                t.sent(kind, payload);
                t.digest()
            };
            let base = digest(&data);
            // A flipped byte at each segment edge and in the middle changes it.
            let size = len / LANES / 64 * 64;
            let spots = (0..LANES).flat_map(|i| [i * size, (i * size + size / 2).min(len - 1)]);
            for at in spots.chain([len - 1]) {
                let mut changed = data.clone();
                changed[at] ^= 1;
                assert_ne!(digest(&changed), base, "len {len}, byte {at}");
            }
        }
    }

    /// The format of the module docs, digest computed apart from this code
    /// (Python's hashlib, 2026-11-28): two builds of duet agree only if
    /// both follow it, whichever SHA-256 path each CPU takes.
    #[test]
    fn digest_follows_the_documented_format() {
        let bytes = |n: usize| -> Vec<u8> { (0..n).map(|i| (i * 13 + i / 251) as u8).collect() };
        let want = "58b332a33334955f35bb0a7ba01393fa271922d862300c894932d5d1a23de7bc";
        let mut p0 = Transcript::new([7; 32], Role::P0);
        p0.sent(MsgKind::INPUT, &bytes(100_003));
        p0.sent(MsgKind::OPEN, b"hello");
        p0.received(MsgKind::INPUT, &bytes(40_000));
        assert_eq!(p0.digest().to_string(), want);
        let mut p1 = Transcript::new([7; 32], Role::P1);
        p1.sent(MsgKind::INPUT, &bytes(40_000));
        p1.received(MsgKind::INPUT, &bytes(100_003));
        p1.received(MsgKind::OPEN, b"hello");
        assert_eq!(p1.digest().to_string(), want);
    }

    proptest::proptest! {
        #[test]
        fn segments_cover_the_payload_in_order(len in SPLIT_MIN..SPLIT_MIN * 3) {
            let data: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
            let segs = segments(&data);
            proptest::prop_assert_eq!(segs.concat(), data.clone());
            let size = segs[0].len();
            proptest::prop_assert!(size > 0 && size.is_multiple_of(64));
            proptest::prop_assert!(segs[..LANES - 1].iter().all(|s| s.len() == size));
        }
    }
}

#[cfg(test)]
#[path = "transcript_kat.rs"]
mod kat;
