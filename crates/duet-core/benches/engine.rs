//! Online throughput of the engine over the in-memory channel, both parties
//! on their own threads, preprocessing (insecure dealer) done before timing.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use duet_core::{Engine, InsecureDealer, MemoryChannel, Needs, Role, Shared, Z64};
use futures::executor::block_on;
use rand::SeedableRng;

type E = Engine<MemoryChannel, InsecureDealer>;

#[derive(Clone, Copy)]
enum Op {
    Share,
    Open,
    Mul,
    Ltz,
}

fn needs(op: Op, n: usize) -> Needs {
    match op {
        Op::Share | Op::Open => Needs::default(),
        Op::Mul => Needs {
            triples: n,
            ..Needs::default()
        },
        // 63 generate + 2 * 31 combine ANDs per element, 64 elements a word.
        Op::Ltz => Needs {
            and_words: 126 * n.div_ceil(64),
            dabits: n,
            ..Needs::default()
        },
    }
}

async fn run_op(e: &mut E, op: Op, x: &Shared<Z64>, plain: &[Z64]) {
    match op {
        Op::Share if e.role() == Role::P0 => drop(e.share_input(plain).await.unwrap()),
        Op::Share => drop(e.receive_input::<Z64>(plain.len()).await.unwrap()),
        Op::Open => drop(e.open(x).await.unwrap()),
        Op::Mul => drop(e.mul(x, x).await.unwrap()),
        Op::Ltz => drop(e.ltz(x).await.unwrap()),
    }
}

/// Wall time of one run of `op` on `n` elements, both parties in parallel.
fn timed_pair(op: Op, n: usize) -> Duration {
    let (c0, c1) = MemoryChannel::pair();
    let barrier = Arc::new(Barrier::new(2));
    let party = |role: Role, ch: MemoryChannel| {
        let barrier = barrier.clone();
        std::thread::spawn(move || {
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(role.index() as u64);
            let mut e = Engine::new(role, ch, InsecureDealer::new(role, [9; 32]), &mut rng);
            let plain = duet_core::ring::random_vec::<Z64, _>(&mut rng, n);
            let x = Shared::from_shares(plain.clone());
            block_on(e.preprocess::<Z64>(needs(op, n))).unwrap();
            barrier.wait();
            let start = Instant::now();
            block_on(run_op(&mut e, op, &x, &plain));
            start.elapsed()
        })
    };
    let t0 = party(Role::P0, c0);
    let t1 = party(Role::P1, c1);
    t0.join().unwrap().max(t1.join().unwrap())
}

fn engine_throughput(c: &mut Criterion) {
    let n = 1 << 20;
    let mut g = c.benchmark_group("engine-memory-channel");
    g.sample_size(10).throughput(Throughput::Elements(n as u64));
    for (name, op) in [
        ("share", Op::Share),
        ("open", Op::Open),
        ("beaver-mul", Op::Mul),
        ("ltz", Op::Ltz),
    ] {
        g.bench_function(name, |b| {
            b.iter_custom(|iters| (0..iters).map(|_| timed_pair(op, n)).sum())
        });
    }
    g.finish();
}

criterion_group!(benches, engine_throughput);
criterion_main!(benches);
