//! IKNP against SoftSpoken (k = 2, 4, 8) behind the same session: extended
//! random OTs one way and Z_2^64 Beaver triples, over the in-memory
//! channel, both parties on their own OS threads, fixed seeds. Bytes are
//! counted exactly (`MemoryChannel::bytes_sent`) and printed per item.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use duet_core::{MemoryChannel, Preprocessing, Role, Z64};
use duet_ot::{OtExtension, OtPreprocessing, OtSession};
use futures::executor::block_on;
use rand::SeedableRng;

const EXTENSIONS: [(&str, OtExtension); 4] = [
    ("iknp", OtExtension::Iknp),
    ("softspoken-k2", OtExtension::SoftSpoken { k: 2 }),
    ("softspoken-k4", OtExtension::SoftSpoken { k: 4 }),
    ("softspoken-k8", OtExtension::SoftSpoken { k: 8 }),
];

/// Two set-up sessions running `ext`.
fn sessions(ext: OtExtension) -> ((OtSession, MemoryChannel), (OtSession, MemoryChannel)) {
    let (mut c0, mut c1) = MemoryChannel::pair();
    let mut r0 = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let mut r1 = rand_chacha::ChaCha20Rng::seed_from_u64(2);
    let (s0, s1) = block_on(futures::future::join(
        OtSession::setup_with(&mut c0, Role::P0, [1; 32], ext, &mut r0),
        OtSession::setup_with(&mut c1, Role::P1, [1; 32], ext, &mut r1),
    ));
    ((s0.unwrap(), c0), (s1.unwrap(), c1))
}

/// `n` random OTs, P0 sending, P1 receiving, on their own threads: wall
/// time and the bytes both sent (after setup).
fn random_ots(ext: OtExtension, n: usize) -> (Duration, u64) {
    let ((mut s0, mut c0), (mut s1, mut c1)) = sessions(ext);
    let before = c0.bytes_sent() + c1.bytes_sent();
    let start = Instant::now();
    let t = std::thread::spawn(move || {
        drop(block_on(s1.random_ot_receive(&mut c1, &vec![true; n])).unwrap());
        c1.bytes_sent()
    });
    drop(block_on(s0.random_ot_send(&mut c0, n)).unwrap());
    let b1 = t.join().unwrap();
    (start.elapsed(), c0.bytes_sent() + b1 - before)
}

/// `n` Z_2^64 Beaver triples after setup: wall time and bytes both sent.
fn triples(ext: OtExtension, n: usize) -> (Duration, u64) {
    let (c0, c1) = MemoryChannel::pair();
    let barrier = Arc::new(Barrier::new(2));
    let party = |role: Role, mut ch: MemoryChannel| {
        let barrier = barrier.clone();
        std::thread::spawn(move || {
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(role.index() as u64);
            let mut pre = OtPreprocessing::new(role, [5; 32], &mut rng).with_extension(ext);
            drop(block_on(pre.triples::<Z64, _>(&mut ch, 1)).unwrap());
            let before = ch.bytes_sent();
            barrier.wait();
            let start = Instant::now();
            drop(block_on(pre.triples::<Z64, _>(&mut ch, n)).unwrap());
            (start.elapsed(), ch.bytes_sent() - before)
        })
    };
    let (t0, t1) = (party(Role::P0, c0), party(Role::P1, c1));
    let ((d0, b0), (d1, b1)) = (t0.join().unwrap(), t1.join().unwrap());
    (d0.max(d1), b0 + b1)
}

pub(crate) fn compare(c: &mut Criterion) {
    let mut g = c.benchmark_group("ot-extension");
    g.sample_size(10);
    let (n_ot, n_triples) = (1usize << 20, 1usize << 16);
    for (name, ext) in EXTENSIONS {
        let (_, bytes) = random_ots(ext, n_ot);
        let (_, tbytes) = triples(ext, n_triples);
        eprintln!(
            "{name}: {:.3} bytes per random OT, {:.1} bytes per Z_2^64 triple (both directions)",
            bytes as f64 / n_ot as f64,
            tbytes as f64 / n_triples as f64
        );
        g.throughput(Throughput::Elements(n_ot as u64));
        g.bench_function(format!("random-ot/{name}"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| random_ots(ext, n_ot).0).sum())
        });
        g.throughput(Throughput::Elements(n_triples as u64));
        g.bench_function(format!("triples-z64/{name}"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| triples(ext, n_triples).0).sum())
        });
    }
    g.finish();
}
