//! Online throughput of the engine over the in-memory channel, both parties
//! on their own threads, preprocessing (insecure dealer) done before timing.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use duet_core::{Engine, InsecureDealer, MemoryChannel, Needs, Ring, Role, Shared, Z128, Z64};
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

fn needs<R: Ring>(op: Op, n: usize) -> Needs {
    match op {
        Op::Share | Op::Open => Needs::default(),
        Op::Mul => Needs {
            triples: n,
            ..Needs::default()
        },
        Op::Ltz => Needs::for_ltz::<R>(n),
    }
}

async fn run_op<R: Ring>(e: &mut E, op: Op, x: &Shared<R>, plain: &[R]) {
    match op {
        Op::Share if e.role() == Role::P0 => drop(e.share_input(plain).await.unwrap()),
        Op::Share => drop(e.receive_input::<R>(plain.len()).await.unwrap()),
        Op::Open => drop(e.open(x).await.unwrap()),
        Op::Mul => drop(e.mul(x, x).await.unwrap()),
        Op::Ltz => drop(e.ltz(x).await.unwrap()),
    }
}

/// Wall time of one run of `op` on `n` elements, both parties in parallel.
fn timed_pair<R: Ring>(op: Op, n: usize) -> Duration {
    let (c0, c1) = MemoryChannel::pair();
    let barrier = Arc::new(Barrier::new(2));
    let party = |role: Role, ch: MemoryChannel| {
        let barrier = barrier.clone();
        std::thread::spawn(move || {
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(role.index() as u64);
            let mut e = Engine::new(role, ch, InsecureDealer::new(role, [9; 32]), &mut rng);
            let plain = duet_core::ring::random_vec::<R, _>(&mut rng, n);
            let x = Shared::from_shares(plain.clone());
            block_on(e.preprocess::<R>(needs::<R>(op, n))).unwrap();
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
        g.bench_function(format!("z64/{name}"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| timed_pair::<Z64>(op, n)).sum())
        });
    }
    for (name, op) in [("beaver-mul", Op::Mul), ("ltz", Op::Ltz)] {
        g.bench_function(format!("z128/{name}"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| timed_pair::<Z128>(op, n)).sum())
        });
    }
    g.finish();
}

criterion_group!(benches, engine_throughput);
criterion_main!(benches);
