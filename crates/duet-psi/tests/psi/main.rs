//! duet-psi tests: every mode against a plaintext join, the receiver's
//! view in intersection-sum, the sender's random arrangement, faults from
//! the peer, and RFC 9496 vectors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    unreachable_pub
)]

mod arrangement;
mod faults;
mod modes;
mod quic;
mod shapes;
mod vectors;
mod view;

use std::collections::HashMap;
use std::future::Future;

use duet_core::{Channel, ChannelError, MemoryChannel, MsgKind, Role};
use duet_ot::OtSession;
use duet_psi::{Duplicates, Empty, Normalizer, Policy, PreparedSet, PsiConfig};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

pub const SID: [u8; 32] = [7; 32];

/// Small chunks so that even small sets cross several frames.
pub fn cfg() -> PsiConfig {
    PsiConfig::new(SID, 1_000).with_chunk(3)
}

pub fn keep_first() -> Policy {
    Policy {
        duplicates: Duplicates::KeepFirst,
        empty: Empty::Skip,
    }
}

pub fn set(ids: &[String]) -> PreparedSet {
    PreparedSet::from_strs(ids, &Normalizer::default(), keep_first()).unwrap()
}

pub fn strings(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// Runs both parties to completion on one thread.
pub fn both<A, B>(a: impl Future<Output = A>, b: impl Future<Output = B>) -> (A, B) {
    futures::executor::block_on(futures::future::join(a, b))
}

pub async fn ot<C: Channel>(ch: &mut C, role: Role, rng: &mut ChaCha20Rng) -> OtSession {
    OtSession::setup(ch, role, SID, rng).await.unwrap()
}

/// The plaintext join: first input row of each normalised identifier.
pub struct Oracle {
    x: HashMap<String, usize>,
    y: HashMap<String, usize>,
}

fn first_rows(ids: &[String]) -> HashMap<String, usize> {
    let norm = Normalizer::default();
    let mut m = HashMap::new();
    for (row, id) in ids.iter().enumerate() {
        let n = norm.apply(id);
        if !n.is_empty() {
            m.entry(n).or_insert(row);
        }
    }
    m
}

impl Oracle {
    pub fn new(x: &[String], y: &[String]) -> Self {
        Oracle {
            x: first_rows(x),
            y: first_rows(y),
        }
    }

    /// Matched (receiver row, sender row) pairs by receiver row.
    pub fn pairs(&self) -> Vec<(usize, usize)> {
        let mut p: Vec<_> = self
            .x
            .iter()
            .filter_map(|(id, &r)| Some((r, *self.y.get(id)?)))
            .collect();
        p.sort_unstable();
        p
    }

    pub fn sizes(&self) -> (usize, usize) {
        (self.x.len(), self.y.len())
    }
}

/// The named test cases: (name, receiver ids, sender ids).
pub fn cases() -> Vec<(&'static str, Vec<String>, Vec<String>)> {
    let many: Vec<String> = (0..20).map(|i| format!("id-{i:03}")).collect();
    vec![
        ("both empty", vec![], vec![]),
        ("receiver empty", vec![], strings(&["a"])),
        ("sender empty", strings(&["a"]), vec![]),
        ("one each, equal", strings(&["a"]), strings(&[" A"])),
        ("one each, different", strings(&["a"]), strings(&["b"])),
        (
            "no overlap",
            strings(&["a", "b", "c", "d"]),
            strings(&["e", "f", "g"]),
        ),
        (
            "full overlap",
            strings(&["a", "b", "c", "d", "e"]),
            strings(&["e", "d", "c", "b", "a"]),
        ),
        (
            "partial overlap",
            strings(&["a", "b", "c", "d", "e", "f", "g"]),
            strings(&["x", "c", "y", "f", "a"]),
        ),
        (
            "duplicates and empties",
            strings(&["a", "b", "a", "c", "", "b", " a"]),
            strings(&["b", "B", "c", "z", " ", "c"]),
        ),
        (
            "unequal sizes",
            many,
            strings(&["ID-007", "id-019", "id-100"]),
        ),
        (
            "non-ascii",
            strings(&[
                "Zoë",
                "Łukasz",
                "李小龙",
                "Ærøskøbing",
                "ÅSA",
                "O\u{308}zil",
            ]),
            strings(&[
                "zoe\u{308}",
                "李小龙",
                "A\u{30a}sa",
                "Özil",
                "lukasz",
                "ærøskøbing ",
            ]),
        ),
    ]
}

/// A channel that records what it receives and sends.
pub struct Recorder<C> {
    pub inner: C,
    pub received: Vec<(u16, Vec<u8>)>,
    pub sent: Vec<(u16, Vec<u8>)>,
}

impl<C: Channel> Recorder<C> {
    pub fn new(inner: C) -> Self {
        Recorder {
            inner,
            received: Vec::new(),
            sent: Vec::new(),
        }
    }
}

impl<C: Channel> Channel for Recorder<C> {
    async fn send(&mut self, kind: MsgKind, payload: Vec<u8>) -> Result<(), ChannelError> {
        self.sent.push((kind.code, payload.clone()));
        self.inner.send(kind, payload).await
    }

    async fn recv(&mut self, kind: MsgKind, max_len: usize) -> Result<Vec<u8>, ChannelError> {
        let p = self.inner.recv(kind, max_len).await?;
        self.received.push((kind.code, p.clone()));
        Ok(p)
    }
}

/// A channel that rewrites the frames it sends (a misbehaving peer).
pub struct Tamper<F> {
    pub inner: MemoryChannel,
    pub edit: F,
}

impl<F: FnMut(u16, &mut Vec<u8>) + Send> Channel for Tamper<F> {
    async fn send(&mut self, kind: MsgKind, mut payload: Vec<u8>) -> Result<(), ChannelError> {
        (self.edit)(kind.code, &mut payload);
        self.inner.send(kind, payload).await
    }

    async fn recv(&mut self, kind: MsgKind, max_len: usize) -> Result<Vec<u8>, ChannelError> {
        self.inner.recv(kind, max_len).await
    }
}
