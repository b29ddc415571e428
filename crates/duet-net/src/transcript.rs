//! The transcript: a SHA-256 chain over every frame per direction, and the
//! per-kind counters a caller writes into its manifest.
//!
//! Each direction (P0 to P1, P1 to P0) has its own chain, so both sides
//! compute the same values whatever the interleaving of their sends and
//! receives: `h' = SHA-256("duet/1 frame" || h || dir || seq || kind || len
//! || payload)`, starting from the session id. The final digest hashes the
//! session id with both chains and both frame counts.

use core::fmt;
use std::collections::BTreeMap;

use duet_core::{MsgKind, Role};
use sha2::{Digest as _, Sha256};

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

    /// A hasher for the next frame from `from`, already fed its header
    /// fields; feed it the payload, then [`Transcript::commit`] it.
    pub(crate) fn frame_hasher(&self, from: Role, kind: MsgKind, len: u64) -> Sha256 {
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

    /// Advances `from`'s chain with a hasher that has seen the whole payload.
    pub(crate) fn commit(&mut self, from: Role, kind: MsgKind, len: u64, h: Sha256) {
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
    fn record(&mut self, from: Role, kind: MsgKind, payload: &[u8]) {
        let len = payload.len() as u64;
        let mut h = self.frame_hasher(from, kind, len);
        h.update(payload);
        self.commit(from, kind, len, h);
    }

    #[cfg(test)]
    fn sent(&mut self, kind: MsgKind, payload: &[u8]) {
        self.record(self.role, kind, payload);
    }

    #[cfg(test)]
    fn received(&mut self, kind: MsgKind, payload: &[u8]) {
        self.record(other(self.role), kind, payload);
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
}
