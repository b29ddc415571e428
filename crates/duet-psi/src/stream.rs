//! The ECDH exchange every mode shares, streamed chunk by chunk so that no
//! side ever holds more than one chunk of group elements: the receiver
//! keeps 16-byte match keys, the sender (in the aggregate modes) 32-byte
//! encodings, and neither keeps the points themselves.
//!
//! 1. Both send their own identifiers as `k * H(id)` in shuffled order.
//! 2. The sender raises the receiver's points to its key and returns them:
//!    in the receiver's order (join modes, so the receiver can map them back
//!    to its rows) or sorted by encoding (aggregate modes, which hides the
//!    order as well as a shuffle, since the encodings are pseudorandom to
//!    the receiver, and makes the receiver's view independent of its row order).
//! 3. The receiver raises the sender's points to its key; equal doubly
//!    blinded points are equal identifiers.

use duet_core::Channel;

use crate::error::{channel, recv_exact, PsiError};
use crate::group::{match_key, Encoded, POINT_BYTES};
use crate::kinds;
use crate::session::{chunks, Session};

/// Sends this party's blinded identifiers in its shuffled order.
async fn send_own<C: Channel>(ch: &mut C, s: &Session<'_>) -> Result<(), PsiError> {
    for (off, len) in chunks(s.order.len(), s.chunk) {
        let ids: Vec<&[u8]> = s.order[off..off + len]
            .iter()
            .map(|&i| s.set.identifier(i).unwrap_or_default())
            .collect();
        let enc = s.key.blind_ids(&s.hasher, &ids);
        ch.send(kinds::OWN_POINTS, enc.concat())
            .await
            .map_err(channel("own points"))?;
    }
    Ok(())
}

/// Receives one chunk of `len` peer points starting at `off` and raises them.
async fn recv_raised<C: Channel>(
    ch: &mut C,
    s: &Session<'_>,
    (off, len): (usize, usize),
) -> Result<Vec<Encoded>, PsiError> {
    let step = "peer points";
    let bytes = recv_exact(ch, step, kinds::OWN_POINTS, len * POINT_BYTES).await?;
    s.key.blind_peer(step, &bytes, off)
}

/// The receiver's side. Returns the match keys of the sender's points in
/// the sender's order, and of its own points as returned by the sender.
pub(crate) async fn receiver_exchange<C: Channel>(
    ch: &mut C,
    s: &Session<'_>,
) -> Result<(Vec<u128>, Vec<u128>), PsiError> {
    send_own(ch, s).await?;
    let mut peer = Vec::with_capacity(s.peer_len.min(1 << 24));
    for c in chunks(s.peer_len, s.chunk) {
        peer.extend(recv_raised(ch, s, c).await?.iter().map(match_key));
    }
    let mut returned = Vec::with_capacity(s.order.len());
    for (_, len) in chunks(s.order.len(), s.chunk) {
        let step = "returned points";
        let bytes = recv_exact(ch, step, kinds::RETURNED_POINTS, len * POINT_BYTES).await?;
        let keys = bytes.chunks_exact(POINT_BYTES).map(|b| {
            let mut e = [0u8; POINT_BYTES];
            e.copy_from_slice(b);
            match_key(&e)
        });
        returned.extend(keys);
    }
    Ok((peer, returned))
}

/// The sender's side: sends its points, then returns the receiver's raised
/// to its key, in the receiver's order or (if `sorted`) sorted.
pub(crate) async fn sender_exchange<C: Channel>(
    ch: &mut C,
    s: &Session<'_>,
    sorted: bool,
) -> Result<(), PsiError> {
    send_own(ch, s).await?;
    if !sorted {
        for c in chunks(s.peer_len, s.chunk) {
            let raised = recv_raised(ch, s, c).await?;
            send_returned(ch, &raised).await?;
        }
        return Ok(());
    }
    let mut all = Vec::with_capacity(s.peer_len.min(1 << 24));
    for c in chunks(s.peer_len, s.chunk) {
        all.extend(recv_raised(ch, s, c).await?);
    }
    all.sort_unstable();
    for part in all.chunks(s.chunk) {
        send_returned(ch, part).await?;
    }
    Ok(())
}

async fn send_returned<C: Channel>(ch: &mut C, points: &[Encoded]) -> Result<(), PsiError> {
    ch.send(kinds::RETURNED_POINTS, points.concat())
        .await
        .map_err(channel("returned points"))
}
