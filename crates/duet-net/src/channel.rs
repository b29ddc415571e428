//! [`QuicChannel`]: duet-core's `Channel` over the data lanes.
//!
//! Sending never waits for the peer: each frame is cut into chunks that are
//! queued to per-lane writer tasks, so both parties can send a large vector
//! before either receives. Receiving reads chunk headers and bytes straight
//! from the lanes in dealing order, checking each header before allocating.

mod closing;

use std::time::Duration;

use bytes::Bytes;
use duet_core::{Channel, ChannelError, MsgKind, Role};
use quinn::{Connection, Endpoint, RecvStream, SendStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::config::LinkConfig;
use crate::error::NetError;
use crate::frame::{chunks, Assembly, ChunkHeader, FrameError, HEADER_LEN};
use crate::handshake::read_err;
use crate::link::{connection_error, CLOSE_ABORTED};
use crate::transcript::{Digest, LinkSummary, Transcript};

type Writer = JoinHandle<Result<(), NetError>>;

/// One side of a connected duet link. Implements [`Channel`]; end it with
/// [`QuicChannel::close`] (or [`QuicChannel::abort`]); dropping it aborts.
pub struct QuicChannel {
    endpoint: Endpoint,
    pub(crate) conn: Connection,
    config: LinkConfig,
    control: (SendStream, RecvStream),
    lanes_tx: Vec<mpsc::UnboundedSender<[Bytes; 2]>>,
    writers: Vec<Writer>,
    lanes_rx: Vec<RecvStream>,
    next_send_lane: usize,
    next_recv_lane: usize,
    send_seq: u64,
    recv_seq: u64,
    transcript: Transcript,
    broken: bool,
    finished: bool,
}

impl core::fmt::Debug for QuicChannel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("QuicChannel")
            .field("peer", &self.conn.remote_address())
            .field("role", &self.transcript.role())
            .field("frames", &self.transcript.frame_counts())
            .finish()
    }
}

async fn lane_writer(
    mut stream: SendStream,
    mut rx: mpsc::UnboundedReceiver<[Bytes; 2]>,
) -> Result<(), NetError> {
    let lost = |e: quinn::WriteError| match e {
        quinn::WriteError::ConnectionLost(c) => connection_error(&c),
        other => NetError::ConnectionLost(other.to_string()),
    };
    while let Some(mut item) = rx.recv().await {
        stream.write_all_chunks(&mut item).await.map_err(lost)?;
    }
    stream
        .finish()
        .map_err(|e| NetError::ConnectionLost(e.to_string()))
}

impl QuicChannel {
    /// Opens our lanes and starts their writers.
    pub(crate) async fn start(
        endpoint: Endpoint,
        conn: Connection,
        config: &LinkConfig,
        role: Role,
        session_id: [u8; 32],
        control: (SendStream, RecvStream),
    ) -> Result<QuicChannel, NetError> {
        let mut ch = QuicChannel {
            endpoint,
            conn,
            config: config.clone(),
            control,
            lanes_tx: Vec::new(),
            writers: Vec::new(),
            lanes_rx: Vec::new(),
            next_send_lane: 0,
            next_recv_lane: 0,
            send_seq: 0,
            recv_seq: 0,
            transcript: Transcript::new(session_id, role),
            broken: false,
            finished: false,
        };
        ch.open_lanes().await?;
        Ok(ch)
    }

    async fn open_lanes(&mut self) -> Result<(), NetError> {
        for i in 0..self.config.lanes {
            let stream = self
                .conn
                .open_uni()
                .await
                .map_err(|e| connection_error(&e))?;
            let (tx, rx) = mpsc::unbounded_channel();
            let index = Bytes::copy_from_slice(&i.to_le_bytes());
            tx.send([index, Bytes::new()])
                .map_err(|_| NetError::Broken)?;
            self.lanes_tx.push(tx);
            self.writers.push(tokio::spawn(lane_writer(stream, rx)));
        }
        Ok(())
    }

    pub(crate) fn set_receive_lanes(&mut self, lanes: Vec<RecvStream>) {
        self.lanes_rx = lanes;
    }

    /// The session id both sides derived.
    pub fn session_id(&self) -> Digest {
        self.transcript.summary().session_id
    }

    /// This side's job role.
    pub fn role(&self) -> Role {
        self.transcript.role()
    }

    /// The peer's address.
    pub fn remote_address(&self) -> std::net::SocketAddr {
        self.conn.remote_address()
    }

    /// The traffic so far and the current (not yet compared) digest.
    pub fn summary(&self) -> LinkSummary {
        self.transcript.summary()
    }

    fn writer_gone(&self) -> NetError {
        match self.conn.close_reason() {
            Some(e) => connection_error(&e),
            None => NetError::ConnectionLost("a data lane writer stopped".into()),
        }
    }

    /// Queues one frame on the lanes; never waits for the peer.
    pub async fn send_frame(&mut self, kind: MsgKind, payload: Vec<u8>) -> Result<(), NetError> {
        self.usable()?;
        let len = payload.len() as u64;
        let limit = self.config.frame_limit;
        let size = self.config.chunk_size as usize;
        if len > limit || len.div_ceil(size as u64) > u64::from(u32::MAX) {
            return Err(FrameError::TooLarge { len, limit }.into());
        }
        self.broken = true;
        let data = Bytes::from(payload);
        for (index, range) in chunks(data.len(), size) {
            let h = ChunkHeader {
                kind: kind.code,
                index,
                len: range.len() as u32,
                seq: self.send_seq,
                total: len,
            };
            let lane = self.next_send_lane;
            self.next_send_lane = (lane + 1) % self.lanes_tx.len().max(1);
            let item = [Bytes::copy_from_slice(&h.encode()), data.slice(range)];
            let tx = self.lanes_tx.get(lane).ok_or(NetError::Broken)?;
            tx.send(item).map_err(|_| self.writer_gone())?;
        }
        // Let the woken writers start (tokio keeps a woken task in a slot
        // no other worker steals), then hash while they transmit.
        tokio::task::yield_now().await;
        let me = self.transcript.role();
        self.transcript.absorb(me, kind, &data);
        self.send_seq += 1;
        self.broken = false;
        Ok(())
    }

    /// Receives the next frame, of `kind` and at most `max_len` bytes,
    /// within the receive timeout.
    pub async fn recv_frame(&mut self, kind: MsgKind, max_len: usize) -> Result<Vec<u8>, NetError> {
        self.usable()?;
        self.broken = true; // until this frame is fully read
        let limit = self.config.frame_limit.min(max_len as u64);
        let t = self.config.receive_timeout;
        let payload = tokio::time::timeout(t, self.read_frame(kind, limit))
            .await
            .map_err(|_| NetError::Timeout {
                step: "receive",
                after: t,
            })?
            .map_err(|e| self.with_idle(e))?;
        self.broken = false;
        Ok(payload)
    }

    fn usable(&self) -> Result<(), NetError> {
        if self.broken {
            return Err(match self.conn.close_reason() {
                Some(e) => self.with_idle(connection_error(&e)),
                None => NetError::Broken,
            });
        }
        Ok(())
    }

    fn with_idle(&self, e: NetError) -> NetError {
        crate::link::with_idle(e, self.config.idle_timeout)
    }

    /// The next lane in dealing order and the chunk header read from it.
    async fn read_header(&mut self) -> Result<(usize, ChunkHeader), NetError> {
        let lane = self.next_recv_lane;
        self.next_recv_lane = (lane + 1) % self.lanes_rx.len().max(1);
        let stream = self.lanes_rx.get_mut(lane).ok_or(NetError::Broken)?;
        let mut b = [0u8; HEADER_LEN];
        stream
            .read_exact(&mut b)
            .await
            .map_err(read_err(HEADER_LEN))?;
        Ok((lane, ChunkHeader::decode(&b)?))
    }

    async fn read_frame(&mut self, kind: MsgKind, limit: u64) -> Result<Vec<u8>, NetError> {
        let (mut lane, mut h) = self.read_header().await?;
        if h.kind != kind.code {
            return Err(ChannelError::UnexpectedKind {
                expected: kind,
                found: h.kind,
            }
            .into());
        }
        let mut asm = Assembly::start(&h, self.recv_seq, limit)?;
        // Capacity, not zeroed bytes: the chunks are appended in order.
        let mut buf = Vec::with_capacity(asm.total() as usize);
        loop {
            let range = asm.accept(&h)?;
            if range.start != buf.len() {
                return Err(FrameError::Inconsistent.into());
            }
            let want = range.len();
            let stream = self.lanes_rx.get_mut(lane).ok_or(NetError::Broken)?;
            read_append(stream, &mut buf, want).await?;
            if asm.is_complete() {
                break;
            }
            (lane, h) = self.read_header().await?;
        }
        let peer = self.transcript.peer();
        self.transcript.absorb(peer, kind, &buf);
        self.recv_seq += 1;
        Ok(buf)
    }
}

/// Appends the next `want` bytes of `stream` to `buf`'s spare capacity,
/// with the errors of `read_exact`. Each poll copies every chunk quinn
/// holds, as `read_exact` does (taking one chunk per call with
/// `read_chunk` was slower), and no frame is zero-filled first.
async fn read_append(
    stream: &mut RecvStream,
    buf: &mut Vec<u8>,
    want: usize,
) -> Result<(), NetError> {
    use bytes::BufMut as _;
    use tokio::io::AsyncReadExt as _;
    let mut got = 0;
    while got < want {
        let n = stream
            .read_buf(&mut buf.limit(want - got))
            .await
            .map_err(|e| io_read_err(e, want))?;
        if n == 0 {
            return Err(read_err(want)(quinn::ReadExactError::FinishedEarly(got)));
        }
        got += n;
    }
    Ok(())
}

/// quinn's `AsyncRead` wraps its `ReadError` in an `io::Error`: unwrapped
/// here, so a lost connection is reported as `read_exact` reports it.
fn io_read_err(e: std::io::Error, want: usize) -> NetError {
    let text = e.to_string();
    match e
        .into_inner()
        .and_then(|i| i.downcast::<quinn::ReadError>().ok())
    {
        Some(r) => read_err(want)(quinn::ReadExactError::ReadError(*r)),
        None => NetError::ConnectionLost(text),
    }
}

impl Drop for QuicChannel {
    fn drop(&mut self) {
        if !self.finished {
            self.conn.close(CLOSE_ABORTED.into(), b"channel dropped");
            // Keep the endpoint driven until the close is out, or the peer
            // would only notice at its idle timeout.
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                let endpoint = self.endpoint.clone();
                let wait = Duration::from_secs(2).min(self.config.idle_timeout);
                rt.spawn(async move {
                    let _ = tokio::time::timeout(wait, endpoint.wait_idle()).await;
                });
            }
        }
    }
}

impl Channel for QuicChannel {
    async fn send(&mut self, kind: MsgKind, payload: Vec<u8>) -> Result<(), ChannelError> {
        self.send_frame(kind, payload)
            .await
            .map_err(ChannelError::from)
    }

    async fn recv(&mut self, kind: MsgKind, max_len: usize) -> Result<Vec<u8>, ChannelError> {
        self.recv_frame(kind, max_len)
            .await
            .map_err(ChannelError::from)
    }
}

#[cfg(feature = "test-util")]
impl QuicChannel {
    /// **Test only** (`test-util` feature): writes `bytes` on data lane
    /// `lane` as they are, bypassing framing and the transcript.
    pub fn test_util_send_raw(&mut self, lane: usize, bytes: Vec<u8>) -> Result<(), NetError> {
        let tx = self.lanes_tx.get(lane).ok_or(NetError::Broken)?;
        tx.send([Bytes::from(bytes), Bytes::new()])
            .map_err(|_| self.writer_gone())
    }

    /// **Test only** (`test-util` feature): ends all our data lanes.
    pub fn test_util_finish_lanes(&mut self) {
        self.lanes_tx.clear();
    }

    /// **Test only** (`test-util` feature): closes the connection at once
    /// with application `code` and `reason`, as a peer that found a
    /// transcript mismatch does before its Close message is read.
    pub async fn test_util_close_with(mut self, code: u32, reason: &[u8]) {
        self.shutdown(code, reason).await;
    }
}
