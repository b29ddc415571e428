//! The engine's error type.

use crate::channel::{ChannelError, MsgKind};
use crate::share::LengthMismatch;

/// Why an engine operation failed. Every variant names the protocol step.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The link to the peer failed during `step`.
    #[error("{step}: {source}")]
    Channel {
        /// The protocol step.
        step: &'static str,
        /// What the channel reported.
        #[source]
        source: ChannelError,
    },
    /// The peer sent a vector of the wrong length.
    #[error("{step}: the peer sent {found} bytes, expected {expected} ({kind})")]
    PeerLength {
        /// The protocol step.
        step: &'static str,
        /// The frame kind.
        kind: MsgKind,
        /// Bytes expected.
        expected: usize,
        /// Bytes received.
        found: usize,
    },
    /// Local operands of different lengths.
    #[error("{step}: {source}")]
    Length {
        /// The protocol step.
        step: &'static str,
        /// The lengths.
        #[source]
        source: LengthMismatch,
    },
    /// A vector too long for one frame under the configured limit.
    #[error("{step}: {len} elements exceed the limit of {limit} per operation")]
    TooLong {
        /// The protocol step.
        step: &'static str,
        /// Elements asked for.
        len: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A parameter outside what the operation supports.
    #[error("{step}: {reason}")]
    Parameter {
        /// The protocol step.
        step: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// The preprocessing source could not supply material.
    #[error("{step}: preprocessing failed: {source}")]
    Preprocessing {
        /// The protocol step.
        step: &'static str,
        /// The source's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The preprocessing source handed out the wrong amount of material.
    #[error("{step}: preprocessing returned {found} items, asked for {expected}")]
    PreprocessingCount {
        /// The protocol step.
        step: &'static str,
        /// Items asked for.
        expected: usize,
        /// Items returned.
        found: usize,
    },
}
