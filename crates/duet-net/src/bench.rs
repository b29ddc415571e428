//! Throughput over loopback QUIC, measured in one run: raw quinn bulk
//! transfer on one stream (the baseline), then duet's secure sum, where
//! each party secret-shares `n` Z_2^64 values to the other (both at once),
//! both add their shares locally and open the total.
//!
//! Nothing here prints; the bench target and the CLI format the report.

use core::convert::Infallible;
use core::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use duet_core::{
    AndPairs, AndTriples, BeaverTriples, BitOles, Channel, DaBits, Engine, LeafOts, Preprocessing,
    Ring, Role, Z64,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::config::LinkConfig;
use crate::error::NetError;
use crate::handshake::Handshake;
use crate::identity::Identity;
use crate::link::{dial, Listener};
use crate::tls::{client_config, server_config, Pin};
use crate::QuicChannel;

/// What one benchmark run measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BenchReport {
    /// Bytes moved over one raw quinn stream.
    pub raw_bytes: u64,
    /// Seconds the raw transfer took.
    pub raw_secs: f64,
    /// Values summed (both parties' inputs together).
    pub sum_values: u64,
    /// Payload bytes that crossed the link in the sum, both directions.
    pub sum_bytes: u64,
    /// Seconds from the first share to the opened total.
    pub sum_secs: f64,
    /// Process CPU seconds (all threads) of the raw transfer, where the
    /// platform reports them (Linux).
    pub raw_cpu_secs: Option<f64>,
    /// Process CPU seconds of the secure sum.
    pub sum_cpu_secs: Option<f64>,
    /// Rounds run: each figure is the median round's (raw and sum apart).
    pub rounds: usize,
}

impl BenchReport {
    /// Raw quinn rate, bytes per second.
    pub fn raw_rate(&self) -> f64 {
        self.raw_bytes as f64 / self.raw_secs
    }

    /// Secure-sum rate, values per second.
    pub fn values_per_sec(&self) -> f64 {
        self.sum_values as f64 / self.sum_secs
    }

    /// Link payload bytes per value summed.
    pub fn bytes_per_value(&self) -> f64 {
        self.sum_bytes as f64 / self.sum_values.max(1) as f64
    }

    /// The sum's byte rate over the raw rate (1.0 = as fast as raw quinn).
    pub fn ratio(&self) -> f64 {
        (self.sum_bytes as f64 / self.sum_secs) / self.raw_rate()
    }

    /// The same ratio in bytes per CPU second, which other load on the
    /// machine disturbs less than wall-clock rates.
    pub fn cpu_ratio(&self) -> Option<f64> {
        let (raw, sum) = (self.raw_cpu_secs?, self.sum_cpu_secs?);
        (raw > 0.0 && sum > 0.0)
            .then(|| (self.sum_bytes as f64 / sum) / (self.raw_bytes as f64 / raw))
    }
}

/// CPU seconds used so far by this process, from `/proc/self/stat`
/// (utime + stime at the usual 100 ticks per second); `None` elsewhere.
fn process_cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Wall and CPU seconds of `f`.
async fn timed<T>(f: impl core::future::Future<Output = T>) -> (T, f64, Option<f64>) {
    let cpu = process_cpu_secs();
    let start = Instant::now();
    let out = f.await;
    let secs = start.elapsed().as_secs_f64();
    let used = cpu.and_then(|c| Some(process_cpu_secs()? - c));
    (out, secs, used)
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mb = |b: f64| b / 1e6;
        writeln!(
            f,
            "raw quinn, one stream: {:.0} MB in {:.3} s = {:.0} MB/s",
            mb(self.raw_bytes as f64),
            self.raw_secs,
            mb(self.raw_rate())
        )?;
        writeln!(
            f,
            "secure sum: {} values in {:.3} s = {:.2} M values/s, {:.2} bytes/value, {:.0} MB/s",
            self.sum_values,
            self.sum_secs,
            self.values_per_sec() / 1e6,
            self.bytes_per_value(),
            mb(self.sum_bytes as f64 / self.sum_secs)
        )?;
        write!(f, "ratio to raw quinn: {:.2}", self.ratio())?;
        if self.rounds > 1 {
            write!(
                f,
                " (medians of {} rounds, raw and sum alternating)",
                self.rounds
            )?;
        }
        if let (Some(raw), Some(sum), Some(r)) =
            (self.raw_cpu_secs, self.sum_cpu_secs, self.cpu_ratio())
        {
            write!(
                f,
                "\nCPU seconds: raw {raw:.2}, sum {sum:.2}; ratio in bytes per CPU second: {r:.2}"
            )?;
        }
        Ok(())
    }
}

/// Preprocessing for a computation that needs none (the sum): any request
/// is answered with empty material, which the engine reports as a count error.
struct NoPreprocessing;

impl Preprocessing for NoPreprocessing {
    type Error = Infallible;

    async fn triples<R: Ring, C: Channel>(
        &mut self,
        _: &mut C,
        _: usize,
    ) -> Result<BeaverTriples<R>, Infallible> {
        Ok(BeaverTriples::empty())
    }

    async fn and_triples<C: Channel>(
        &mut self,
        _: &mut C,
        _: usize,
    ) -> Result<AndTriples, Infallible> {
        Ok(AndTriples::default())
    }

    async fn and_pairs<C: Channel>(&mut self, _: &mut C, _: usize) -> Result<AndPairs, Infallible> {
        Ok(AndPairs::empty())
    }

    async fn leaf_ots<C: Channel>(&mut self, _: &mut C, _: usize) -> Result<LeafOts, Infallible> {
        Ok(LeafOts::default())
    }

    async fn dabits<R: Ring, C: Channel>(
        &mut self,
        _: &mut C,
        _: usize,
    ) -> Result<DaBits<R>, Infallible> {
        Ok(DaBits::empty())
    }

    async fn bit_oles<R: Ring, C: Channel>(
        &mut self,
        _: &mut C,
        _: usize,
    ) -> Result<BitOles<R>, Infallible> {
        Ok(BitOles::empty())
    }
}

fn loopback() -> SocketAddr {
    (Ipv4Addr::LOCALHOST, 0).into()
}

/// The batch size the bench uses by default: 2^15 values, one 256 KiB
/// frame per batch. A step's masks, frame and received shares then stay
/// in a core's 2 MiB L2 cache: the sum took 0.56 to 0.66 CPU s in 2^15
/// batches against 0.76 to 0.82 in 2^18 (2026-11-28, alternated runs).
pub const DEFAULT_BATCH: usize = 1 << 15;

/// Runs the raw baseline and the secure sum of `n` values per party, shared
/// in frames of `batch` values (0: one frame per party), with fixed seeds;
/// needs a multi-threaded tokio runtime.
pub async fn run(n: usize, batch: usize, config: &LinkConfig) -> Result<BenchReport, NetError> {
    run_rounds(n, batch, config, 1).await
}

/// [`run`] `rounds` times (at least once), raw and sum alternating, and
/// reports the median round of each: on a shared machine a single run of
/// either can be far off (seen: the same code 0.73 to 0.98 of raw).
pub async fn run_rounds(
    n: usize,
    batch: usize,
    config: &LinkConfig,
    rounds: usize,
) -> Result<BenchReport, NetError> {
    let a = Identity::generate("bench-a")?;
    let b = Identity::generate("bench-b")?;
    let sum_bytes = 2 * (n as u64 * 8 + 8);
    let (mut raws, mut sums) = (Vec::new(), Vec::new());
    let mut link_bytes = 0;
    for _ in 0..rounds.max(1) {
        raws.push(raw_transfer(&a, &b, sum_bytes, config).await?);
        let (c0, c1) = connect(&a, &b, config).await?;
        let (sum_secs, sum_cpu_secs, c0, c1) = secure_sum(n, batch, c0, c1).await?;
        sums.push((sum_secs, sum_cpu_secs));
        let (s0, s1) = tokio::join!(c0.close(), c1.close());
        let (s0, _) = (s0?, s1?);
        let (sent, received) = s0.totals();
        link_bytes = sent.bytes + received.bytes;
    }
    let ((raw_secs, raw_cpu_secs), (sum_secs, sum_cpu_secs)) = (median(raws), median(sums));
    Ok(BenchReport {
        raw_bytes: sum_bytes,
        raw_secs,
        sum_values: 2 * n as u64,
        sum_bytes: link_bytes,
        sum_secs,
        raw_cpu_secs,
        sum_cpu_secs,
        rounds: rounds.max(1),
    })
}

/// The median by seconds of non-empty `runs` (the upper one of an even count).
fn median(mut runs: Vec<(f64, Option<f64>)>) -> (f64, Option<f64>) {
    runs.sort_by(|x, y| x.0.total_cmp(&y.0));
    runs.get(runs.len() / 2)
        .copied()
        .unwrap_or((f64::NAN, None))
}

async fn connect(
    a: &Identity,
    b: &Identity,
    config: &LinkConfig,
) -> Result<(QuicChannel, QuicChannel), NetError> {
    let job = [0xbe; 32];
    let listener = Listener::bind(loopback(), a, b.fingerprint(), config)?;
    let addr = listener.local_addr()?;
    let (h0, h1) = (Handshake::new(job, Role::P0), Handshake::new(job, Role::P1));
    let (mut r0, mut r1) = (ChaCha20Rng::seed_from_u64(1), ChaCha20Rng::seed_from_u64(2));
    let (c0, c1) = tokio::join!(
        listener.accept(&h0, &mut r0),
        dial(addr, b, a.fingerprint(), &h1, config, &mut r1)
    );
    Ok((c0?, c1?))
}

/// Batches each party shares before it receives the peer's first: two
/// gave 5% shorter sums than one on a quiet machine (median of 5 and 7
/// undisturbed runs, 2026-11-28), at the same CPU time.
const AHEAD: usize = 2;

/// One party's side of the sum: share own values in batches of `batch`
/// (one frame each up to 2^17 values; 0 = all in one), [`AHEAD`] batches
/// ahead of receiving the peer's, accumulate the local shares, open the
/// total.
async fn sum_party(
    role: Role,
    ch: QuicChannel,
    values: Vec<Z64>,
    batch: usize,
) -> Result<(Z64, QuicChannel), NetError> {
    let mut rng = ChaCha20Rng::seed_from_u64(10 + role as u64);
    let mut e = Engine::new(role, ch, NoPreprocessing, &mut rng);
    let size = if batch == 0 {
        values.len().max(1)
    } else {
        batch
    };
    let batches: Vec<&[Z64]> = values.chunks(size).collect();
    let mut acc = Z64::ZERO;
    for k in 0..batches.len() + AHEAD {
        // Share batch k, then receive the peer's batch k - AHEAD: masking
        // and hashing overlap the transfer.
        if let Some(next) = batches.get(k) {
            let mine = e.share_input(next).await?;
            acc += mine.sum().shares().first().copied().unwrap_or(Z64::ZERO);
        }
        if let Some(b) = k.checked_sub(AHEAD).and_then(|i| batches.get(i)) {
            let theirs = e.receive_input::<Z64>(b.len()).await?;
            acc += theirs.sum().shares().first().copied().unwrap_or(Z64::ZERO);
        }
    }
    let total = e.open(&duet_core::Shared::from_shares(vec![acc])).await?;
    let (ch, _) = e.into_parts();
    Ok((total.first().copied().unwrap_or(Z64::ZERO), ch))
}

async fn secure_sum(
    n: usize,
    batch: usize,
    c0: QuicChannel,
    c1: QuicChannel,
) -> Result<(f64, Option<f64>, QuicChannel, QuicChannel), NetError> {
    let xs = duet_core::ring::random_vec::<Z64, _>(&mut ChaCha20Rng::seed_from_u64(3), n);
    let ys = duet_core::ring::random_vec::<Z64, _>(&mut ChaCha20Rng::seed_from_u64(4), n);
    let want = xs.iter().chain(&ys).fold(Z64::ZERO, |acc, &v| acc + v);
    let p0 = tokio::spawn(sum_party(Role::P0, c0, xs, batch));
    let p1 = tokio::spawn(sum_party(Role::P1, c1, ys, batch));
    let ((r0, r1), secs, cpu) = timed(async { tokio::join!(p0, p1) }).await;
    let joined = |e: tokio::task::JoinError| NetError::ConnectionLost(e.to_string());
    let ((t0, c0), (t1, c1)) = (r0.map_err(joined)??, r1.map_err(joined)??);
    if t0 != want || t1 != want {
        return Err(NetError::Protocol {
            step: "bench: the opened sum differs from plaintext",
        });
    }
    Ok((secs, cpu, c0, c1))
}

/// Seconds to move `bytes` over one quinn stream with the same TLS and
/// transport settings, the receiver discarding what it reads.
async fn raw_transfer(
    a: &Identity,
    b: &Identity,
    bytes: u64,
    config: &LinkConfig,
) -> Result<(f64, Option<f64>), NetError> {
    let mut transport = config.transport()?;
    transport.max_concurrent_uni_streams(1u8.into());
    let transport = Arc::new(transport);
    let mut server =
        quinn::ServerConfig::with_crypto(Arc::new(server_config(a, Pin::new(b.fingerprint()))?));
    server.transport_config(transport.clone());
    let mut client =
        quinn::ClientConfig::new(Arc::new(client_config(b, Pin::new(a.fingerprint()))?));
    client.transport_config(transport);
    let server_ep = crate::config::endpoint(loopback(), Some(server), config)?;
    let client_ep = crate::config::endpoint(loopback(), None, config)?;
    let addr = server_ep.local_addr().map_err(|source| NetError::Bind {
        addr: loopback(),
        source,
    })?;
    let lost = |e: &dyn fmt::Display| NetError::ConnectionLost(e.to_string());
    let connecting = client_ep
        .connect_with(client, addr, "duet.invalid")
        .map_err(|e| lost(&e))?;
    let accept = async {
        let inc = server_ep.accept().await.ok_or(NetError::Broken)?;
        inc.await.map_err(|e| lost(&e))
    };
    let (sc, cc) = tokio::join!(accept, connecting);
    let (sc, cc) = (sc?, cc.map_err(|e| lost(&e))?);
    let chunk = bytes::Bytes::from(vec![0x5a; 1 << 20]);
    let send = async {
        let mut s = cc.open_uni().await.map_err(|e| lost(&e))?;
        let mut left = bytes;
        while left > 0 {
            let take = left.min(chunk.len() as u64) as usize;
            s.write_chunk(chunk.slice(..take))
                .await
                .map_err(|e| lost(&e))?;
            left -= take as u64;
        }
        s.finish().map_err(|e| lost(&e))?;
        Ok::<_, NetError>(s)
    };
    let recv = async {
        let mut r = sc.accept_uni().await.map_err(|e| lost(&e))?;
        let mut got = 0u64;
        while let Some(c) = r.read_chunk(usize::MAX, true).await.map_err(|e| lost(&e))? {
            got += c.bytes.len() as u64;
        }
        Ok::<_, NetError>(got)
    };
    let ((s, got), secs, cpu) = timed(async { tokio::join!(send, recv) }).await;
    let (_s, got) = (s?, got?);
    if got != bytes {
        return Err(NetError::Protocol {
            step: "bench: raw transfer lost bytes",
        });
    }
    cc.close(0u8.into(), b"done");
    sc.close(0u8.into(), b"done");
    client_ep.wait_idle().await;
    server_ep.wait_idle().await;
    Ok((secs, cpu))
}
