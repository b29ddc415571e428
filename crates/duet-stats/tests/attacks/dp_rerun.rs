//! Leak 6: a DP job re-run draws fresh noise, and the average of k runs
//! converges to the exact value. The release ledger's lifetime budget
//! refuses the run that would take the dataset past it, so the operator's
//! loop stops long before the average gives the count away.

use super::common::{csv, job_text, run_seeded};
use super::ledger_operator::Operator;

const COLUMNS: &str = r#"
[[column]]
name = "sbp"
kind = "integer"
min = 50
max = 260
"#;

const STATS: &str = "[[statistic]]\nkind = \"count\"\n";

const POLICY: &str = "[policy]\nmin_cell = 10\nmin_group = 10\ndp = { epsilon = 1.0 }\n";

/// The exact pooled count the attacker wants.
const TRUTH: u64 = 37;

#[test]
fn rerunning_a_dp_job_does_not_average_the_noise_away() {
    let job = duet_stats::Job::from_toml_str(&job_text(COLUMNS, STATS, POLICY)).unwrap();
    let a = csv("sbp", &[("120", 20)]);
    let b = csv("sbp", &[("130", 17)]);
    let dir = tempfile::tempdir().unwrap();
    let operator = Operator::new(dir.path());
    // Runs needed for the mean's standard error to be a tenth (then it
    // rounds to the exact count all but once in 10^6).
    let first = run_seeded(&job, &a, &b, 1);
    let sd = first.statistic(0).unwrap().noise[0].total_sd;
    let needed = ((sd / 0.1).powi(2)).ceil() as u64;
    let epsilon = first.dp.as_ref().unwrap().epsilon_spent;
    let mut noisy = Vec::new();
    for seed in 1..=needed {
        if !operator.may_run(epsilon) {
            break;
        }
        let res = run_seeded(&job, &a, &b, seed);
        operator.record(&res);
        noisy.push(res.statistic(0).unwrap().cells().unwrap()[0].n.unwrap_or(0) as f64);
    }
    let runs = noisy.len() as u64;
    let mean = noisy.iter().sum::<f64>() / runs.max(1) as f64;
    assert!(
        runs < needed,
        "the operator ran the job {runs} times (noise sd {sd:.2} each); their mean {mean:.3} rounds to {} (truth {TRUTH})",
        mean.round()
    );
}

/// The ledger records a run's declared (epsilon, delta), not the float sum
/// of its per-query shares: eleven shares of 2/11 sum to 2.0000000000000004,
/// and recording that refused the third of three runs that a lifetime
/// budget of exactly 6 allows.
#[test]
fn a_budget_of_exactly_three_runs_allows_three() {
    use duet_stats::release::ledger::{Ledger, Population, Spend};
    use duet_stats::release::run_ledger::RunLedger;
    use duet_stats::release::Earlier;
    let stats = STATS.repeat(11);
    let policy = "[policy]\nmin_cell = 10\nmin_group = 10\ndp = { epsilon = 2.0 }\n";
    let job = duet_stats::Job::from_toml_str(&job_text(COLUMNS, &stats, policy)).unwrap();
    let (a, b) = (csv("sbp", &[("120", 20)]), csv("sbp", &[("130", 17)]));
    let dir = tempfile::tempdir().unwrap();
    let declared = Spend {
        epsilon: 2.0,
        delta: 0.0,
    };
    let budget = Spend {
        epsilon: 6.0,
        delta: 0.0,
    };
    let side = RunLedger {
        path: dir.path().join("a.json"),
        dataset: "a".into(),
        peer: "peer".into(),
        population: Population::Pooled,
        earlier: Earlier::default(),
        spend: declared,
        spent_before: Spend::default(),
        budget,
    };
    let allowed = || {
        let ledger = Ledger::load(&side.path).unwrap();
        ledger.check_budget("a", budget, declared).is_ok()
    };
    for (seed, want) in [(1, true), (2, true), (3, true), (4, false)] {
        assert_eq!(allowed(), want, "run {seed}");
        if want {
            let res = run_seeded(&job, &a, &b, seed);
            let spent = res.dp.as_ref().unwrap().epsilon_spent;
            assert!(spent > 2.0, "the shares' float sum overshoots ({spent})");
            side.record(&res).unwrap();
        }
    }
}
