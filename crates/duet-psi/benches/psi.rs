//! PSI throughput against the bound set by the group operations.
//!
//! For each size n (identifiers per side, half of them shared) it measures,
//! in the same run: the bound, i.e. hash-to-group plus two constant-time
//! scalar multiplications per element per side (2n elements, across cores);
//! and the cardinality protocol (both parties in this process, over the
//! in-memory channel, then over loopback QUIC with duet-net). Reports elements/s per side, bytes per element and
//! the ratio of the two. Both wall-clock and process CPU seconds are
//! reported: on a shared machine the CPU figure is the stable one, and
//! n / (CPU s / 2) is the rate both parties would reach on 2 idle cores.
//! Fixed seeds.
//!
//! `cargo bench -p duet-psi --bench psi -- 10000 100000 1000000`
//! (sizes optional, default 10000 and 100000; add `memory` or `quic` to
//! run one channel only).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;

use curve25519_dalek::scalar::Scalar;
use duet_core::MemoryChannel;
use duet_psi::group::IdHasher;
use duet_psi::{cardinality_receiver, cardinality_sender, Policy, PreparedSet, PsiConfig};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;

/// Wall and process CPU seconds of a measured step. The machine is shared,
/// so CPU seconds (all threads, both parties) are the stable figure.
#[derive(Clone, Copy)]
struct Span {
    wall: f64,
    cpu: f64,
}

/// Process CPU seconds (user + system, all threads) from /proc/self/stat.
fn cpu_now() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // Fields 14 and 15 (utime, stime) are 12 and 13 after the name; 100 ticks/s.
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / 100.0
}

struct Clock(Instant, f64);

impl Clock {
    fn start() -> Clock {
        Clock(Instant::now(), cpu_now())
    }
    fn stop(&self) -> Span {
        Span {
            wall: self.0.elapsed().as_secs_f64(),
            cpu: cpu_now() - self.1,
        }
    }
}

fn ids(n: usize, offset: usize) -> PreparedSet {
    PreparedSet::new(
        (offset..offset + n).map(|i| format!("person-{i:09}")),
        Policy::default(),
    )
    .unwrap()
}

/// Hash-to-group + 2 scalar multiplications of 2n identifiers.
fn bound(n: usize) -> Span {
    let h = IdHasher::new(&[3; 32]);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let (a, b) = (Scalar::random(&mut rng), Scalar::random(&mut rng));
    let start = Clock::start();
    let acc = (0..2 * n)
        .into_par_iter()
        .map(|i| {
            let p = h.hash(&(i as u64).to_le_bytes()) * a * b;
            p.compress().as_bytes()[0] as u64
        })
        .sum::<u64>();
    std::hint::black_box(acc);
    start.stop()
}

/// Seconds and total bytes of one cardinality run over the in-memory channel.
fn cardinality(n: usize) -> (Span, u64, usize) {
    let (x, y) = (ids(n, 0), ids(n, n / 2));
    let cfg = PsiConfig::new([5; 32], n as u64);
    let (mut c0, mut c1) = MemoryChannel::pair();
    let (mut r0, mut r1) = (ChaCha20Rng::seed_from_u64(2), ChaCha20Rng::seed_from_u64(3));
    let start = Clock::start();
    let (a, b) = futures::executor::block_on(futures::future::join(
        cardinality_receiver(&mut c0, &cfg, &x, &mut r0),
        cardinality_sender(&mut c1, &cfg, &y, &mut r1),
    ));
    let secs = start.stop();
    let count = a.unwrap().intersection;
    assert_eq!(count, b.unwrap().intersection);
    (secs, c0.bytes_sent() + c1.bytes_sent(), count)
}

/// Microseconds per operation on one thread: hash, mul, decompress, compress.
fn per_op() -> [f64; 4] {
    let n = 2_000;
    let h = IdHasher::new(&[3; 32]);
    let k = Scalar::random(&mut ChaCha20Rng::seed_from_u64(4));
    let time = |f: &mut dyn FnMut(usize)| {
        let start = Instant::now();
        (0..n).for_each(&mut *f);
        start.elapsed().as_secs_f64() * 1e6 / n as f64
    };
    let pts: Vec<_> = (0..n).map(|i| h.hash(&(i as u64).to_le_bytes())).collect();
    let enc: Vec<_> = pts.iter().map(|p| p.compress()).collect();
    [
        time(&mut |i| {
            std::hint::black_box(h.hash(&(i as u64).to_le_bytes()));
        }),
        time(&mut |i| {
            std::hint::black_box(pts[i] * k);
        }),
        time(&mut |i| {
            std::hint::black_box(enc[i].decompress());
        }),
        time(&mut |i| {
            std::hint::black_box(pts[i].compress());
        }),
    ]
}

/// Seconds and bytes of intersection-sum (shares) over the in-memory channel.
fn intersection_sum(n: usize) -> (Span, u64) {
    use duet_core::{Role, Z64};
    use duet_psi::{intersection_sum_receiver, intersection_sum_sender, SumReveal};
    let (x, y) = (ids(n, 0), ids(n, n / 2));
    let values: Vec<Z64> = (0..n as u64).map(Z64).collect();
    let cfg = PsiConfig::new([5; 32], n as u64);
    let (mut c0, mut c1) = MemoryChannel::pair();
    let (mut r0, mut r1) = (ChaCha20Rng::seed_from_u64(6), ChaCha20Rng::seed_from_u64(7));
    let start = Clock::start();
    let (a, b) = futures::executor::block_on(futures::future::join(
        async {
            let mut ot = duet_ot::OtSession::setup(&mut c0, Role::P0, [5; 32], &mut r0)
                .await
                .unwrap();
            intersection_sum_receiver::<Z64, _, _>(
                &mut c0,
                &mut ot,
                &cfg,
                &x,
                SumReveal::Open,
                &mut r0,
            )
            .await
        },
        async {
            let mut ot = duet_ot::OtSession::setup(&mut c1, Role::P1, [5; 32], &mut r1)
                .await
                .unwrap();
            intersection_sum_sender(
                &mut c1,
                &mut ot,
                &cfg,
                &y,
                &values,
                SumReveal::Open,
                &mut r1,
            )
            .await
        },
    ));
    let secs = start.stop();
    let want: u64 = (n / 2..n).map(|i| (i - n / 2) as u64).sum();
    assert_eq!(a.unwrap().sum, Some(Z64(want)));
    assert_eq!(b.unwrap().sum, Some(Z64(want)));
    (secs, c0.bytes_sent() + c1.bytes_sent())
}

/// Seconds and total payload bytes of one cardinality run over loopback
/// QUIC (duet-net, pinned mutual TLS), each party in its own task.
fn cardinality_quic(n: usize) -> (Span, u64) {
    use duet_core::Role;
    use duet_net::{dial, Handshake, Identity, LinkConfig, Listener};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let (a, b) = (
            Identity::generate("a").unwrap(),
            Identity::generate("b").unwrap(),
        );
        // In the aggregate modes the receiver waits while the sender raises
        // and sorts the whole receiver set: allow for 10^6 on a busy machine.
        let mut cfg = LinkConfig::default();
        cfg.receive_timeout(std::time::Duration::from_secs(900));
        let listener =
            Listener::bind("127.0.0.1:0".parse().unwrap(), &a, b.fingerprint(), &cfg).unwrap();
        let addr = listener.local_addr().unwrap();
        let (h0, h1) = (
            Handshake::new([1; 32], Role::P0),
            Handshake::new([1; 32], Role::P1),
        );
        let (mut r0, mut r1) = (ChaCha20Rng::seed_from_u64(8), ChaCha20Rng::seed_from_u64(9));
        let (c0, c1) = tokio::join!(
            listener.accept(&h0, &mut r0),
            dial(addr, &b, a.fingerprint(), &h1, &cfg, &mut r1)
        );
        let (mut c0, mut c1) = (c0.unwrap(), c1.unwrap());
        let psi = PsiConfig::new(c0.session_id().0, n as u64);
        let psi1 = psi.clone();
        let (x, y) = (ids(n, 0), ids(n, n / 2));
        // Each party on a blocking thread: the group operations keep a
        // thread busy for seconds, which must not stall the QUIC drivers.
        let h = tokio::runtime::Handle::current();
        let h1 = h.clone();
        let start = Clock::start();
        let ra = tokio::task::spawn_blocking(move || {
            h.block_on(async move {
                let out = cardinality_receiver(&mut c0, &psi, &x, &mut r0).await;
                (out, c0)
            })
        });
        let sa = tokio::task::spawn_blocking(move || {
            h1.block_on(async move {
                let out = cardinality_sender(&mut c1, &psi1, &y, &mut r1).await;
                (out, c1)
            })
        });
        let ((a, c0), (b, c1)) = (ra.await.unwrap(), sa.await.unwrap());
        let secs = start.stop();
        assert_eq!(a.unwrap().intersection, n - n / 2);
        assert_eq!(b.unwrap().intersection, n - n / 2);
        let (s0, s1) = tokio::join!(c0.close(), c1.close());
        let sent = |s: duet_net::LinkSummary| s.kinds.values().map(|k| k.sent.bytes).sum::<u64>();
        (secs, sent(s0.unwrap()) + sent(s1.unwrap()))
    })
}

fn row(n: usize, channel: &str, t: Span, bytes: u64, b: Span) {
    let n_f = n as f64;
    println!(
        "| {n} | {channel} | {:.2} | {:.0} | {:.2} | {:.0} | {:.1} | {:.2} | {:.0} | {:.2} |",
        t.wall,
        n_f / t.wall,
        t.cpu,
        n_f / (t.cpu / 2.0),
        bytes as f64 / n_f,
        b.cpu,
        n_f / (b.cpu / 2.0),
        b.cpu / t.cpu
    );
}

fn main() {
    let mut sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    if sizes.is_empty() {
        sizes = vec![10_000, 100_000];
    }
    println!("threads: {}", rayon::current_num_threads());
    let [hash, mul, dec, com] = per_op();
    println!("one thread, us per op: hash-to-group {hash:.1}, scalar mul {mul:.1}, decompress {dec:.1}, compress {com:.1}");
    println!("| n per side | channel | wall s | elements/s per side (wall) | CPU s | elements/s per side (CPU, 2 cores) | bytes/element | bound CPU s | bound elements/s (2 cores) | ratio (CPU) |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let args: Vec<String> = std::env::args().collect();
    let only = |c: &str| args.iter().any(|a| a == c);
    let (memory, quic) = match (only("memory"), only("quic")) {
        (false, false) => (true, true),
        pair => pair,
    };
    for &n in &sizes {
        let b = bound(n);
        if memory {
            let (t, bytes, count) = cardinality(n);
            assert_eq!(count, n - n / 2);
            row(n, "memory", t, bytes, b);
        }
        if quic {
            let (t, bytes) = cardinality_quic(n);
            row(n, "QUIC", t, bytes, b);
        }
    }
    for &n in sizes.iter().filter(|&&n| n <= 100_000) {
        let (t, bytes) = intersection_sum(n);
        println!(
            "intersection-sum (opened, memory), n = {n}: wall {:.2} s, CPU {:.2} s, {:.0} elements/s per side (CPU, 2 cores), {:.1} bytes/element",
            t.wall,
            t.cpu,
            n as f64 / (t.cpu / 2.0),
            bytes as f64 / n as f64
        );
    }
}
