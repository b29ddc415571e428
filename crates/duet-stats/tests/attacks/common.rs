//! The attacker's tools: build a job from TOML text, run both parties in
//! memory on CSV text, and read back every number the run released.
//!
//! Only `Results.revealed` and `Results.statistics` are read for the
//! attacks themselves: both exist in the code before the release gate
//! (87a55da), so each attack file compiles and runs there too.

use std::collections::BTreeMap;

use duet_core::{Engine, InsecureDealer, MemoryChannel, Role};
use duet_stats::data::read_rows;
use duet_stats::plan::Accumulator;
use duet_stats::release::Earlier;
use duet_stats::{
    prepare_data, run_prepared, run_study_with, CountingChannel, Job, LocalAggregates, LocalConfig,
    Plan, Results,
};
use futures::executor::block_on;
use rand::SeedableRng;

/// The job file's fixed head: parties and data settings.
const HEAD: &str = r#"
[job]
name = "attack"
version = 1

[parties]
p0 = { name = "hospital-a", cert_sha256 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" }
p1 = { name = "hospital-b", cert_sha256 = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100", address = "127.0.0.1:4433" }

[data]
max_rows = 100000
on_missing = "reject"
on_out_of_bounds = "reject"
on_unknown_level = "reject"
"#;

/// The policy every attack job states: thresholds of 10, nothing else
/// (valid before and after the release gate).
pub const POLICY: &str = "[policy]\nmin_cell = 10\nmin_group = 10\n";

/// Job TOML text from its columns, statistics and policy sections.
pub fn job_text(columns: &str, statistics: &str, policy: &str) -> String {
    format!("{HEAD}\n{columns}\n{statistics}\n{policy}")
}

/// Parses a job the attacker wrote (panics with the loader's message).
pub fn job(columns: &str, statistics: &str) -> Job {
    let text = job_text(columns, statistics, POLICY);
    Job::from_toml_str(&text).unwrap_or_else(|e| panic!("attack job refused: {e}\n{text}"))
}

fn local(role: &str) -> LocalConfig {
    let text = format!(
        "role = \"{role}\"\ncsv = \"{role}.csv\"\noutput_dir = \"out\"\nkey = \"k\"\ncert = \"c\"\nlisten = \"127.0.0.1:4433\"\n"
    );
    LocalConfig::from_toml_str(&text).unwrap()
}

/// One side's aggregates of `csv` (header line included).
pub fn aggregate(job: &Job, plan: &Plan, role: &str, csv: &str) -> LocalAggregates {
    let mut acc = Accumulator::new(plan);
    read_rows(csv.as_bytes(), "attack.csv", job, &local(role), |r| {
        acc.add(r)
    })
    .unwrap();
    acc.finish()
}

/// Runs `job` with p0 on `a` and p1 on `b` (CSV texts) and returns what
/// both were told (checked equal).
pub fn run(job: &Job, a: &str, b: &str) -> Results {
    run_seeded(job, a, b, 100)
}

/// [`run`] with the parties' randomness seeded from `seed` (a fresh run).
pub fn run_seeded(job: &Job, a: &str, b: &str, seed: u64) -> Results {
    let none = Earlier::default();
    run_with(job, a, b, seed, [&none, &none])
}

/// [`run_seeded`] with each side's earlier releases (from its ledger).
pub fn run_with(job: &Job, a: &str, b: &str, seed: u64, earlier: [&Earlier; 2]) -> Results {
    let plan = Plan::new(job).unwrap();
    let (la, lb) = (
        aggregate(job, &plan, "p0", a),
        aggregate(job, &plan, "p1", b),
    );
    let (c0, c1) = MemoryChannel::pair();
    let dealer = [9u8; 32];
    let mut r0 = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let mut r1 = rand_chacha::ChaCha20Rng::seed_from_u64(seed ^ 0x5eed);
    let mut e0 = Engine::new(
        Role::P0,
        CountingChannel::new(c0),
        InsecureDealer::new(Role::P0, dealer),
        &mut r0,
    );
    let mut e1 = Engine::new(
        Role::P1,
        CountingChannel::new(c1),
        InsecureDealer::new(Role::P1, dealer),
        &mut r1,
    );
    let policy = job.policy().clone();
    let (p0, p1) = (policy.clone(), policy);
    let [w0, w1] = earlier;
    let a = async move { run_study_with(&mut e0, job, &plan, &p0, &la, w0).await };
    let b = async move {
        let plan = Plan::new(job).unwrap();
        run_study_with(&mut e1, job, &plan, &p1, &lb, w1).await
    };
    let (r0, r1) = block_on(futures::future::join(a, b));
    let (r0, r1) = (r0.unwrap(), r1.unwrap());
    assert_eq!(r0, r1, "the parties were told different things");
    r0
}

/// Runs the whole study as `duet run` does, on CSV texts written to a
/// temporary folder: the gate, then the passes that read each side's
/// records again (logistic fits, robust standard errors).
pub fn run_records(job: &Job, a: &str, b: &str) -> Results {
    let dir = tempfile::tempdir().unwrap();
    let local = |role: &str, text: &str| {
        let path = dir.path().join(format!("{role}.csv"));
        std::fs::write(&path, text).unwrap();
        LocalConfig::from_toml_str(&format!(
            "role = \"{role}\"\ncsv = {path:?}\noutput_dir = \"out\"\nkey = \"k\"\ncert = \"c\"\nlisten = \"127.0.0.1:4433\"\n"
        ))
        .unwrap()
    };
    let p0 = prepare_data(job, &local("p0", a)).unwrap();
    let p1 = prepare_data(job, &local("p1", b)).unwrap();
    let (c0, c1) = MemoryChannel::pair();
    let mut r0 = rand_chacha::ChaCha20Rng::seed_from_u64(5);
    let mut r1 = rand_chacha::ChaCha20Rng::seed_from_u64(6);
    let mut e0 = Engine::new(
        Role::P0,
        c0,
        InsecureDealer::new(Role::P0, [3; 32]),
        &mut r0,
    );
    let mut e1 = Engine::new(
        Role::P1,
        c1,
        InsecureDealer::new(Role::P1, [3; 32]),
        &mut r1,
    );
    let (x, y) = block_on(futures::future::join(
        run_prepared(&mut e0, [4; 32], job, &p0, &mut r0),
        run_prepared(&mut e1, [4; 32], job, &p1, &mut r1),
    ));
    let (x, y) = (x.unwrap().results, y.unwrap().results);
    assert_eq!(x, y, "the parties were told different things");
    x
}

/// Every opened value by name (rule bits included), as exact integers.
pub fn opened(res: &Results) -> BTreeMap<String, i128> {
    res.revealed
        .iter()
        .filter_map(|r| Some((r.name.clone(), r.value.parse().ok()?)))
        .collect()
}

/// CSV text: `header`, then each row `count` times.
pub fn csv(header: &str, rows: &[(&str, usize)]) -> String {
    let mut out = format!("{header}\n");
    for (row, n) in rows {
        for _ in 0..*n {
            out.push_str(row);
            out.push('\n');
        }
    }
    out
}
