//! The crate's error type.

use duet_core::{ChannelError, MsgKind};

/// Why an OT protocol step failed. Every variant names the step.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OtError {
    /// The link to the peer failed during `step`.
    #[error("{step}: {source}")]
    Channel {
        /// The protocol step.
        step: &'static str,
        /// What the channel reported.
        #[source]
        source: ChannelError,
    },
    /// The peer sent a message of the wrong length.
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
    /// The peer sent bytes that are not a canonical ristretto255 encoding.
    #[error("{step}: point {index} from the peer is not a valid ristretto255 encoding")]
    InvalidPoint {
        /// The protocol step.
        step: &'static str,
        /// Position of the point in the message.
        index: usize,
    },
    /// The peer sent the identity point, which would void the OT's secrecy.
    #[error("{step}: point {index} from the peer is the identity")]
    IdentityPoint {
        /// The protocol step.
        step: &'static str,
        /// Position of the point in the message.
        index: usize,
    },
    /// A request larger than this implementation supports in one call.
    #[error("{step}: {requested} items exceed the limit of {limit}")]
    TooLarge {
        /// The protocol step.
        step: &'static str,
        /// Items asked for.
        requested: usize,
        /// The limit.
        limit: usize,
    },
    /// A configuration value outside the supported range.
    #[error("{what} = {value} is outside {min}..={max}")]
    InvalidParameter {
        /// The parameter.
        what: &'static str,
        /// The value given.
        value: usize,
        /// The smallest value supported.
        min: usize,
        /// The largest value supported.
        max: usize,
    },
    /// Local operands of different lengths.
    #[error("{step}: operands of lengths {left} and {right}")]
    LengthMismatch {
        /// The protocol step.
        step: &'static str,
        /// Length of the first operand.
        left: usize,
        /// Length of the second operand.
        right: usize,
    },
}

/// Maps a channel error to [`OtError::Channel`] for `step`.
pub(crate) fn channel(step: &'static str) -> impl Fn(ChannelError) -> OtError {
    move |source| OtError::Channel { step, source }
}

/// Receives one frame of exactly `expected` bytes.
pub(crate) async fn recv_exact<C: duet_core::Channel>(
    ch: &mut C,
    step: &'static str,
    kind: MsgKind,
    expected: usize,
) -> Result<Vec<u8>, OtError> {
    let bytes = ch.recv(kind, expected).await.map_err(channel(step))?;
    if bytes.len() != expected {
        return Err(OtError::PeerLength {
            step,
            kind,
            expected,
            found: bytes.len(),
        });
    }
    Ok(bytes)
}
