//! Limits and timeouts of a link, with documented defaults.

use std::time::Duration;

/// Settings of one link. Both sides may differ, except that frames a side
/// sends must fit the other side's frame limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkConfig {
    pub(crate) frame_limit: u64,
    pub(crate) connect_timeout: Duration,
    pub(crate) receive_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) keep_alive: Duration,
    pub(crate) lanes: u16,
    pub(crate) chunk_size: u32,
    pub(crate) stream_window: u32,
    pub(crate) udp_buffer: usize,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            frame_limit: 1 << 30,
            connect_timeout: Duration::from_secs(10),
            receive_timeout: Duration::from_secs(120),
            idle_timeout: Duration::from_secs(30),
            keep_alive: Duration::from_secs(5),
            lanes: 4,
            chunk_size: 1 << 20,
            stream_window: 16 << 20,
            udp_buffer: 4 << 20,
        }
    }
}

impl LinkConfig {
    /// Largest frame sent or accepted, in bytes (default 1 GiB). A peer's
    /// frame header announcing more is refused before any allocation.
    pub fn frame_limit(&mut self, bytes: u64) -> &mut Self {
        self.frame_limit = bytes;
        self
    }

    /// Time allowed to establish the connection and run the handshake, and
    /// for a listener to wait for its peer (default 10 s).
    pub fn connect_timeout(&mut self, t: Duration) -> &mut Self {
        self.connect_timeout = t;
        self
    }

    /// Time allowed for one whole frame to arrive, and for the closing
    /// exchange (default 120 s). Set it above the frame limit divided by
    /// the slowest link rate expected.
    pub fn receive_timeout(&mut self, t: Duration) -> &mut Self {
        self.receive_timeout = t;
        self
    }

    /// Silence after which QUIC declares the peer gone (default 30 s); with
    /// keep-alives running this fires only if the peer stops answering.
    pub fn idle_timeout(&mut self, t: Duration) -> &mut Self {
        self.idle_timeout = t;
        self
    }

    /// Interval of keep-alive packets (default 5 s); keep it well below the
    /// idle timeout.
    pub fn keep_alive(&mut self, t: Duration) -> &mut Self {
        self.keep_alive = t;
        self
    }

    /// Data streams per direction that chunks are dealt over (default 4,
    /// at least 1). Both sides must use the same number.
    pub fn lanes(&mut self, n: u16) -> &mut Self {
        self.lanes = n.max(1);
        self
    }

    /// Largest chunk this side sends, in bytes (default 1 MiB, at least 1).
    pub fn chunk_size(&mut self, bytes: u32) -> &mut Self {
        self.chunk_size = bytes.max(1);
        self
    }

    /// QUIC receive window per stream (default 16 MiB); the connection's
    /// window is this times (lanes + 1).
    pub fn stream_window(&mut self, bytes: u32) -> &mut Self {
        self.stream_window = bytes;
        self
    }

    /// UDP socket send and receive buffer size asked of the kernel (default
    /// 4 MiB; Linux caps it at `net.core.rmem_max` / `wmem_max`). Small
    /// buffers drop packets in bursts, which QUIC reads as congestion.
    pub fn udp_buffer(&mut self, bytes: usize) -> &mut Self {
        self.udp_buffer = bytes;
        self
    }

    /// The configured frame limit.
    pub fn get_frame_limit(&self) -> u64 {
        self.frame_limit
    }

    /// The configured receive timeout.
    pub fn get_receive_timeout(&self) -> Duration {
        self.receive_timeout
    }

    pub(crate) fn transport(&self) -> Result<quinn::TransportConfig, crate::NetError> {
        let mut t = quinn::TransportConfig::default();
        let idle = quinn::IdleTimeout::try_from(self.idle_timeout)
            .map_err(|e| crate::NetError::TlsConfig(format!("idle timeout: {e}")))?;
        let window = quinn::VarInt::from_u32(self.stream_window);
        let conn_window = u64::from(self.stream_window) * (u64::from(self.lanes) + 1);
        t.max_idle_timeout(Some(idle))
            .keep_alive_interval(Some(self.keep_alive))
            .stream_receive_window(window)
            .receive_window(quinn::VarInt::from_u64(conn_window).unwrap_or(quinn::VarInt::MAX))
            .send_window(conn_window)
            .max_concurrent_uni_streams(quinn::VarInt::from_u32(u32::from(self.lanes)))
            .max_concurrent_bidi_streams(quinn::VarInt::from_u32(1));
        Ok(t)
    }
}

/// A UDP socket bound to `addr` with the configured buffer sizes.
pub(crate) fn udp_socket(
    addr: std::net::SocketAddr,
    config: &LinkConfig,
) -> Result<std::net::UdpSocket, crate::NetError> {
    use socket2::{Domain, Protocol, Socket, Type};
    let bind = |source| crate::NetError::Bind { addr, source };
    let s =
        Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP)).map_err(bind)?;
    // Best effort: a kernel refusing the size keeps its default.
    let _ = s.set_recv_buffer_size(config.udp_buffer);
    let _ = s.set_send_buffer_size(config.udp_buffer);
    if addr.is_ipv6() {
        s.set_only_v6(false).map_err(bind)?;
    }
    s.bind(&addr.into()).map_err(bind)?;
    s.set_nonblocking(true).map_err(bind)?;
    Ok(s.into())
}

/// A quinn endpoint on `addr` (a server if `server` is given).
pub(crate) fn endpoint(
    addr: std::net::SocketAddr,
    server: Option<quinn::ServerConfig>,
    config: &LinkConfig,
) -> Result<quinn::Endpoint, crate::NetError> {
    let socket = udp_socket(addr, config)?;
    let runtime = quinn::default_runtime().ok_or(crate::NetError::Bind {
        addr,
        source: std::io::Error::other("no async runtime"),
    })?;
    quinn::Endpoint::new(quinn::EndpointConfig::default(), server, socket, runtime)
        .map_err(|source| crate::NetError::Bind { addr, source })
}
