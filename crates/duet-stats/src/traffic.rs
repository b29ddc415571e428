//! Counting what crosses the link: a [`Channel`] wrapper that tallies
//! frames and payload bytes per message kind and direction, for the
//! manifest. duet-net's QUIC channel keeps its own counters; either fills
//! a [`Traffic`].

use std::collections::BTreeMap;

use duet_core::{Channel, ChannelError, MsgKind};
use serde::Serialize;

/// Frames and bytes of one message kind, per direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct KindCount {
    /// Frames sent.
    pub sent_frames: u64,
    /// Payload bytes sent.
    pub sent_bytes: u64,
    /// Frames received.
    pub received_frames: u64,
    /// Payload bytes received.
    pub received_bytes: u64,
}

/// Message counts per kind, keyed by (code, name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Traffic {
    kinds: BTreeMap<(u16, &'static str), KindCount>,
}

/// One row of a [`Traffic`] summary, as written to the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindRow {
    /// The wire code, as `0x0401`.
    pub code: String,
    /// The kind's name.
    pub kind: String,
    /// The counts.
    #[serde(flatten)]
    pub count: KindCount,
}

impl Traffic {
    /// Nothing counted yet.
    pub fn new() -> Self {
        Traffic::default()
    }

    /// Records a frame sent.
    pub fn record_sent(&mut self, kind: MsgKind, bytes: usize) {
        let c = self.kinds.entry((kind.code, kind.name)).or_default();
        c.sent_frames += 1;
        c.sent_bytes += bytes as u64;
    }

    /// Records a frame received.
    pub fn record_received(&mut self, kind: MsgKind, bytes: usize) {
        let c = self.kinds.entry((kind.code, kind.name)).or_default();
        c.received_frames += 1;
        c.received_bytes += bytes as u64;
    }

    /// Adds counts for one kind (for filling from another counter, such
    /// as duet-net's link summary).
    pub fn add(&mut self, code: u16, name: &'static str, count: KindCount) {
        let c = self.kinds.entry((code, name)).or_default();
        c.sent_frames += count.sent_frames;
        c.sent_bytes += count.sent_bytes;
        c.received_frames += count.received_frames;
        c.received_bytes += count.received_bytes;
    }

    /// The counts of one kind.
    pub fn get(&self, kind: MsgKind) -> KindCount {
        self.kinds
            .get(&(kind.code, kind.name))
            .copied()
            .unwrap_or_default()
    }

    /// Every kind seen, by code.
    pub fn rows(&self) -> Vec<KindRow> {
        self.kinds
            .iter()
            .map(|(&(code, name), &count)| KindRow {
                code: format!("{code:#06x}"),
                kind: name.to_string(),
                count,
            })
            .collect()
    }

    /// Totals over all kinds.
    pub fn total(&self) -> KindCount {
        self.kinds
            .values()
            .fold(KindCount::default(), |a, c| KindCount {
                sent_frames: a.sent_frames + c.sent_frames,
                sent_bytes: a.sent_bytes + c.sent_bytes,
                received_frames: a.received_frames + c.received_frames,
                received_bytes: a.received_bytes + c.received_bytes,
            })
    }
}

/// A channel that counts every frame it carries (received frames are
/// counted under the kind the step expected, which the inner channel has
/// checked).
#[derive(Debug)]
pub struct CountingChannel<C> {
    inner: C,
    traffic: Traffic,
}

impl<C: Channel> CountingChannel<C> {
    /// Wraps `inner`.
    pub fn new(inner: C) -> Self {
        CountingChannel {
            inner,
            traffic: Traffic::new(),
        }
    }

    /// What has crossed so far.
    pub fn traffic(&self) -> &Traffic {
        &self.traffic
    }

    /// The inner channel and the counts.
    pub fn into_parts(self) -> (C, Traffic) {
        (self.inner, self.traffic)
    }
}

impl<C: Channel> Channel for CountingChannel<C> {
    async fn send(&mut self, kind: MsgKind, payload: Vec<u8>) -> Result<(), ChannelError> {
        let len = payload.len();
        self.inner.send(kind, payload).await?;
        self.traffic.record_sent(kind, len);
        Ok(())
    }

    async fn recv(&mut self, kind: MsgKind, max_len: usize) -> Result<Vec<u8>, ChannelError> {
        let payload = self.inner.recv(kind, max_len).await?;
        self.traffic.record_received(kind, payload.len());
        Ok(payload)
    }
}
