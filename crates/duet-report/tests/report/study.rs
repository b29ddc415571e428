//! duet-stats' study fixture (its tests/data: job.toml, a.csv, b.csv and
//! the two local settings), run for both parties over the in-memory pair,
//! so the files are written from a real study's results.

use std::path::{Path, PathBuf};

use duet_core::{Engine, InsecureDealer, MemoryChannel, Role};
use duet_stats::data::read_rows;
use duet_stats::plan::Accumulator;
use duet_stats::{run_study, CountingChannel, Job, LocalAggregates, LocalConfig, Plan, Results};
use duet_stats::{Policy, Traffic};
use futures::executor::block_on;
use rand::SeedableRng;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../duet-stats/tests/data")
        .join(name)
}

fn aggregate(job: &Job, plan: &Plan, local: &str, csv: &str) -> LocalAggregates {
    let local = LocalConfig::load(&data(local)).unwrap();
    let csv = std::fs::read_to_string(data(csv)).unwrap();
    let mut acc = Accumulator::new(plan);
    read_rows(csv.as_bytes(), "test.csv", job, &local, |r| acc.add(r)).unwrap();
    acc.finish()
}

/// Runs one side; returns its results and what crossed its channel.
async fn side(
    role: Role,
    channel: MemoryChannel,
    seed: u64,
    (job, plan, policy, input): (&Job, &Plan, &Policy, &LocalAggregates),
) -> (Results, Traffic) {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let dealer = InsecureDealer::new(role, [9u8; 32]);
    let mut e = Engine::new(role, CountingChannel::new(channel), dealer, &mut rng);
    let r = run_study(&mut e, job, plan, policy, input).await.unwrap();
    (r, e.into_parts().0.into_parts().1)
}

/// Runs the fixture job on a.csv and b.csv; checks both sides agree and
/// returns P0's results and traffic.
pub(crate) fn fixture_results() -> (Job, Plan, Results, Traffic) {
    let job = Job::load(&data("job.toml")).unwrap();
    let plan = Plan::new(&job).unwrap();
    let a = aggregate(&job, &plan, "local_a.toml", "a.csv");
    let b = aggregate(&job, &plan, "local_b.toml", "b.csv");
    let p = job.policy().clone();
    let (c0, c1) = MemoryChannel::pair();
    let ((r0, t0), (r1, _)) = block_on(futures::future::join(
        side(Role::P0, c0, 100, (&job, &plan, &p, &a)),
        side(Role::P1, c1, 101, (&job, &plan, &p, &b)),
    ));
    assert_eq!(r0, r1, "the parties released different results");
    (job, plan, r0, t0)
}
