//! CPU time per item of OT preprocessing, both parties on their own threads
//! over the in-memory channel. On a machine shared with other work, CPU
//! time is steadier than wall time; the idle-machine wall time is about the
//! CPU time divided by the number of cores (two here).
//!
//! `cargo run --release -p duet-ot --example cpu_cost [z64|z128|and|all] [iknp|softspoken-K]`
//! (Linux: reads /proc/self/stat; prints to stderr). The second argument
//! picks the OT extension (default IKNP; SoftSpoken with `K` in 1..=8).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use duet_core::{MemoryChannel, Preprocessing, Role, Z128, Z64};
use duet_ot::{OtError, OtExtension, OtPreprocessing};
use futures::executor::block_on;
use rand::SeedableRng;

/// User plus system CPU seconds of this process so far (all threads).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let tick = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    (tick(11).unwrap_or(0.0) + tick(12).unwrap_or(0.0)) / 100.0
}

#[derive(Clone, Copy)]
enum Job {
    Z64(usize),
    Z128(usize),
    And(usize),
}

async fn run(job: Job, pre: &mut OtPreprocessing, ch: &mut MemoryChannel) -> Result<(), OtError> {
    match job {
        Job::Z64(n) => drop(pre.triples::<Z64, _>(ch, n).await?),
        Job::Z128(n) => drop(pre.triples::<Z128, _>(ch, n).await?),
        Job::And(w) => drop(pre.and_triples(ch, w).await?),
    }
    Ok(())
}

fn measure(name: &str, job: Job, items: usize, ext: OtExtension) {
    let (c0, c1) = MemoryChannel::pair();
    let party = |role: Role, mut ch: MemoryChannel| {
        std::thread::spawn(move || {
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(role.index() as u64);
            let mut pre = OtPreprocessing::new(role, [5; 32], &mut rng).with_extension(ext);
            block_on(run(Job::And(1), &mut pre, &mut ch)).unwrap();
            block_on(run(job, &mut pre, &mut ch)).unwrap();
        })
    };
    let (cpu, wall) = (cpu_seconds(), Instant::now());
    let (a, b) = (party(Role::P0, c0), party(Role::P1, c1));
    a.join().unwrap();
    b.join().unwrap();
    let (cpu, wall) = (cpu_seconds() - cpu, wall.elapsed().as_secs_f64());
    eprintln!(
        "{name} ({ext:?}): {:.0} ns CPU per item (both parties), {:.0} items/s wall",
        cpu * 1e9 / items as f64,
        items as f64 / wall
    );
}

fn main() {
    let n = 1 << 19;
    // An argument (z64, z128 or and) runs that measurement alone.
    let only = std::env::args().nth(1).unwrap_or_default();
    let wanted = |name: &str| only.is_empty() || only == "all" || only == name;
    let ext = match std::env::args()
        .nth(2)
        .as_deref()
        .and_then(|a| a.strip_prefix("softspoken-"))
    {
        Some(k) => OtExtension::SoftSpoken {
            k: k.parse().expect("softspoken-K with K in 1..=8"),
        },
        None => OtExtension::Iknp,
    };
    if wanted("z64") {
        measure("Z_2^64 triples", Job::Z64(n), n, ext);
    }
    if wanted("z128") {
        measure("Z_2^128 triples", Job::Z128(n / 4), n / 4, ext);
    }
    if wanted("and") {
        measure("AND triples", Job::And(n / 8), 64 * (n / 8), ext);
    }
}
