//! Helpers: fixtures, loading, and running both parties.

use std::path::{Path, PathBuf};

use duet_core::{Engine, InsecureDealer, MemoryChannel, Role};
use duet_stats::data::read_rows;
use duet_stats::plan::Accumulator;
use duet_stats::{
    prepare, run_prepared_with, run_study, CountingChannel, Job, LoadLog, LocalAggregates,
    LocalConfig, Phase, Plan, Policy, ProtocolError, Results, Studied, StudyError, Traffic,
};
use futures::executor::block_on;
use rand::SeedableRng;

pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

pub fn read(name: &str) -> String {
    std::fs::read_to_string(data(name)).unwrap()
}

/// The `[job]`, `[parties]` and `[data]` head of a test job, from a blank
/// first line to `max_rows` (both fingerprints zero): callers append more
/// `[data]` keys, then columns, statistics and policy, so the lines of
/// what follows keep their numbers.
pub fn job_head(name: &str, max_rows: u64) -> String {
    format!(
        "\n[job]\nname = \"{name}\"\nversion = 1\n[parties]\n\
         p0 = {{ name = \"a\", cert_sha256 = \"{z}\" }}\n\
         p1 = {{ name = \"b\", cert_sha256 = \"{z}\", address = \"127.0.0.1:4433\" }}\n\
         [data]\nmax_rows = {max_rows}\n",
        z = "0".repeat(64)
    )
}

pub fn fixture_job() -> Job {
    Job::load(&data("job.toml")).unwrap()
}

pub fn local(name: &str) -> LocalConfig {
    LocalConfig::load(&data(name)).unwrap()
}

/// Loads CSV text for `local`'s mapping and accumulates the plan.
pub fn aggregate(
    job: &Job,
    plan: &Plan,
    local: &LocalConfig,
    csv: &str,
) -> Result<(LocalAggregates, LoadLog), duet_stats::DataError> {
    let mut acc = Accumulator::new(plan);
    let log = read_rows(csv.as_bytes(), "test.csv", job, local, |r| acc.add(r))?;
    Ok((acc.finish(), log))
}

pub type Outcome = (Result<Results, ProtocolError>, Traffic);

/// Runs the study for both parties with the given effective policies.
pub fn run_pair(
    job: &Job,
    plan: &Plan,
    inputs: [&LocalAggregates; 2],
    policies: [Policy; 2],
) -> (Outcome, Outcome) {
    let (c0, c1) = MemoryChannel::pair();
    let seed = [9u8; 32];
    let mut r0 = rand_chacha::ChaCha20Rng::seed_from_u64(100);
    let mut r1 = rand_chacha::ChaCha20Rng::seed_from_u64(101);
    let mut e0 = Engine::new(
        Role::P0,
        CountingChannel::new(c0),
        InsecureDealer::new(Role::P0, seed),
        &mut r0,
    );
    let mut e1 = Engine::new(
        Role::P1,
        CountingChannel::new(c1),
        InsecureDealer::new(Role::P1, seed),
        &mut r1,
    );
    // Each side drops its engine (and so its channel) when it finishes,
    // as a process would, so a side that fails early ends its peer too.
    let [p0, p1] = policies;
    let a = async move {
        let r = run_study(&mut e0, job, plan, &p0, inputs[0]).await;
        (r, e0.into_parts().0.into_parts().1)
    };
    let b = async move {
        let r = run_study(&mut e1, job, plan, &p1, inputs[1]).await;
        (r, e1.into_parts().0.into_parts().1)
    };
    block_on(futures::future::join(a, b))
}

/// Runs the fixture job on a.csv and b.csv; checks both sides agree.
pub fn fixture_results() -> (Job, Plan, Results, Traffic) {
    let job = fixture_job();
    let plan = Plan::new(&job).unwrap();
    let (la, lb) = (local("local_a.toml"), local("local_b.toml"));
    let (a, _) = aggregate(&job, &plan, &la, &read("a.csv")).unwrap();
    let (b, _) = aggregate(&job, &plan, &lb, &read("b.csv")).unwrap();
    let p = job.policy().clone();
    let ((r0, t0), (r1, _)) = run_pair(&job, &plan, [&a, &b], [p.clone(), p]);
    let (r0, r1) = (r0.unwrap(), r1.unwrap());
    assert_eq!(r0, r1, "the parties released different results");
    (job, plan, r0, t0)
}

/// `a` and `b` agree to `rel` relative (or absolutely, near zero).
pub fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300) || (a - b).abs() < 1e-12
}

pub fn assert_close(got: f64, want: f64, what: &str) {
    assert!(close(got, want, 1e-9), "{what}: got {got}, want {want}");
}

/// Asserts two runs' statistics agree: every integer exactly, every real
/// within the stated accuracy of the models on shares (1e-6, relative to
/// 1 + |value|). Regressions and correlations are computed on shares with
/// probabilistic truncation and a ring-dependent fixed point, so two runs
/// differ in the last digits; every other real is exact either way.
pub fn assert_same_statistics<T: serde::Serialize>(a: &T, b: &T) {
    let (a, b) = (
        serde_json::to_value(a).unwrap(),
        serde_json::to_value(b).unwrap(),
    );
    same_value(&a, &b, "$");
}

fn same_value(a: &serde_json::Value, b: &serde_json::Value, at: &str) {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            let tol = duet_stats::secure::linear::ACCURACY * (1.0 + x.abs());
            assert!((x - y).abs() <= tol, "{at}: {x} != {y}");
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}");
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                same_value(x, y, &format!("{at}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{at}"
            );
            for (k, v) in x {
                same_value(v, &y[k], &format!("{at}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

/// Both parties' `run_prepared_with` of `job` over the in-memory channel
/// (dealer triples), each side calling its own `on_phase`.
pub fn run_both(
    job: &Job,
    locals: [&LocalConfig; 2],
    on_phase: [&(dyn Fn(Phase) + Sync); 2],
) -> [Result<Studied, StudyError>; 2] {
    let p0 = prepare(job, locals[0]).unwrap();
    let p1 = prepare(job, locals[1]).unwrap();
    let (c0, c1) = MemoryChannel::pair();
    let seed = [3u8; 32];
    let mut r0 = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let mut r1 = rand_chacha::ChaCha20Rng::seed_from_u64(2);
    let mut e0 = Engine::new(Role::P0, c0, InsecureDealer::new(Role::P0, seed), &mut r0);
    let mut e1 = Engine::new(Role::P1, c1, InsecureDealer::new(Role::P1, seed), &mut r1);
    let sid = [7u8; 32];
    // Each engine is dropped when its side ends, so a failed side's peer
    // sees the channel close instead of waiting.
    let a = async {
        let r = run_prepared_with(&mut e0, sid, job, &p0, &mut r0, on_phase[0]).await;
        drop(e0);
        r
    };
    let b = async {
        let r = run_prepared_with(&mut e1, sid, job, &p1, &mut r1, on_phase[1]).await;
        drop(e1);
        r
    };
    let (x, y) = block_on(futures::future::join(a, b));
    [x, y]
}
