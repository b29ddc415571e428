//! Endpoints: listening and dialling, the pinned TLS handshake, the duet
//! handshake and the data lanes, ending in a connected [`QuicChannel`].

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use quinn::{Connection, ConnectionError, Endpoint};
use rand_core::{CryptoRng, RngCore};

use crate::channel::QuicChannel;
use crate::config::LinkConfig;
use crate::error::NetError;
use crate::handshake::{self, read_err, Handshake};
use crate::identity::{Fingerprint, Identity};
use crate::tls::{client_config, server_config, Pin};

/// Application close code: clean close after the transcripts matched.
pub const CLOSE_OK: u32 = 0;
/// Application close code: the session was aborted (or the channel dropped).
pub const CLOSE_ABORTED: u32 = 1;
/// Application close code: the handshake found a mismatch.
pub const CLOSE_HANDSHAKE: u32 = 2;
/// Application close code: the transcripts differed.
pub const CLOSE_TRANSCRIPT: u32 = 3;

/// Longest a listener spends on one client's TLS handshake.
const TLS_LIMIT: Duration = Duration::from_secs(5);

/// The TLS server name the client sends; pinning ignores names.
const SERVER_NAME: &str = "duet.invalid";

/// Names the configured idle timeout in a QUIC idle-timeout error (which
/// [`connection_error`] reports with a zero duration).
pub(crate) fn with_idle(e: NetError, idle: Duration) -> NetError {
    match e {
        NetError::Timeout { step, after } if after.is_zero() => {
            NetError::Timeout { step, after: idle }
        }
        other => other,
    }
}

/// Interprets the end of a connection.
pub(crate) fn connection_error(e: &ConnectionError) -> NetError {
    match e {
        ConnectionError::ApplicationClosed(c) if c.error_code.into_inner() == 0 => {
            NetError::Channel(duet_core::ChannelError::Closed)
        }
        ConnectionError::ApplicationClosed(c) => NetError::PeerAborted {
            code: c.error_code.into_inner(),
            reason: crate::abort::describe(&c.reason),
        },
        ConnectionError::LocallyClosed => NetError::Broken,
        ConnectionError::TimedOut => NetError::Timeout {
            step: "peer silent past the idle timeout",
            after: Duration::ZERO,
        },
        ConnectionError::ConnectionClosed(c) if is_tls_alert(c.error_code) => {
            NetError::RefusedByPeer {
                reason: c.to_string(),
            }
        }
        ConnectionError::TransportError(t) if is_tls_alert(t.code) => {
            NetError::TlsHandshake(t.to_string())
        }
        other => NetError::ConnectionLost(other.to_string()),
    }
}

fn is_tls_alert(code: quinn::TransportErrorCode) -> bool {
    (0x100..0x200).contains(&u64::from(code))
}

/// A bound endpoint waiting for the one pinned peer.
#[derive(Debug)]
pub struct Listener {
    endpoint: Endpoint,
    pin: Arc<Pin>,
    config: LinkConfig,
}

impl Listener {
    /// Binds `addr` (port 0 picks a free port) with our identity, accepting
    /// only the certificate with fingerprint `peer`.
    pub fn bind(
        addr: SocketAddr,
        identity: &Identity,
        peer: Fingerprint,
        config: &LinkConfig,
    ) -> Result<Listener, NetError> {
        let pin = Pin::new(peer);
        let crypto = server_config(identity, pin.clone())?;
        let mut server = quinn::ServerConfig::with_crypto(Arc::new(crypto));
        server.transport_config(Arc::new(config.transport()?));
        let endpoint = crate::config::endpoint(addr, Some(server), config)?;
        Ok(Listener {
            endpoint,
            pin,
            config: config.clone(),
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> Result<SocketAddr, NetError> {
        self.endpoint.local_addr().map_err(|source| NetError::Io {
            path: "<udp socket>".into(),
            source,
        })
    }

    /// Waits (up to the connect timeout) for the peer, then runs the TLS
    /// and duet handshakes. The first connection attempt decides: a peer
    /// with another certificate ends this call with [`NetError::PinMismatch`].
    /// To keep waiting past strangers, loop on [`Listener::next_peer`].
    pub async fn accept<G: RngCore + CryptoRng>(
        &self,
        hs: &Handshake,
        rng: &mut G,
    ) -> Result<QuicChannel, NetError> {
        let t = self.config.connect_timeout;
        let conn = tokio::time::timeout(t, self.next_peer())
            .await
            .map_err(|_| NetError::Timeout {
                step: "waiting for the peer",
                after: t,
            })?
            .map_err(NetError::into_cause)?;
        conn.establish(hs, rng).await
    }

    /// Takes the next connection attempt and runs the TLS handshake: the
    /// pinned peer gives a [`Connected`]; anyone else (a wrong certificate,
    /// a client that refuses ours, closes or goes silent) gives
    /// [`NetError::Refused`] naming its address and certificate, and the
    /// listener stays usable. Waits as long as no one connects.
    pub async fn next_peer(&self) -> Result<Connected, NetError> {
        let incoming = self.endpoint.accept().await.ok_or(NetError::Broken)?;
        let addr = incoming.remote_address();
        // Handshakes run one at a time, so a recorded mismatch is this one's.
        let _ = self.pin.mismatch();
        let idle = self.config.idle_timeout;
        // Handshakes run one at a time: a client that starts one and goes
        // silent holds the listener for this long at most.
        let limit = self.config.connect_timeout.min(TLS_LIMIT);
        let outcome = tokio::time::timeout(limit, incoming)
            .await
            .unwrap_or(Err(ConnectionError::TimedOut));
        match outcome {
            Ok(conn) => Ok(Connected {
                endpoint: self.endpoint.clone(),
                conn,
                dialer: false,
                config: self.config.clone(),
            }),
            Err(e) => {
                let cause = self
                    .pin
                    .mismatch()
                    .unwrap_or_else(|| with_idle(connection_error(&e), idle));
                let fingerprint = match &cause {
                    NetError::PinMismatch { seen, .. } => Some(*seen),
                    _ => None,
                };
                Err(NetError::Refused {
                    addr,
                    fingerprint,
                    cause: Box::new(cause),
                })
            }
        }
    }
}

/// A QUIC connection whose TLS handshake proved the peer holds the pinned
/// certificate, before the duet handshake. From here on a failure is the
/// peer's (or the link's), not a stranger's.
#[derive(Debug)]
pub struct Connected {
    endpoint: Endpoint,
    conn: Connection,
    dialer: bool,
    config: LinkConfig,
}

impl Connected {
    /// The peer's address.
    pub fn remote_address(&self) -> SocketAddr {
        self.conn.remote_address()
    }

    /// Runs the duet handshake and opens the data lanes, bounded by the
    /// connect timeout; any failure closes the connection.
    pub async fn establish<G: RngCore + CryptoRng>(
        self,
        hs: &Handshake,
        rng: &mut G,
    ) -> Result<QuicChannel, NetError> {
        establish(self.endpoint, self.conn, self.dialer, hs, &self.config, rng).await
    }
}

/// Binds `addr`, waits for the peer and returns the connected channel.
pub async fn listen<G: RngCore + CryptoRng>(
    addr: SocketAddr,
    identity: &Identity,
    peer: Fingerprint,
    hs: &Handshake,
    config: &LinkConfig,
    rng: &mut G,
) -> Result<QuicChannel, NetError> {
    Listener::bind(addr, identity, peer, config)?
        .accept(hs, rng)
        .await
}

/// Connects to the peer at `addr`, which must present the certificate with
/// fingerprint `peer`, and returns the connected channel.
pub async fn dial<G: RngCore + CryptoRng>(
    addr: SocketAddr,
    identity: &Identity,
    peer: Fingerprint,
    hs: &Handshake,
    config: &LinkConfig,
    rng: &mut G,
) -> Result<QuicChannel, NetError> {
    connect(addr, identity, peer, config)
        .await?
        .establish(hs, rng)
        .await
}

/// Connects to the peer at `addr` and runs the TLS handshake, which the
/// peer passes only with the certificate of fingerprint `peer`. A failure
/// here ([`NetError::Connect`], [`NetError::Timeout`]) may mean the peer is
/// not up yet; one after it (in [`Connected::establish`]) is final.
pub async fn connect(
    addr: SocketAddr,
    identity: &Identity,
    peer: Fingerprint,
    config: &LinkConfig,
) -> Result<Connected, NetError> {
    let pin = Pin::new(peer);
    let mut client = quinn::ClientConfig::new(Arc::new(client_config(identity, pin.clone())?));
    client.transport_config(Arc::new(config.transport()?));
    let local: SocketAddr = match (addr.is_ipv4(), addr.ip().is_loopback()) {
        (true, true) => (Ipv4Addr::LOCALHOST, 0).into(),
        (true, false) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        (false, true) => (Ipv6Addr::LOCALHOST, 0).into(),
        (false, false) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let endpoint = crate::config::endpoint(local, None, config)?;
    let connecting = endpoint
        .connect_with(client, addr, SERVER_NAME)
        .map_err(|e| NetError::Connect(e.to_string()))?;
    let t = config.connect_timeout;
    let conn = tokio::time::timeout(t, connecting)
        .await
        .map_err(|_| NetError::Timeout {
            step: "connecting",
            after: t,
        })?
        .map_err(|e| {
            pin.mismatch()
                .unwrap_or_else(|| with_idle(connection_error(&e), config.idle_timeout))
        })?;
    Ok(Connected {
        endpoint,
        conn,
        dialer: true,
        config: config.clone(),
    })
}

/// The duet handshake and lane setup on an authenticated connection,
/// bounded by the connect timeout; any failure closes the connection.
async fn establish<G: RngCore + CryptoRng>(
    endpoint: Endpoint,
    conn: Connection,
    dialer: bool,
    hs: &Handshake,
    config: &LinkConfig,
    rng: &mut G,
) -> Result<QuicChannel, NetError> {
    let t = config.connect_timeout;
    let setup = async {
        let (mut send, mut recv) = if dialer {
            conn.open_bi().await
        } else {
            conn.accept_bi().await
        }
        .map_err(|e| connection_error(&e))?;
        let sid = handshake::run(hs, config.lanes, &conn, (&mut send, &mut recv), rng).await?;
        let lanes_rx = accept_lanes(&conn, config.lanes);
        let ch = QuicChannel::start(
            endpoint.clone(),
            conn.clone(),
            config,
            hs.role,
            sid,
            (send, recv),
        )
        .await?;
        Ok::<_, NetError>((ch, lanes_rx.await?))
    };
    match tokio::time::timeout(t, setup).await {
        Ok(Ok((mut ch, lanes))) => {
            ch.set_receive_lanes(lanes);
            Ok(ch)
        }
        Ok(Err(e)) => Err(fail(&endpoint, &conn, with_idle(e, config.idle_timeout)).await),
        Err(_) => {
            let e = NetError::Timeout {
                step: "handshake",
                after: t,
            };
            Err(fail(&endpoint, &conn, e).await)
        }
    }
}

/// Closes the connection with the code matching `e`, waits briefly for the
/// close to be sent, and returns `e`.
async fn fail(endpoint: &Endpoint, conn: &Connection, e: NetError) -> NetError {
    let code = match &e {
        NetError::HandshakeMismatch { .. } => CLOSE_HANDSHAKE,
        _ => CLOSE_ABORTED,
    };
    conn.close(code.into(), e.to_string().as_bytes());
    let _ = tokio::time::timeout(Duration::from_secs(1), endpoint.wait_idle()).await;
    e
}

/// Accepts the peer's `n` data lanes; each starts with its index (u16 LE).
async fn accept_lanes(conn: &Connection, n: u16) -> Result<Vec<quinn::RecvStream>, NetError> {
    let mut slots: Vec<Option<quinn::RecvStream>> = (0..n).map(|_| None).collect();
    for _ in 0..n {
        let mut s = conn.accept_uni().await.map_err(|e| connection_error(&e))?;
        let mut idx = [0u8; 2];
        s.read_exact(&mut idx).await.map_err(read_err(2))?;
        let i = usize::from(u16::from_le_bytes(idx));
        match slots.get_mut(i) {
            Some(slot @ None) => *slot = Some(s),
            _ => return Err(NetError::Protocol { step: "lane setup" }),
        }
    }
    Ok(slots.into_iter().flatten().collect())
}
