//! Throughput of duet-ot over the in-memory channel, both parties on their
//! own OS threads (as in duet-core's engine bench), fixed seeds; plus the
//! single-thread primitives the README's design choices were measured on.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use duet_core::{MemoryChannel, Preprocessing, Role, Z128, Z64};
use duet_ot::hash::{ShaCr, Tccr};
use duet_ot::{OtPreprocessing, OtSession};
use futures::executor::block_on;
use rand::SeedableRng;

#[derive(Clone, Copy, Debug)]
enum Job {
    BaseOts,
    Triples64(usize),
    Triples128(usize),
    And(usize),
    DaBits64(usize),
}

async fn run(job: Job, pre: &mut OtPreprocessing, ch: &mut MemoryChannel) {
    match job {
        Job::BaseOts => drop(pre.triples::<Z64, _>(ch, 1).await.unwrap()),
        Job::Triples64(n) => drop(pre.triples::<Z64, _>(ch, n).await.unwrap()),
        Job::Triples128(n) => drop(pre.triples::<Z128, _>(ch, n).await.unwrap()),
        Job::And(w) => drop(pre.and_triples(ch, w).await.unwrap()),
        Job::DaBits64(n) => drop(pre.dabits::<Z64, _>(ch, n).await.unwrap()),
    }
}

/// Wall time of `job` with both parties in parallel, after the base OTs
/// (unless the job is the base OTs), and P0's bytes sent during it.
fn timed_pair(job: Job) -> (Duration, u64) {
    let (c0, c1) = MemoryChannel::pair();
    let barrier = Arc::new(Barrier::new(2));
    let party = |role: Role, mut ch: MemoryChannel| {
        let barrier = barrier.clone();
        std::thread::spawn(move || {
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(role.index() as u64);
            let mut pre = OtPreprocessing::new(role, [5; 32], &mut rng);
            if !matches!(job, Job::BaseOts) {
                block_on(run(Job::BaseOts, &mut pre, &mut ch));
            }
            let before = ch.bytes_sent();
            barrier.wait();
            let start = Instant::now();
            block_on(run(job, &mut pre, &mut ch));
            (start.elapsed(), ch.bytes_sent() - before)
        })
    };
    let t0 = party(Role::P0, c0);
    let t1 = party(Role::P1, c1);
    let (d0, b0) = t0.join().unwrap();
    let (d1, b1) = t1.join().unwrap();
    (d0.max(d1), b0 + b1)
}

fn protocols(c: &mut Criterion) {
    let mut g = c.benchmark_group("ot-memory-channel");
    g.sample_size(10);
    let jobs = [
        ("base-ot-setup-256", Job::BaseOts, 256u64),
        ("triples-z64", Job::Triples64(1 << 18), 1 << 18),
        ("triples-z128", Job::Triples128(1 << 16), 1 << 16),
        ("and-triples", Job::And(1 << 14), 64 << 14),
        ("dabits-z64", Job::DaBits64(1 << 18), 1 << 18),
    ];
    for (name, job, items) in jobs {
        let (_, bytes) = timed_pair(job);
        eprintln!(
            "{name}: {:.1} bytes per item (both directions)",
            bytes as f64 / items as f64
        );
        g.throughput(Throughput::Elements(items));
        g.bench_function(name, |b| {
            b.iter_custom(|iters| (0..iters).map(|_| timed_pair(job).0).sum())
        });
    }
    g.finish();
}

fn hashes(c: &mut Criterion) {
    let n = 1 << 14;
    let xs: Vec<u128> = (0..n as u128).map(|i| i * 0x9e37_79b9_7f4a_7c15).collect();
    let mut out = vec![0u128; n];
    let mut g = c.benchmark_group("cr-hash");
    g.throughput(Throughput::Elements(n as u64));
    let tccr = Tccr::new(&[1; 32]);
    g.bench_function("tccr-fixed-key-aes", |b| {
        b.iter(|| tccr.hash_into(3, &xs, &mut out))
    });
    g.bench_function("sha256", |b| b.iter(|| ShaCr.hash_into(3, &xs, &mut out)));
    g.finish();
    let mut g = c.benchmark_group("transpose64");
    let mut m: [u64; 64] = core::array::from_fn(|i| (i as u64).wrapping_mul(0x9e37_79b9));
    g.throughput(Throughput::Elements(1));
    g.bench_function("duet-ot", |b| {
        b.iter(|| duet_ot::transpose::transpose64(&mut m))
    });
    g.bench_function("duet-core", |b| {
        b.iter(|| duet_core::bits::transpose64(&mut m))
    });
    g.finish();
    // One tile per call (16 words of 128 rows, 1,024 extended OTs), as the
    // extensions' groups transpose them.
    let rows: Vec<u64> = (0..128 * 16u64)
        .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
        .collect();
    let mut out = vec![0u128; 1024];
    let mut g = c.benchmark_group("transpose-tile");
    g.throughput(Throughput::Elements(1024));
    g.bench_function("128x1024", |b| {
        b.iter(|| duet_ot::transpose::transpose_128(&rows, 16, &mut out))
    });
    g.finish();
}

/// Two set-up sessions (base OTs done) on a fresh in-memory pair.
fn sessions() -> ((OtSession, MemoryChannel), (OtSession, MemoryChannel)) {
    let (mut c0, mut c1) = MemoryChannel::pair();
    let mut r0 = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let mut r1 = rand_chacha::ChaCha20Rng::seed_from_u64(2);
    let (s0, s1) = block_on(futures::future::join(
        OtSession::setup(&mut c0, Role::P0, [1; 32], &mut r0),
        OtSession::setup(&mut c1, Role::P1, [1; 32], &mut r1),
    ));
    ((s0.unwrap(), c0), (s1.unwrap(), c1))
}

/// One direction, P0 sending and P1 receiving on their own threads.
fn one_way(n: usize, product: bool) -> Duration {
    let ((mut s0, mut c0), (mut s1, mut c1)) = sessions();
    let start = Instant::now();
    let t = std::thread::spawn(move || {
        if product {
            drop(block_on(s1.product_receive(&mut c1, &vec![Z64(5); n])).unwrap());
        } else {
            drop(block_on(s1.random_ot_receive(&mut c1, &vec![true; n])).unwrap());
        }
    });
    if product {
        drop(block_on(s0.product_send(&mut c0, &vec![Z64(3); n])).unwrap());
    } else {
        drop(block_on(s0.random_ot_send(&mut c0, n)).unwrap());
    }
    t.join().unwrap();
    start.elapsed()
}

/// Extended random OTs (128-bit messages) and products, one direction.
fn one_direction(c: &mut Criterion) {
    let mut g = c.benchmark_group("ot-memory-channel");
    g.sample_size(10);
    for (name, n, product) in [
        ("random-ot", 1usize << 20, false),
        ("product-z64", 1 << 16, true),
    ] {
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(name, |b| {
            b.iter_custom(|iters| (0..iters).map(|_| one_way(n, product)).sum())
        });
    }
    g.finish();
}

mod extensions;
mod quic;

criterion_group!(
    benches,
    protocols,
    one_direction,
    hashes,
    quic::over_quic,
    extensions::compare
);
criterion_main!(benches);
