//! The duet handshake, run on the control stream right after TLS.
//!
//! Each side sends a hello (protocol version, job hash, its job role, its
//! number of data lanes and 32 fresh random bytes), reads the peer's,
//! sends its verdict and reads the peer's. Both sides check the same
//! fields, so a mismatch ends both with an error naming the field. The
//! session id hashes both nonces with the TLS exporter secret, so it is
//! fresh if either side's randomness is, and bound to this TLS session.
//!
//! What each side learns: the peer's version, job hash, role and lane
//! count (public by design), nothing else.

use core::fmt;

use duet_core::Role;
use quinn::{Connection, RecvStream, SendStream};
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest as _, Sha256};

use crate::codec::{self, CodecError, Control, Hello, Verdict, CONTROL_LIMIT};
use crate::error::NetError;
use crate::transcript::other;

/// The version of the duet wire protocol this crate speaks (2: the commit
/// exchange after the transcript digests).
pub const PROTOCOL_VERSION: u16 = 2;

/// What this side asserts about the session; the peer must agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handshake {
    /// Wire protocol version ([`PROTOCOL_VERSION`] unless testing).
    pub version: u16,
    /// Hash of the canonical job description, supplied by the caller.
    pub job_hash: [u8; 32],
    /// This side's job role; the peer must hold the other one.
    pub role: Role,
}

impl Handshake {
    /// The handshake of `role` for the job hashing to `job_hash`.
    pub fn new(job_hash: [u8; 32], role: Role) -> Handshake {
        Handshake {
            version: PROTOCOL_VERSION,
            job_hash,
            role,
        }
    }
}

/// A handshake field the two sides disagreed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Field {
    /// The protocol version.
    Version,
    /// The job hash.
    JobHash,
    /// The roles (both sides claim the same one).
    Role,
    /// The number of data lanes.
    Lanes,
}

impl Field {
    fn code(self) -> u8 {
        match self {
            Field::Version => 1,
            Field::JobHash => 2,
            Field::Role => 3,
            Field::Lanes => 4,
        }
    }

    fn from_code(c: u8) -> Option<Field> {
        [Field::Version, Field::JobHash, Field::Role, Field::Lanes]
            .into_iter()
            .find(|f| f.code() == c)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Version => "protocol version",
            Field::JobHash => "job hash",
            Field::Role => "role",
            Field::Lanes => "number of data lanes",
        })
    }
}

fn role_code(r: Role) -> u8 {
    match r {
        Role::P0 => 0,
        Role::P1 => 1,
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn mismatch(field: Field, ours: String, theirs: String) -> Option<NetError> {
    Some(NetError::HandshakeMismatch {
        field,
        ours,
        theirs,
    })
}

/// The first field on which `peer` contradicts `ours`.
fn compare(ours: &Hello, peer: &Hello) -> Option<NetError> {
    if ours.version != peer.version {
        return mismatch(
            Field::Version,
            ours.version.to_string(),
            peer.version.to_string(),
        );
    }
    if ours.job_hash != peer.job_hash {
        return mismatch(Field::JobHash, hex(&ours.job_hash), hex(&peer.job_hash));
    }
    if ours.role == peer.role || peer.role > 1 {
        let name = |r: u8| format!("P{r}");
        return mismatch(Field::Role, name(ours.role), name(peer.role));
    }
    if ours.lanes != peer.lanes {
        return mismatch(Field::Lanes, ours.lanes.to_string(), peer.lanes.to_string());
    }
    None
}

fn field_of(e: &NetError) -> Field {
    match e {
        NetError::HandshakeMismatch { field, .. } => *field,
        _ => Field::Version,
    }
}

/// Runs the handshake; returns the session id.
pub(crate) async fn run<G: RngCore + CryptoRng>(
    hs: &Handshake,
    lanes: u16,
    conn: &Connection,
    (send, recv): (&mut SendStream, &mut RecvStream),
    rng: &mut G,
) -> Result<[u8; 32], NetError> {
    let mut nonce = [0u8; 32];
    rng.fill_bytes(&mut nonce);
    let ours = Hello {
        version: hs.version,
        job_hash: hs.job_hash,
        role: role_code(hs.role),
        lanes,
        nonce,
    };
    write_control(send, &Control::Hello(ours.clone())).await?;
    let Control::Hello(peer) = read_control(recv).await? else {
        return Err(NetError::Protocol { step: "handshake" });
    };
    let verdict = compare(&ours, &peer);
    let v = match &verdict {
        None => Verdict::Accept,
        Some(e) => Verdict::Reject(field_of(e).code()),
    };
    write_control(send, &Control::Verdict(v)).await?;
    let Control::Verdict(peer_verdict) = read_control(recv).await? else {
        return Err(NetError::Protocol { step: "handshake" });
    };
    if verdict.is_some() || peer_verdict != Verdict::Accept {
        // Let our verdict reach the peer before the caller closes.
        let _ = send.finish();
        let _ = send.stopped().await;
    }
    if let Some(e) = verdict {
        return Err(e);
    }
    if let Verdict::Reject(code) = peer_verdict {
        let field = Field::from_code(code).ok_or(NetError::Protocol { step: "handshake" })?;
        return Err(NetError::PeerRejected { field });
    }
    session_id(hs, conn, &ours, &peer)
}

fn session_id(
    hs: &Handshake,
    conn: &Connection,
    ours: &Hello,
    peer: &Hello,
) -> Result<[u8; 32], NetError> {
    let mut exporter = [0u8; 32];
    conn.export_keying_material(&mut exporter, b"EXPORTER-duet/1 session", &hs.job_hash)
        .map_err(|_| NetError::Protocol {
            step: "TLS exporter",
        })?;
    let (n0, n1) = match hs.role {
        Role::P0 => (ours.nonce, peer.nonce),
        Role::P1 => (peer.nonce, ours.nonce),
    };
    debug_assert_eq!(peer.role, role_code(other(hs.role)));
    let mut h = Sha256::new();
    h.update(b"duet/1 session");
    h.update(hs.version.to_le_bytes());
    h.update(hs.job_hash);
    h.update(n0);
    h.update(n1);
    h.update(exporter);
    Ok(h.finalize().into())
}

/// Writes one length-prefixed control message.
pub(crate) async fn write_control(send: &mut SendStream, msg: &Control) -> Result<(), NetError> {
    let body = codec::encode(msg)?;
    let mut buf = (body.len() as u32).to_le_bytes().to_vec();
    buf.extend_from_slice(&body);
    send.write_all(&buf)
        .await
        .map_err(|e| NetError::ConnectionLost(e.to_string()))
}

/// Reads one length-prefixed control message, refusing lengths over the
/// limit before allocating.
pub(crate) async fn read_control(recv: &mut RecvStream) -> Result<Control, NetError> {
    let mut len = [0u8; 4];
    recv.read_exact(&mut len).await.map_err(read_err(4))?;
    let len = control_len(len)?;
    let mut body = vec![0u8; len];
    recv.read_exact(&mut body).await.map_err(read_err(len))?;
    Ok(codec::decode(&body)?)
}

/// The body length a control message's prefix announces: at most
/// [`CONTROL_LIMIT`], checked before anything is allocated for it.
fn control_len(prefix: [u8; 4]) -> Result<usize, CodecError> {
    let len = u32::from_le_bytes(prefix) as usize;
    if len > CONTROL_LIMIT {
        return Err(CodecError::TooLarge { len: len as u64 });
    }
    Ok(len)
}

/// Maps a read failure of `want` bytes: a connection loss keeps its cause.
pub(crate) fn read_err(want: usize) -> impl Fn(quinn::ReadExactError) -> NetError {
    move |e| match e {
        quinn::ReadExactError::FinishedEarly(got) => {
            NetError::Frame(crate::frame::FrameError::Truncated {
                got: got as u64,
                want: want as u64,
            })
        }
        quinn::ReadExactError::ReadError(quinn::ReadError::ConnectionLost(c)) => {
            crate::link::connection_error(&c)
        }
        quinn::ReadExactError::ReadError(other) => NetError::ConnectionLost(other.to_string()),
    }
}

#[cfg(test)]
#[path = "handshake_tests.rs"]
mod tests;
