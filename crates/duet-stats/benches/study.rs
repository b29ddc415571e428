//! Throughput of the two halves of a study: streaming CSV validation into
//! local aggregates (rows/s), and the two-party protocol over the in-memory
//! channel with the test-only dealer (gated cells/s; no network, no OT).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use duet_core::{Engine, InsecureDealer, MemoryChannel, Role};
use duet_stats::data::read_rows;
use duet_stats::plan::Accumulator;
use duet_stats::{run_study, Job, LocalAggregates, LocalConfig, Plan};
use futures::executor::block_on;
use rand::{Rng, SeedableRng};

const LOCAL: &str =
    "role = \"p0\"\ncsv = \"x\"\nkey = \"k\"\ncert = \"c\"\noutput_dir = \"o\"\nlisten = \"a:1\"\n";

fn job(levels: usize) -> Job {
    let lv: Vec<String> = (0..levels).map(|i| format!("\"l{i}\"")).collect();
    let lv = lv.join(", ");
    Job::from_toml_str(&format!(
        r#"
[job]
name = "bench"
version = 1
[parties]
p0 = {{ name = "a", cert_sha256 = "{z}" }}
p1 = {{ name = "b", cert_sha256 = "{z}" }}
[data]
max_rows = 10000000
[[column]]
name = "x"
kind = "decimal"
places = 1
min = 0
max = 300
[[column]]
name = "y"
kind = "integer"
min = 0
max = 120
[[column]]
name = "g"
kind = "category"
levels = [{lv}]
[[column]]
name = "h"
kind = "category"
levels = [{lv}]
[[statistic]]
kind = "mean"
column = "x"
by = ["g"]
[[statistic]]
kind = "contingency"
columns = ["g", "h"]
[[statistic]]
kind = "linear_regression"
y = "x"
x = ["y"]
"#,
        z = "0".repeat(64)
    ))
    .unwrap()
}

fn csv(rows: usize, levels: usize, seed: u64) -> String {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let mut s = String::from("x,y,g,h\n");
    for _ in 0..rows {
        let x: u32 = rng.gen_range(0..3000);
        s += &format!(
            "{}.{},{},l{},l{}\n",
            x / 10,
            x % 10,
            rng.gen_range(0..=120),
            rng.gen_range(0..levels),
            rng.gen_range(0..levels)
        );
    }
    s
}

fn aggregate(job: &Job, plan: &Plan, text: &str) -> LocalAggregates {
    let local = LocalConfig::from_toml_str(LOCAL).unwrap();
    let mut acc = Accumulator::new(plan);
    read_rows(text.as_bytes(), "bench.csv", job, &local, |r| acc.add(r)).unwrap();
    acc.finish()
}

fn load(c: &mut Criterion) {
    let job = job(4);
    let plan = Plan::new(&job).unwrap();
    let text = csv(50_000, 4, 1);
    let mut g = c.benchmark_group("load");
    g.throughput(Throughput::Elements(50_000));
    g.bench_function("50k rows", |b| b.iter(|| aggregate(&job, &plan, &text)));
    g.finish();
}

fn study(c: &mut Criterion) {
    let mut g = c.benchmark_group("study");
    g.sample_size(10);
    for levels in [4usize, 32, 100] {
        let job = job(levels);
        let plan = Plan::new(&job).unwrap();
        let (a, b) = (
            aggregate(&job, &plan, &csv(2_000, levels, 2)),
            aggregate(&job, &plan, &csv(2_000, levels, 3)),
        );
        g.throughput(Throughput::Elements(plan.cells() as u64));
        g.bench_with_input(
            BenchmarkId::new("cells", plan.cells()),
            &plan,
            |bch, plan| bch.iter(|| run(&job, plan, &a, &b)),
        );
    }
    g.finish();
}

fn run(job: &Job, plan: &Plan, a: &LocalAggregates, b: &LocalAggregates) {
    let (c0, c1) = MemoryChannel::pair();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
    let mut e0 = Engine::new(
        Role::P0,
        c0,
        InsecureDealer::new(Role::P0, [3; 32]),
        &mut rng,
    );
    let mut e1 = Engine::new(
        Role::P1,
        c1,
        InsecureDealer::new(Role::P1, [3; 32]),
        &mut rng,
    );
    let p = job.policy().clone();
    let (r0, r1) = block_on(futures::future::join(
        run_study(&mut e0, job, plan, &p, a),
        run_study(&mut e1, job, plan, &p, b),
    ));
    r0.unwrap();
    r1.unwrap();
}

criterion_group!(benches, load, study);
criterion_main!(benches);
