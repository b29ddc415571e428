//! What both sides agree on before any point is sent: the mode, the set
//! sizes (capped in advance), the chunk size and the session id.

use duet_core::Channel;
use rand::seq::SliceRandom;
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha512};

use crate::error::{channel, recv_exact, PsiError};
use crate::group::{BlindingKey, IdHasher, TAG};
use crate::kinds;
use crate::set::PreparedSet;

/// Version of the PSI wire protocol.
const VERSION: u8 = 1;
/// Bytes of the hello frame.
const HELLO_BYTES: usize = 31;
/// Default identifiers per frame: 2 MiB frames of points.
pub const DEFAULT_CHUNK: usize = 1 << 16;

/// Settings both parties must share: the session id and chunk size must
/// be equal on both sides, and each side's cap bounds what it accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PsiConfig {
    session_id: [u8; 32],
    max_peer_set: u64,
    chunk: usize,
}

impl PsiConfig {
    /// Settings for session `session_id` (from duet-net's handshake, fresh
    /// per run), accepting a peer set of at most `max_peer_set` identifiers.
    pub fn new(session_id: [u8; 32], max_peer_set: u64) -> Self {
        PsiConfig {
            session_id,
            max_peer_set,
            chunk: DEFAULT_CHUNK,
        }
    }

    /// Identifiers per frame (default [`DEFAULT_CHUNK`]; at least 1).
    pub fn with_chunk(mut self, chunk: usize) -> Self {
        self.chunk = chunk.clamp(1, 1 << 24);
        self
    }

    /// The session id.
    pub fn session_id(&self) -> &[u8; 32] {
        &self.session_id
    }

    /// Identifiers per frame.
    pub fn chunk(&self) -> usize {
        self.chunk
    }
}

/// Which protocol runs; both parties must ask for the same one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Cardinality = 1,
    SumShared = 2,
    SumOpened = 3,
    Join = 4,
    Intersection = 5,
}

/// Which end of the protocol this party plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Receiver = 0,
    Sender = 1,
}

/// One party's state after the hello: its key, its shuffle and the sizes.
pub(crate) struct Session<'a> {
    pub(crate) set: &'a PreparedSet,
    pub(crate) hasher: IdHasher,
    pub(crate) key: BlindingKey,
    /// `order[j]` is the identifier sent at position `j`.
    pub(crate) order: Vec<usize>,
    pub(crate) peer_len: usize,
    pub(crate) chunk: usize,
}

/// The check value of a session id (public; detects mismatched ids).
fn session_check(id: &[u8; 32]) -> u64 {
    let d = Sha512::new()
        .chain_update(TAG)
        .chain_update(b"/session")
        .chain_update(id)
        .finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_le_bytes(b)
}

fn hello(cfg: &PsiConfig, mode: Mode, side: Side, n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(HELLO_BYTES);
    out.extend_from_slice(&[VERSION, mode as u8, side as u8]);
    out.extend_from_slice(&(cfg.chunk as u32).to_le_bytes());
    out.extend_from_slice(&(n as u64).to_le_bytes());
    out.extend_from_slice(&session_check(&cfg.session_id).to_le_bytes());
    out.extend_from_slice(&[0u8; 8]);
    out
}

fn field(b: &[u8], at: usize, len: usize) -> u64 {
    let mut w = [0u8; 8];
    w[..len].copy_from_slice(&b[at..at + len]);
    u64::from_le_bytes(w)
}

/// Checks the peer's hello against ours; returns the peer's set size.
fn check_hello(ours: &[u8], theirs: &[u8], cap: u64) -> Result<usize, PsiError> {
    let mismatch = |f, at, len| {
        let (o, t) = (field(ours, at, len), field(theirs, at, len));
        (o != t).then_some(PsiError::PeerMismatch {
            field: f,
            ours: o,
            theirs: t,
        })
    };
    for (f, at, len) in [
        ("version", 0, 1),
        ("mode", 1, 1),
        ("chunk", 3, 4),
        ("session", 15, 8),
    ] {
        if let Some(e) = mismatch(f, at, len) {
            return Err(e);
        }
    }
    if ours[2] == theirs[2] {
        let side = u64::from(ours[2]);
        return Err(PsiError::PeerMismatch {
            field: "role",
            ours: side,
            theirs: side,
        });
    }
    let announced = field(theirs, 7, 8);
    if announced > cap {
        return Err(PsiError::PeerSetTooLarge {
            announced,
            limit: cap,
        });
    }
    usize::try_from(announced).map_err(|_| PsiError::PeerSetTooLarge {
        announced,
        limit: cap,
    })
}

/// Exchanges and checks hellos, then draws this session's key and shuffle.
pub(crate) async fn open<'a, C: Channel, G: RngCore + CryptoRng>(
    ch: &mut C,
    cfg: &PsiConfig,
    mode: Mode,
    side: Side,
    set: &'a PreparedSet,
    rng: &mut G,
) -> Result<Session<'a>, PsiError> {
    let ours = hello(cfg, mode, side, set.len());
    ch.send(kinds::HELLO, ours.clone())
        .await
        .map_err(channel("hello"))?;
    let theirs = recv_exact(ch, "hello", kinds::HELLO, HELLO_BYTES).await?;
    let peer_len = check_hello(&ours, &theirs, cfg.max_peer_set)?;
    let key = BlindingKey::generate(rng);
    let mut order: Vec<usize> = (0..set.len()).collect();
    order.shuffle(rng);
    Ok(Session {
        set,
        hasher: IdHasher::new(&cfg.session_id),
        key,
        order,
        peer_len,
        chunk: cfg.chunk,
    })
}

/// `(offset, length)` of each chunk of `n` items.
pub(crate) fn chunks(n: usize, chunk: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..n.div_ceil(chunk)).map(move |c| (c * chunk, chunk.min(n - c * chunk)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_checks_each_field() {
        let cfg = PsiConfig::new([1; 32], 10);
        let r = hello(&cfg, Mode::Join, Side::Receiver, 5);
        assert_eq!(r.len(), HELLO_BYTES);
        let s = hello(&cfg, Mode::Join, Side::Sender, 7);
        assert_eq!(check_hello(&r, &s, 10).unwrap(), 7);
        let big = hello(&cfg, Mode::Join, Side::Sender, 11);
        assert!(matches!(
            check_hello(&r, &big, 10),
            Err(PsiError::PeerSetTooLarge {
                announced: 11,
                limit: 10
            })
        ));
        let other = hello(&cfg, Mode::Cardinality, Side::Sender, 1);
        assert!(matches!(
            check_hello(&r, &other, 10),
            Err(PsiError::PeerMismatch {
                field: "mode",
                ours: 4,
                theirs: 1
            })
        ));
        assert!(matches!(
            check_hello(&r, &r, 10),
            Err(PsiError::PeerMismatch { field: "role", .. })
        ));
        let sid = hello(&PsiConfig::new([2; 32], 10), Mode::Join, Side::Sender, 1);
        assert!(matches!(
            check_hello(&r, &sid, 10),
            Err(PsiError::PeerMismatch {
                field: "session",
                ..
            })
        ));
        let chunk = hello(&cfg.clone().with_chunk(3), Mode::Join, Side::Sender, 1);
        assert!(matches!(
            check_hello(&r, &chunk, 10),
            Err(PsiError::PeerMismatch { field: "chunk", .. })
        ));
    }

    #[test]
    fn chunks_cover_exactly() {
        assert_eq!(chunks(0, 4).count(), 0);
        assert_eq!(
            chunks(9, 4).collect::<Vec<_>>(),
            vec![(0, 4), (4, 4), (8, 1)]
        );
        assert_eq!(chunks(8, 4).collect::<Vec<_>>(), vec![(0, 4), (4, 4)]);
    }
}
