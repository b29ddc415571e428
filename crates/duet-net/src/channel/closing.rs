//! Ending a session: the transcript digests compared, the commit vote,
//! the close frame (or an abort with its category).

use std::time::Duration;

use duet_core::ChannelError;

use super::QuicChannel;
use crate::codec::{CloseMsg, Control};
use crate::error::NetError;
use crate::handshake::{read_control, write_control};
use crate::link::{connection_error, CLOSE_ABORTED, CLOSE_OK, CLOSE_TRANSCRIPT};
use crate::transcript::{Digest, LinkSummary};

impl QuicChannel {
    /// Ends the session cleanly: [`QuicChannel::agree`], then
    /// [`QuicChannel::commit`] with this side ready; returns the agreed
    /// summary, or an error if the peer was not ready.
    pub async fn close(mut self) -> Result<LinkSummary, NetError> {
        let summary = self.agree().await?;
        match self.commit(true).await? {
            true => Ok(summary),
            false => Err(NetError::PeerAborted {
                code: u64::from(CLOSE_ABORTED),
                reason: crate::abort::describe(&crate::AbortReason::Output.encode()),
            }),
        }
    }

    /// First half of closing: flushes our lanes, exchanges and compares
    /// transcript digests with the peer and returns the agreed summary. The
    /// link stays open for [`QuicChannel::commit`]. Bounded by the receive
    /// timeout; on any failure the connection is closed with an error code.
    pub async fn agree(&mut self) -> Result<LinkSummary, NetError> {
        let t = self.config.receive_timeout;
        let result = match tokio::time::timeout(t, self.exchange_digests()).await {
            Ok(r) => r,
            Err(_) => Err(NetError::Timeout {
                step: "close",
                after: t,
            }),
        };
        let result = result.map_err(|e| self.peer_found_mismatch().unwrap_or(e));
        match &result {
            Ok(_) => {}
            // The close carries our digest: should it overtake our Close
            // message, the peer still learns what we had.
            Err(NetError::TranscriptMismatch { ours, .. }) => {
                let ours = ours.clone();
                self.shutdown(CLOSE_TRANSCRIPT, ours.as_bytes()).await;
            }
            Err(_) => self.shutdown(CLOSE_ABORTED, b"close").await,
        }
        result
    }

    /// Second half of closing, after [`QuicChannel::agree`]: tells the peer
    /// whether this side can put its results in place (`ready`), learns
    /// whether the peer can, and closes the link. Returns the peer's answer:
    /// results are written only where both said yes. Bounded by the
    /// receive timeout.
    pub async fn commit(mut self, ready: bool) -> Result<bool, NetError> {
        let t = self.config.receive_timeout;
        let result = match tokio::time::timeout(t, self.vote(ready)).await {
            Ok(r) => r,
            Err(_) => Err(NetError::Timeout {
                step: "commit",
                after: t,
            }),
        };
        match &result {
            Ok(true) if ready => self.shutdown(CLOSE_OK, b"close").await,
            _ => {
                let reason = crate::AbortReason::Output.encode();
                self.shutdown(CLOSE_ABORTED, &reason).await;
            }
        }
        result
    }

    /// Ends the session at once with [`CLOSE_ABORTED`] and `reason`, which
    /// the peer reports as [`NetError::PeerAborted`].
    pub async fn abort(mut self, reason: &str) {
        self.shutdown(CLOSE_ABORTED, reason.as_bytes()).await;
    }

    /// Ends the session at once with [`CLOSE_ABORTED`] and the category
    /// `reason`, which the peer reports by name.
    pub async fn abort_with(mut self, reason: crate::AbortReason) {
        self.shutdown(CLOSE_ABORTED, &reason.encode()).await;
    }

    pub(super) async fn shutdown(&mut self, code: u32, reason: &[u8]) {
        self.finished = true;
        self.conn.close(code.into(), reason);
        // Let the close reach the peer and the socket go quiet.
        let wait = Duration::from_secs(2).min(self.config.receive_timeout);
        let _ = tokio::time::timeout(wait, self.endpoint.wait_idle()).await;
    }

    async fn exchange_digests(&mut self) -> Result<LinkSummary, NetError> {
        self.usable()?;
        self.broken = true; // until the digests are exchanged
        self.lanes_tx.clear();
        for w in self.writers.drain(..) {
            w.await
                .map_err(|e| NetError::ConnectionLost(e.to_string()))??;
        }
        let (frames_sent, frames_received) = self.transcript.frame_counts();
        let ours = self.transcript.digest();
        let msg = CloseMsg {
            digest: ours.0,
            frames_sent,
            frames_received,
        };
        let (send, recv) = &mut self.control;
        write_control(send, &Control::Close(msg)).await?;
        let theirs = match read_control(recv).await {
            Ok(Control::Close(theirs)) => theirs,
            Ok(_) => return Err(NetError::Protocol { step: "close" }),
            // The peer found a mismatch and closed before its digest was read.
            Err(e) => return Err(e),
        };
        if theirs.digest != ours.0 {
            return Err(NetError::TranscriptMismatch {
                ours: ours.to_string(),
                theirs: Digest(theirs.digest).to_string(),
            });
        }
        self.broken = false;
        Ok(self.transcript.summary())
    }

    /// The mismatch the peer found, if it closed the connection for that
    /// (its close can overtake its digest, or cut our own write short):
    /// its digest is the close reason.
    fn peer_found_mismatch(&self) -> Option<NetError> {
        let quinn::ConnectionError::ApplicationClosed(c) = self.conn.close_reason()? else {
            return None;
        };
        (c.error_code.into_inner() == u64::from(CLOSE_TRANSCRIPT)).then(|| {
            NetError::TranscriptMismatch {
                ours: self.transcript.digest().to_string(),
                theirs: crate::abort::describe(&c.reason),
            }
        })
    }

    async fn vote(&mut self, ready: bool) -> Result<bool, NetError> {
        self.usable()?;
        let (send, recv) = &mut self.control;
        write_control(send, &Control::Commit(ready)).await?;
        let Control::Commit(theirs) = read_control(recv).await? else {
            return Err(NetError::Protocol { step: "commit" });
        };
        // Finish ours, then wait for the peer's end: once both ends are
        // read, neither side needs anything more from the other.
        send.finish()
            .map_err(|e| NetError::ConnectionLost(e.to_string()))?;
        let rest = match recv.read_to_end(0).await {
            Ok(rest) => rest,
            // The peer closes only after reading our vote.
            Err(quinn::ReadToEndError::Read(quinn::ReadError::ConnectionLost(c)))
                if matches!(
                    connection_error(&c),
                    NetError::Channel(ChannelError::Closed) | NetError::PeerAborted { .. }
                ) =>
            {
                Vec::new()
            }
            Err(e) => return Err(NetError::ConnectionLost(e.to_string())),
        };
        if !rest.is_empty() {
            return Err(NetError::Protocol { step: "commit" });
        }
        // Our end must reach the peer before the connection closes.
        let _ = send.stopped().await;
        Ok(theirs)
    }
}
