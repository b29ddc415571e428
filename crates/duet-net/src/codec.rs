//! Control messages and their codec: serde + bincode 2.0.1, pinned, used
//! in this module only (bincode is unmaintained upstream; replacing it means
//! replacing this file). Every decode is size-limited, rejects trailing
//! bytes and unknown enum tags.

use bincode::config::{Configuration, Fixint, Limit, LittleEndian};
use serde::{Deserialize, Serialize};

/// The largest control message, in bytes.
pub const CONTROL_LIMIT: usize = 1024;

/// Why a control message did not decode or encode.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// Longer than [`CONTROL_LIMIT`].
    #[error("control message of {len} bytes exceeds {CONTROL_LIMIT}")]
    TooLarge {
        /// The announced or actual length.
        len: u64,
    },
    /// The body is not a valid message (unknown tag, bad length, too short).
    #[error("malformed control message: {0}")]
    Malformed(String),
    /// A valid message followed by more bytes.
    #[error("{0} trailing bytes after a control message")]
    Trailing(usize),
}

type Config = Configuration<LittleEndian, Fixint, Limit<CONTROL_LIMIT>>;

fn config() -> Config {
    bincode::config::standard()
        .with_little_endian()
        .with_fixed_int_encoding()
        .with_limit::<CONTROL_LIMIT>()
}

/// The first message each side sends on the control stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Hello {
    pub(crate) version: u16,
    pub(crate) job_hash: [u8; 32],
    /// 0 for P0, 1 for P1.
    pub(crate) role: u8,
    /// Data lanes per direction.
    pub(crate) lanes: u16,
    /// This side's contribution to the session id.
    pub(crate) nonce: [u8; 32],
}

/// Each side's verdict on the peer's hello.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Verdict {
    Accept,
    /// The code of the first field that differed ([`crate::handshake::Field`]).
    Reject(u8),
}

/// Sent by each side at close: its view of the transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CloseMsg {
    pub(crate) digest: [u8; 32],
    pub(crate) frames_sent: u64,
    pub(crate) frames_received: u64,
}

/// Everything that travels on the control stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Control {
    Hello(Hello),
    Verdict(Verdict),
    Close(CloseMsg),
    /// After the digests agreed: whether this side can put its results in
    /// place (protocol version 2).
    Commit(bool),
}

/// The message's body bytes (without the length prefix).
pub(crate) fn encode(msg: &Control) -> Result<Vec<u8>, CodecError> {
    bincode::serde::encode_to_vec(msg, config()).map_err(|e| CodecError::Malformed(e.to_string()))
}

/// Decodes one control message filling `bytes` (a handshake hello or
/// verdict, a close or commit message) and discards it: any bytes give
/// `Ok` or a typed error, never a panic (fuzzed:
/// `fuzz/fuzz_targets/control_codec.rs`).
pub fn check(bytes: &[u8]) -> Result<(), CodecError> {
    decode(bytes).map(drop)
}

/// Decodes exactly one message filling `bytes`.
pub(crate) fn decode(bytes: &[u8]) -> Result<Control, CodecError> {
    if bytes.len() > CONTROL_LIMIT {
        return Err(CodecError::TooLarge {
            len: bytes.len() as u64,
        });
    }
    let (msg, used) = bincode::serde::decode_from_slice::<Control, _>(bytes, config())
        .map_err(|e| CodecError::Malformed(e.to_string()))?;
    if used != bytes.len() {
        return Err(CodecError::Trailing(bytes.len() - used));
    }
    Ok(msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hello() -> Control {
        Control::Hello(Hello {
            version: 1,
            job_hash: [7; 32],
            role: 1,
            lanes: 4,
            nonce: [9; 32],
        })
    }

    #[test]
    fn roundtrip_and_golden_bytes() {
        let v = Control::Verdict(Verdict::Reject(2));
        let b = encode(&v).unwrap();
        assert_eq!(b, [1, 0, 0, 0, 1, 0, 0, 0, 2]);
        assert_eq!(decode(&b).unwrap(), v);
        let h = hello();
        assert_eq!(decode(&encode(&h).unwrap()).unwrap(), h);
        let c = Control::Commit(true);
        assert_eq!(encode(&c).unwrap(), [3, 0, 0, 0, 1]);
        assert!(matches!(
            decode(&[3, 0, 0, 0, 2]),
            Err(CodecError::Malformed(_))
        ));
    }

    #[test]
    fn rejects_trailing_unknown_tags_and_truncation() {
        let mut b = encode(&hello()).unwrap();
        b.push(0);
        assert!(matches!(decode(&b), Err(CodecError::Trailing(1))));
        assert!(matches!(
            decode(&[9, 0, 0, 0]),
            Err(CodecError::Malformed(_))
        ));
        assert!(matches!(decode(&b[..10]), Err(CodecError::Malformed(_))));
        assert!(matches!(
            decode(&vec![0; CONTROL_LIMIT + 1]),
            Err(CodecError::TooLarge { .. })
        ));
    }

    proptest! {
        #[test]
        fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode(&bytes);
        }
    }
}
