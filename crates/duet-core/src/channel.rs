//! The async [`Channel`] the protocols talk over, and an in-memory pair.
//!
//! duet-core names no async runtime: a channel is anything that can send a
//! typed, framed byte string to the peer and receive one back. duet-net
//! provides the QUIC implementation; [`MemoryChannel`] drives both parties in
//! one process for tests and simulations.

use core::fmt;
use core::future::Future;
use std::time::Duration;

use futures::channel::mpsc;
use futures::StreamExt;

/// The kind of a frame: a wire code and a name for manifests and errors.
///
/// Codes are allocated per crate: 0x01xx duet-core, 0x02xx duet-ot,
/// 0x03xx duet-psi, 0x04xx duet-stats, 0x05xx duet-net.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct MsgKind {
    /// The code carried on the wire.
    pub code: u16,
    /// A short stable name (used in manifests).
    pub name: &'static str,
}

impl MsgKind {
    /// A kind with the given code and name.
    pub const fn new(code: u16, name: &'static str) -> Self {
        MsgKind { code, name }
    }

    /// Masked input from its owner (`x - r`).
    pub const INPUT: MsgKind = MsgKind::new(0x0101, "input");
    /// A share sent for opening.
    pub const OPEN: MsgKind = MsgKind::new(0x0102, "open");
    /// The masked pair (d, e) of a Beaver multiplication.
    pub const BEAVER: MsgKind = MsgKind::new(0x0103, "beaver-open");
    /// The masked pair of a boolean AND.
    pub const AND: MsgKind = MsgKind::new(0x0104, "and-open");
    /// A masked bit in bit-to-arithmetic conversion.
    pub const BIT_OPEN: MsgKind = MsgKind::new(0x0105, "bit-open");
    /// A vector length both sides must agree on.
    pub const LENGTH: MsgKind = MsgKind::new(0x0106, "length");
    /// The masked bits and values of bit-OLE products (truncation,
    /// bit-times-value products).
    pub const BIT_OLE: MsgKind = MsgKind::new(0x0107, "bit-ole-open");
    /// A receiver's masked choices in the leaf OTs of a comparison.
    pub const LEAF_CHOICE: MsgKind = MsgKind::new(0x0108, "leaf-ot-choice");
    /// A sender's masked tables in the leaf OTs of a comparison.
    pub const LEAF_TABLE: MsgKind = MsgKind::new(0x0109, "leaf-ot-table");
}

impl fmt::Display for MsgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:#06x})", self.name, self.code)
    }
}

/// Why a send or receive failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChannelError {
    /// The peer closed the channel, or went away.
    #[error("the peer closed the channel")]
    Closed,
    /// The peer ended the session with an application error code.
    #[error("the peer aborted the session (code {code}): {reason}")]
    PeerAborted {
        /// The application close code.
        code: u64,
        /// The peer's stated reason.
        reason: String,
    },
    /// A frame larger than the receiver allows.
    #[error("frame of {len} bytes exceeds the limit of {limit} bytes")]
    FrameTooLarge {
        /// Its announced or actual length.
        len: u64,
        /// The receiver's limit.
        limit: u64,
    },
    /// A frame of another kind than the protocol step expects.
    #[error("expected a {expected} frame, received code {found:#06x}")]
    UnexpectedKind {
        /// What the step expects.
        expected: MsgKind,
        /// The code received.
        found: u16,
    },
    /// A frame that ends before its header says it should.
    #[error("truncated frame: {got} of {want} bytes")]
    Truncated {
        /// Bytes received.
        got: u64,
        /// Bytes announced.
        want: u64,
    },
    /// Nothing arrived in time.
    #[error("no frame from the peer within {0:?}")]
    Timeout(Duration),
    /// The transport underneath failed.
    #[error("transport error: {0}")]
    Transport(Box<dyn std::error::Error + Send + Sync>),
}

/// A reliable, ordered, authenticated link to the one peer.
///
/// Contract for implementations: `send` must not wait for the peer to
/// receive (buffer or stream in the background), because both parties send
/// before they receive in every round; `recv` must reject a frame of another
/// kind or longer than `max_len` with a typed error, never allocate more than
/// `max_len` for it, and never panic on what the peer sends.
pub trait Channel: Send {
    /// Sends one frame of the given kind.
    fn send(
        &mut self,
        kind: MsgKind,
        payload: Vec<u8>,
    ) -> impl Future<Output = Result<(), ChannelError>> + Send;

    /// Receives the next frame, which must be of `kind` and at most `max_len` bytes.
    fn recv(
        &mut self,
        kind: MsgKind,
        max_len: usize,
    ) -> impl Future<Output = Result<Vec<u8>, ChannelError>> + Send;
}

impl<C: Channel> Channel for &mut C {
    fn send(
        &mut self,
        kind: MsgKind,
        payload: Vec<u8>,
    ) -> impl Future<Output = Result<(), ChannelError>> + Send {
        (**self).send(kind, payload)
    }

    fn recv(
        &mut self,
        kind: MsgKind,
        max_len: usize,
    ) -> impl Future<Output = Result<Vec<u8>, ChannelError>> + Send {
        (**self).recv(kind, max_len)
    }
}

/// One end of an in-memory channel pair, for tests and one-process simulations.
///
/// Sends never block (the queue is unbounded); dropping one end makes the
/// other end's receives fail with [`ChannelError::Closed`].
pub struct MemoryChannel {
    tx: mpsc::UnboundedSender<(u16, Vec<u8>)>,
    rx: mpsc::UnboundedReceiver<(u16, Vec<u8>)>,
    frames_sent: u64,
    bytes_sent: u64,
}

impl MemoryChannel {
    /// Two connected ends: what one sends, the other receives.
    pub fn pair() -> (MemoryChannel, MemoryChannel) {
        let (tx_a, rx_b) = mpsc::unbounded();
        let (tx_b, rx_a) = mpsc::unbounded();
        let end = |tx, rx| MemoryChannel {
            tx,
            rx,
            frames_sent: 0,
            bytes_sent: 0,
        };
        (end(tx_a, rx_a), end(tx_b, rx_b))
    }

    /// Frames sent from this end so far.
    pub fn frames_sent(&self) -> u64 {
        self.frames_sent
    }

    /// Payload bytes sent from this end so far (2 bytes of kind per frame not included).
    pub fn bytes_sent(&self) -> u64 {
        self.bytes_sent
    }
}

impl Channel for MemoryChannel {
    async fn send(&mut self, kind: MsgKind, payload: Vec<u8>) -> Result<(), ChannelError> {
        self.frames_sent += 1;
        self.bytes_sent += payload.len() as u64;
        self.tx
            .unbounded_send((kind.code, payload))
            .map_err(|_| ChannelError::Closed)
    }

    async fn recv(&mut self, kind: MsgKind, max_len: usize) -> Result<Vec<u8>, ChannelError> {
        let (code, payload) = self.rx.next().await.ok_or(ChannelError::Closed)?;
        if code != kind.code {
            return Err(ChannelError::UnexpectedKind {
                expected: kind,
                found: code,
            });
        }
        if payload.len() > max_len {
            return Err(ChannelError::FrameTooLarge {
                len: payload.len() as u64,
                limit: max_len as u64,
            });
        }
        Ok(payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    #[test]
    fn delivers_in_order_and_checks_kind_and_size() {
        let (mut a, mut b) = MemoryChannel::pair();
        block_on(async {
            a.send(MsgKind::OPEN, vec![1, 2, 3]).await.unwrap();
            a.send(MsgKind::OPEN, vec![4; 10]).await.unwrap();
            a.send(MsgKind::INPUT, vec![]).await.unwrap();
            assert_eq!(b.recv(MsgKind::OPEN, 3).await.unwrap(), vec![1, 2, 3]);
            assert!(matches!(
                b.recv(MsgKind::OPEN, 9).await,
                Err(ChannelError::FrameTooLarge { len: 10, limit: 9 })
            ));
            assert!(matches!(
                b.recv(MsgKind::OPEN, 9).await,
                Err(ChannelError::UnexpectedKind { found: 0x0101, .. })
            ));
            drop(a);
            assert!(matches!(
                b.recv(MsgKind::OPEN, 9).await,
                Err(ChannelError::Closed)
            ));
        });
    }
}
