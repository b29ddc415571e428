//! The crate's error type.

use duet_core::{ChannelError, MsgKind};
use duet_ot::OtError;

/// Why a PSI step failed. Variants carry the facts, never an identifier's value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PsiError {
    /// The link to the peer failed during `step`.
    #[error("{step}: {source}")]
    Channel {
        /// The protocol step.
        step: &'static str,
        /// What the channel reported.
        #[source]
        source: ChannelError,
    },
    /// The peer sent a frame of the wrong length.
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
        /// Position of the point in the peer's stream.
        index: usize,
    },
    /// The peer sent the identity point.
    #[error("{step}: point {index} from the peer is the identity")]
    IdentityPoint {
        /// The protocol step.
        step: &'static str,
        /// Position of the point in the peer's stream.
        index: usize,
    },
    /// The peer announced more identifiers than this side agreed to accept.
    #[error("the peer announced {announced} identifiers, above the agreed cap of {limit}")]
    PeerSetTooLarge {
        /// The peer's announced set size.
        announced: u64,
        /// This side's cap.
        limit: u64,
    },
    /// The peer's session parameters differ from this side's.
    #[error("session parameter {field} differs: ours {ours}, the peer's {theirs}")]
    PeerMismatch {
        /// Which parameter (version, mode, role, chunk, session, shape).
        field: &'static str,
        /// This side's value.
        ours: u64,
        /// The peer's value.
        theirs: u64,
    },
    /// The peer reported an intersection size that cannot be right.
    #[error("the peer reported an intersection of {count}, above the possible {limit}")]
    PeerCount {
        /// The reported size.
        count: u64,
        /// The smaller of the two set sizes.
        limit: u64,
    },
    /// The peer asked for more than this side allows.
    #[error("the peer asked for {value} {what}, above the limit of {limit}")]
    PeerLimit {
        /// What was asked for.
        what: &'static str,
        /// The peer's value.
        value: u64,
        /// This side's limit.
        limit: u64,
    },
    /// An identifier occurs twice and the policy rejects duplicates.
    #[error("row {row} repeats the identifier of row {first_row}")]
    DuplicateIdentifier {
        /// The repeating row (0-based).
        row: usize,
        /// Where the identifier first occurs.
        first_row: usize,
    },
    /// An identifier is empty after normalisation and the policy rejects it.
    #[error("row {row} has an empty identifier")]
    EmptyIdentifier {
        /// The row (0-based).
        row: usize,
    },
    /// A local input does not have the length or range the step needs.
    #[error("{what}: expected {expected}, found {found}")]
    Input {
        /// What is wrong.
        what: &'static str,
        /// The expected length or bound.
        expected: usize,
        /// What was given.
        found: usize,
    },
    /// The oblivious-transfer products failed.
    #[error("{step}: {source}")]
    Ot {
        /// The protocol step.
        step: &'static str,
        /// What duet-ot reported.
        #[source]
        source: OtError,
    },
}

/// Maps a channel error to [`PsiError::Channel`] for `step`.
pub(crate) fn channel(step: &'static str) -> impl Fn(ChannelError) -> PsiError {
    move |source| PsiError::Channel { step, source }
}

/// Maps an OT error to [`PsiError::Ot`] for `step`.
pub(crate) fn ot_error(step: &'static str) -> impl Fn(OtError) -> PsiError {
    move |source| PsiError::Ot { step, source }
}

/// Fails unless a per-row column has one value per input row.
pub(crate) fn check_len(rows: usize, len: usize) -> Result<(), PsiError> {
    if len != rows {
        return Err(PsiError::Input {
            what: "column length (one value per input row)",
            expected: rows,
            found: len,
        });
    }
    Ok(())
}

/// Receives one frame of exactly `expected` bytes.
pub(crate) async fn recv_exact<C: duet_core::Channel>(
    ch: &mut C,
    step: &'static str,
    kind: MsgKind,
    expected: usize,
) -> Result<Vec<u8>, PsiError> {
    let bytes = ch.recv(kind, expected).await.map_err(channel(step))?;
    if bytes.len() != expected {
        return Err(PsiError::PeerLength {
            step,
            kind,
            expected,
            found: bytes.len(),
        });
    }
    Ok(bytes)
}

/// Receives one little-endian u64.
pub(crate) async fn recv_u64<C: duet_core::Channel>(
    ch: &mut C,
    step: &'static str,
    kind: MsgKind,
) -> Result<u64, PsiError> {
    let bytes = recv_exact(ch, step, kind, 8).await?;
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes);
    Ok(u64::from_le_bytes(b))
}
