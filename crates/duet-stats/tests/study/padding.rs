//! A pooled logistic regression shares each side's rows padded to
//! `data.max_rows`: a padded fit (max_rows above the rows of either side)
//! equals the unpadded one within the stated accuracy, every message kind
//! has the same count and size whatever the row counts, and a job asking
//! for DP with a logistic fit is refused when it loads.

use std::path::Path;

use duet_core::{Engine, InsecureDealer, MemoryChannel, Role};
use duet_stats::results::{LogisticResult, StatBody};
use duet_stats::traffic::{CountingChannel, KindRow};
use duet_stats::{prepare_data, run_prepared, Job, JobError, LocalConfig, Results};
use futures::executor::block_on;
use rand::SeedableRng;

fn job(max_rows: usize, dp: &str) -> Result<Job, JobError> {
    Job::from_toml_str(&format!(
        r#"
[job]
name = "padding"
version = 1
[parties]
p0 = {{ name = "a", cert_sha256 = "{z}" }}
p1 = {{ name = "b", cert_sha256 = "{z}" }}
[data]
max_rows = {max_rows}
on_missing = "reject"
on_out_of_bounds = "reject"
on_unknown_level = "reject"
[[column]]
name = "age"
kind = "integer"
min = 18
max = 110
[[column]]
name = "bmi"
kind = "decimal"
places = 1
min = 10
max = 70
[[column]]
name = "diabetes"
kind = "category"
levels = ["no", "yes"]
[[statistic]]
kind = "logistic_regression"
y = "diabetes"
x = ["age", "bmi"]
[policy]
min_cell = 5
min_group = 5
max_params_ratio = 0.33
{dp}
"#,
        z = "0".repeat(64)
    ))
}

/// The header and the first `rows` rows of a bundled dataset, in `dir`.
fn head(dir: &Path, name: &str, rows: usize) -> LocalConfig {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets");
    let text = std::fs::read_to_string(root.join(name)).unwrap();
    let lines: Vec<&str> = text.lines().take(rows + 1).collect();
    let csv = dir.join(format!("{rows}-{name}"));
    std::fs::write(&csv, lines.join("\n") + "\n").unwrap();
    let role = if name.contains("_a") { "p0" } else { "p1" };
    LocalConfig::from_toml_str(&format!(
        "role = \"{role}\"\ncsv = {csv:?}\nkey = \"k\"\ncert = \"c\"\nlisten = \"127.0.0.1:1\"\noutput_dir = \"o\"\n"
    ))
    .unwrap()
}

/// Both sides' study with `rows` rows each; P0's results and its traffic.
fn run(max_rows: usize, rows: [usize; 2]) -> (Results, Vec<KindRow>) {
    let dir = tempfile::tempdir().unwrap();
    let job = job(max_rows, "").unwrap();
    let p0 = prepare_data(&job, &head(dir.path(), "hospital_a.csv", rows[0])).unwrap();
    let p1 = prepare_data(&job, &head(dir.path(), "hospital_b.csv", rows[1])).unwrap();
    let (c0, c1) = MemoryChannel::pair();
    let seed = [5u8; 32];
    let mut r0 = rand_chacha::ChaCha20Rng::seed_from_u64(11);
    let mut r1 = rand_chacha::ChaCha20Rng::seed_from_u64(12);
    let d0 = InsecureDealer::new(Role::P0, seed);
    let mut e0 = Engine::new(Role::P0, CountingChannel::new(c0), d0, &mut r0);
    let mut e1 = Engine::new(Role::P1, c1, InsecureDealer::new(Role::P1, seed), &mut r1);
    let sid = [9u8; 32];
    let (a, b) = block_on(futures::future::join(
        async {
            let r = run_prepared(&mut e0, sid, &job, &p0, &mut r0).await;
            let traffic = e0.channel().traffic().rows();
            drop(e0);
            (r, traffic)
        },
        async {
            let r = run_prepared(&mut e1, sid, &job, &p1, &mut r1).await;
            drop(e1);
            r
        },
    ));
    let (a, b) = (a.0.unwrap().results, (b.unwrap().results, a.1));
    assert_eq!(a, b.0, "both sides release the same results");
    (a, b.1)
}

fn fit(r: &Results) -> &LogisticResult {
    let StatBody::Logistic(fit) = &r.statistics[0].body else {
        panic!("logistic")
    };
    fit
}

#[test]
fn a_padded_fit_equals_the_unpadded_fit() {
    let (dense, _) = run(80, [80, 80]);
    let (padded, _) = run(200, [80, 80]);
    let (d, p) = (fit(&dense), fit(&padded));
    assert_eq!((d.n, p.n), (Some(160), Some(160)));
    assert_eq!(d.coefficients.len(), 3);
    // The stated accuracy, 1e-4 on the standardised scale (half-ranges:
    // age 46, bmi 30), the intercept in original units.
    for ((a, b), half) in d
        .coefficients
        .iter()
        .zip(&p.coefficients)
        .zip([1.0, 46.0, 30.0])
    {
        assert_eq!(a.term, b.term);
        assert!(
            (a.estimate - b.estimate).abs() * half < 1e-4,
            "{a:?} vs {b:?}"
        );
        assert!(
            (a.std_error - b.std_error).abs() * half < 1e-4,
            "{a:?} vs {b:?}"
        );
    }
    // Not a fit that ignores its records: age raises the odds here.
    assert!(d.coefficients[1].estimate > 0.0, "{d:?}");
}

#[test]
fn message_sizes_do_not_depend_on_the_row_counts() {
    let (even, t_even) = run(150, [90, 90]);
    let (fewer, t_fewer) = run(150, [60, 60]);
    assert!(t_even.len() > 3, "{t_even:?}");
    assert_eq!(t_even, t_fewer, "90 + 90 rows against 60 + 60");
    // Uneven, with each side's events (6 and 9) above the per-party
    // threshold the gate applies to the outcome's levels (the first 40
    // rows of hospital_a hold 4 events: that fit is withheld).
    let (uneven, t_uneven) = run(150, [64, 116]);
    assert_eq!(t_even, t_uneven, "90 + 90 rows against 64 + 116");
    let n = |r: &Results| fit(r).n;
    assert_eq!(
        (n(&even), n(&fewer), n(&uneven)),
        (Some(180), Some(120), Some(180))
    );
}

#[test]
fn dp_with_a_logistic_regression_is_refused() {
    let e = job(100, "dp = { epsilon = 1.0 }").unwrap_err();
    let JobError::BadStatistic { statistic, reason } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(statistic, "logistic_regression(diabetes ~ age + bmi)");
    assert!(
        reason.contains("cannot be released under policy.dp"),
        "{reason}"
    );
    // The same job without DP loads: the refusal is DP's.
    job(100, "").unwrap();
}
