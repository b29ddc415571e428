//! The crate's error type.

use std::path::PathBuf;
use std::time::Duration;

use duet_core::ChannelError;

use crate::codec::CodecError;
use crate::frame::FrameError;
use crate::handshake::Field;
use crate::identity::Fingerprint;

/// Why setting up, using or closing the link failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetError {
    /// An identity name rcgen or a peer would not accept.
    #[error("identity name {name:?}: use 1-63 ASCII letters, digits, '-' or '.'")]
    IdentityName {
        /// The name given.
        name: String,
    },
    /// Certificate generation failed.
    #[error("certificate generation failed: {0}")]
    Keygen(String),
    /// An identity file exists and `force` was not given.
    #[error("{path} exists; pass force to overwrite it")]
    FileExists {
        /// The file.
        path: PathBuf,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A PEM file that does not hold what it should.
    #[error("{path}: {reason}")]
    Pem {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A private key that the group or others may read.
    #[error("{path} may be read by others (mode {mode:03o}); run: chmod 600 {path}")]
    KeyReadable {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A private key that does not belong to the certificate beside it.
    #[error("{key} is not the key of the certificate {cert}; check the key and cert paths")]
    KeyMismatch {
        /// The key file.
        key: PathBuf,
        /// The certificate file.
        cert: PathBuf,
    },
    /// The TLS configuration was rejected (for example a key that does not
    /// match the certificate).
    #[error("TLS configuration: {0}")]
    TlsConfig(String),
    /// Binding the UDP socket failed.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The peer presented a certificate other than the pinned one.
    #[error("peer certificate refused: fingerprint {seen}, expected {expected}")]
    PinMismatch {
        /// The fingerprint the peer presented.
        seen: Fingerprint,
        /// The pinned fingerprint.
        expected: Fingerprint,
    },
    /// The peer refused the TLS handshake (typically: it does not pin our
    /// certificate).
    #[error("the peer refused the connection: {reason}")]
    RefusedByPeer {
        /// What the transport reported.
        reason: String,
    },
    /// We refused the TLS handshake for another reason than the pin (for
    /// example a handshake signature that does not verify).
    #[error("TLS handshake refused: {0}")]
    TlsHandshake(String),
    /// A listener refused a connection attempt from someone other than
    /// the pinned peer (or one that failed before it proved to be the peer).
    #[error(
        "refused a connection from {addr} (certificate {}): {cause}",
        shown(fingerprint)
    )]
    Refused {
        /// Where the attempt came from.
        addr: std::net::SocketAddr,
        /// The fingerprint of the certificate it presented, if it presented one.
        fingerprint: Option<Fingerprint>,
        /// Why it was refused.
        cause: Box<NetError>,
    },
    /// The connection could not be established.
    #[error("connection failed: {0}")]
    Connect(String),
    /// A step did not finish within its configured time.
    #[error("{step}: {}", no_progress(after))]
    Timeout {
        /// The step.
        step: &'static str,
        /// The configured limit.
        after: Duration,
    },
    /// The two sides disagree on a handshake field.
    #[error("handshake mismatch on {field}: ours {ours}, peer's {theirs}")]
    HandshakeMismatch {
        /// The field.
        field: Field,
        /// Our value.
        ours: String,
        /// The peer's value.
        theirs: String,
    },
    /// The peer reported a handshake mismatch we did not see ourselves.
    #[error("the peer rejected the handshake on {field}")]
    PeerRejected {
        /// The field the peer named.
        field: Field,
    },
    /// A control message that does not belong at this step.
    #[error("{step}: unexpected control message")]
    Protocol {
        /// The step.
        step: &'static str,
    },
    /// A control message that does not decode.
    #[error("control message: {0}")]
    Codec(#[from] CodecError),
    /// A data frame that does not decode.
    #[error("frame: {0}")]
    Frame(#[from] FrameError),
    /// The transcripts of the two sides differ.
    #[error("transcript mismatch: ours {ours}, peer's {theirs}")]
    TranscriptMismatch {
        /// Our final digest (hex).
        ours: String,
        /// The peer's final digest (hex).
        theirs: String,
    },
    /// The peer aborted the session with an application code.
    #[error("the peer aborted the session (code {code}): {reason}")]
    PeerAborted {
        /// The application close code.
        code: u64,
        /// The peer's stated reason.
        reason: String,
    },
    /// The connection was lost.
    #[error("connection lost: {0}")]
    ConnectionLost(String),
    /// A previous operation failed or was cancelled part-way, so the link's
    /// framing can no longer be trusted.
    #[error("the link is unusable after an earlier failure")]
    Broken,
    /// An engine operation failed (in the benchmark's secure sum).
    #[error("engine: {0}")]
    Engine(#[from] duet_core::EngineError),
    /// A sending or receiving error of the channel.
    #[error(transparent)]
    Channel(#[from] ChannelError),
}

fn shown(fingerprint: &Option<Fingerprint>) -> String {
    match fingerprint {
        Some(f) => format!("sha256 {f}"),
        None => "none presented".to_string(),
    }
}

/// "no progress within 5s"; a zero duration (a QUIC idle timeout not yet
/// named) is shown as the idle timeout rather than as "0ns".
fn no_progress(after: &Duration) -> String {
    if after.is_zero() {
        "no packet from the peer within the idle timeout".to_string()
    } else {
        format!("no progress within {after:?}")
    }
}

impl NetError {
    /// What a [`NetError::Refused`] wraps; any other error as it is.
    pub fn into_cause(self) -> NetError {
        match self {
            NetError::Refused { cause, .. } => *cause,
            other => other,
        }
    }
}

impl From<NetError> for ChannelError {
    fn from(e: NetError) -> ChannelError {
        match e {
            NetError::Channel(c) => c,
            NetError::Timeout { after, .. } => ChannelError::Timeout(after),
            NetError::PeerAborted { code, reason } => ChannelError::PeerAborted { code, reason },
            NetError::Frame(FrameError::TooLarge { len, limit }) => {
                ChannelError::FrameTooLarge { len, limit }
            }
            NetError::Frame(FrameError::Truncated { got, want }) => {
                ChannelError::Truncated { got, want }
            }
            other => ChannelError::Transport(Box::new(other)),
        }
    }
}
