//! Triples over loopback QUIC (duet-net), beside the raw quinn rate of the
//! same machine, which bounds what any protocol can move.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use duet_core::{Preprocessing, Role, Z128, Z64};
use duet_net::{dial, Handshake, Identity, LinkConfig, Listener, QuicChannel};
use duet_ot::OtPreprocessing;
use rand::SeedableRng;

async fn link(cfg: &LinkConfig) -> (QuicChannel, QuicChannel) {
    let (a, b) = (
        Identity::generate("a").unwrap(),
        Identity::generate("b").unwrap(),
    );
    let listener = Listener::bind(
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        &a,
        b.fingerprint(),
        cfg,
    )
    .unwrap();
    let addr = listener.local_addr().unwrap();
    let (h0, h1) = (
        Handshake::new([1; 32], Role::P0),
        Handshake::new([1; 32], Role::P1),
    );
    let mut r0 = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let mut r1 = rand_chacha::ChaCha20Rng::seed_from_u64(2);
    let (c0, c1) = tokio::join!(
        listener.accept(&h0, &mut r0),
        dial(addr, &b, a.fingerprint(), &h1, cfg, &mut r1)
    );
    (c0.unwrap(), c1.unwrap())
}

async fn party(role: Role, mut ch: QuicChannel, bits: u32, n: usize) -> (Duration, QuicChannel) {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(role.index() as u64);
    let sid = ch.session_id().0;
    let mut pre = OtPreprocessing::new(role, sid, &mut rng);
    drop(pre.triples::<Z64, _>(&mut ch, 1).await.unwrap()); // base OTs
    let start = Instant::now();
    if bits == 64 {
        drop(pre.triples::<Z64, _>(&mut ch, n).await.unwrap());
    } else {
        drop(pre.triples::<Z128, _>(&mut ch, n).await.unwrap());
    }
    (start.elapsed(), ch)
}

/// Wall time for `n` triples, both parties as tasks on one runtime, and
/// the bytes both sent during it.
async fn timed(bits: u32, n: usize) -> (Duration, u64) {
    let cfg = LinkConfig::default();
    let (c0, c1) = link(&cfg).await;
    let before = c0.summary().totals();
    let (a, b) = tokio::join!(
        tokio::spawn(party(Role::P0, c0, bits, n)),
        tokio::spawn(party(Role::P1, c1, bits, n))
    );
    let ((t0, c0), (t1, c1)) = (a.unwrap(), b.unwrap());
    let after = c0.summary().totals();
    let bytes = (after.0.bytes + after.1.bytes) - (before.0.bytes + before.1.bytes);
    let _ = tokio::join!(c0.close(), c1.close());
    (t0.max(t1), bytes)
}

/// Bytes per second the link moves when both sides send 16 MiB frames at
/// once (as the triple protocol does), counting both directions.
async fn bulk_rate() -> f64 {
    const KIND: duet_core::MsgKind = duet_core::MsgKind::new(0x02ff, "ot-bench-bulk");
    const FRAME: usize = 16 << 20;
    const FRAMES: usize = 16;
    let (c0, c1) = link(&LinkConfig::default()).await;
    let side = |mut ch: QuicChannel| async move {
        use duet_core::Channel;
        for _ in 0..FRAMES {
            ch.send(KIND, vec![7u8; FRAME]).await.unwrap();
        }
        for _ in 0..FRAMES {
            ch.recv(KIND, FRAME).await.unwrap();
        }
        ch
    };
    let start = Instant::now();
    let (a, b) = tokio::join!(tokio::spawn(side(c0)), tokio::spawn(side(c1)));
    let secs = start.elapsed().as_secs_f64();
    let _ = tokio::join!(a.unwrap().close(), b.unwrap().close());
    (2 * FRAMES * FRAME) as f64 / secs
}

pub(crate) fn over_quic(c: &mut Criterion) {
    // Each party's OT work runs on rayon from inside its task and holds a
    // worker meanwhile: with both parties in this process, two workers
    // more keep quinn's drivers moving the other batch's bytes (measured:
    // 2 workers 69 k triples/s, 4 workers 131 k/s, back to back).
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    // The median of three: on a shared machine one run can be far off,
    // and every share-of-bound figure divides by this rate.
    let mut rates: Vec<f64> = (0..3).map(|_| rt.block_on(bulk_rate())).collect();
    rates.sort_by(f64::total_cmp);
    let raw = rates[1];
    eprintln!(
        "bulk QuicChannel rate, both directions at once: {:.0} MB/s (median of {:.0}, {:.0}, {:.0})",
        raw / 1e6,
        rates[0] / 1e6,
        rates[1] / 1e6,
        rates[2] / 1e6
    );
    // The stricter bound: raw quinn on one stream, one way (duet-net's
    // baseline, moving 160 MB), median of three.
    let mut quinn: Vec<f64> = (0..3)
        .map(|_| {
            let r = rt.block_on(duet_net::bench::run(
                10_000_000,
                duet_net::bench::DEFAULT_BATCH,
                &LinkConfig::default(),
            ));
            r.unwrap().raw_rate()
        })
        .collect();
    quinn.sort_by(f64::total_cmp);
    let quinn = quinn[1];
    eprintln!(
        "raw quinn, one stream, one way: {:.0} MB/s (median of three)",
        quinn / 1e6
    );
    let mut g = c.benchmark_group("ot-loopback-quic");
    g.sample_size(10);
    for (name, bits, n) in [
        ("triples-z64", 64u32, 1usize << 18),
        ("triples-z128", 128, 1 << 16),
    ] {
        let (_, bytes) = rt.block_on(timed(bits, n));
        let per = bytes as f64 / n as f64;
        eprintln!(
            "{name}: {per:.1} bytes per triple; bandwidth bound {:.0} triples/s \
             (QuicChannel bulk), {:.0} triples/s (raw quinn)",
            raw / per,
            quinn / per
        );
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(name, |b| {
            b.iter_custom(|iters| (0..iters).map(|_| rt.block_on(timed(bits, n)).0).sum())
        });
    }
    g.finish();
}
