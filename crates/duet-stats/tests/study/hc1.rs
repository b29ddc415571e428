//! `robust = "hc1"` on a linear regression, end to end over two parties:
//! the robust standard errors, t, p and 95% limits against statsmodels
//! (`tests/data/hc1_kat/expected.json`), the disclosure record listing
//! exactly the robust values as new, the bytes opened growing by exactly
//! those values, and the job checks of the option.

use std::path::Path;

use duet_core::{Engine, InsecureDealer, MemoryChannel, MsgKind, Role};
use duet_stats::results::{RegressionResult, StatBody};
use duet_stats::{prepare_data, run_prepared, CountingChannel, Job, LocalConfig, Results};
use futures::executor::block_on;
use rand::SeedableRng;

const COLUMNS: &str = r#"
[[column]]
name = "dose"
kind = "integer"
min = 0
max = 100
[[column]]
name = "site"
kind = "category"
levels = ["north", "south", "east"]
[[column]]
name = "response"
kind = "integer"
min = -100
max = 300
"#;

fn job_text(robust: &str, extra: &str) -> String {
    format!(
        r#"
[job]
name = "dose-site"
version = 1
[parties]
p0 = {{ name = "a", cert_sha256 = "{z}" }}
p1 = {{ name = "b", cert_sha256 = "{z}" }}
{extra}
[data]
max_rows = 60
{COLUMNS}
[[statistic]]
kind = "linear_regression"
y = "response"
x = ["dose", "site"]
{robust}
[policy]
min_cell = 5
min_group = 5
max_params_ratio = 0.33
"#,
        z = "0".repeat(64)
    )
}

fn side(name: &str) -> LocalConfig {
    let csv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/hc1_kat")
        .join(name);
    let role = if name == "a.csv" { "p0" } else { "p1" };
    LocalConfig::from_toml_str(&format!(
        "role = \"{role}\"\ncsv = {csv:?}\nkey = \"k\"\ncert = \"c\"\nlisten = \"127.0.0.1:1\"\noutput_dir = \"o\"\n"
    ))
    .unwrap()
}

/// Both sides' study; the regression, the results and the bytes P0 sent
/// in OPEN messages.
fn run(robust: bool) -> (RegressionResult, Results, u64) {
    let line = if robust { "robust = \"hc1\"" } else { "" };
    let job = Job::from_toml_str(&job_text(line, "")).unwrap();
    run_job(&job, side("a.csv"), side("b.csv"))
}

fn run_job(job: &Job, a: LocalConfig, b: LocalConfig) -> (RegressionResult, Results, u64) {
    let p0 = prepare_data(job, &a).unwrap();
    let p1 = prepare_data(job, &b).unwrap();
    let (c0, c1) = MemoryChannel::pair();
    let seed = [6u8; 32];
    let mut r0 = rand_chacha::ChaCha20Rng::seed_from_u64(41);
    let mut r1 = rand_chacha::ChaCha20Rng::seed_from_u64(42);
    let d0 = InsecureDealer::new(Role::P0, seed);
    let d1 = InsecureDealer::new(Role::P1, seed);
    let mut e0 = Engine::new(Role::P0, CountingChannel::new(c0), d0, &mut r0);
    let mut e1 = Engine::new(Role::P1, CountingChannel::new(c1), d1, &mut r1);
    let sid = [7u8; 32];
    let (a, b) = block_on(futures::future::join(
        run_prepared(&mut e0, sid, job, &p0, &mut r0),
        run_prepared(&mut e1, sid, job, &p1, &mut r1),
    ));
    let (a, b) = (a.unwrap().results, b.unwrap().results);
    assert_eq!(a, b, "both sides release the same results");
    let open = e0
        .into_parts()
        .0
        .into_parts()
        .1
        .get(MsgKind::OPEN)
        .sent_bytes;
    let StatBody::Regression(g) = &a.statistics[0].body else {
        panic!("regression")
    };
    (g.clone(), a, open)
}

fn expected_case(name: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hc1_kat/expected.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v[name].clone()
}

fn expected() -> serde_json::Value {
    expected_case("dose_site")
}

fn at(v: &serde_json::Value, i: usize) -> f64 {
    v[i].as_f64().unwrap()
}

fn close(got: f64, want: f64, rel: f64, what: &str) {
    assert!(
        (got - want).abs() <= rel * want.abs(),
        "{what}: {got} vs statsmodels {want}"
    );
}

/// statsmodels 0.15.0 `OLS(...).fit(cov_type="HC1", use_t=True)`, which is
/// `coeftest(fit, vcov = vcovHC(fit, "HC1"))` and `coefci` in R.
#[test]
fn robust_standard_errors_match_statsmodels_hc1() {
    let (g, _, _) = run(true);
    matches_statsmodels(&g, &expected());
}

fn matches_statsmodels(g: &RegressionResult, want: &serde_json::Value) {
    assert_eq!(g.robust.as_deref(), Some("hc1"));
    assert_eq!(g.robust_note, None);
    assert_eq!(g.coefficients.len(), 4);
    for (i, c) in g.coefficients.iter().enumerate() {
        let r = c.robust.as_ref().unwrap();
        assert_eq!(c.term, want["terms"][i].as_str().unwrap());
        close(c.std_error.unwrap(), at(&want["bse"], i), 1e-8, "se");
        close(r.std_error, at(&want["hc1_bse"], i), 1e-8, "robust se");
        close(r.t.unwrap(), at(&want["hc1_t"], i), 1e-8, "robust t");
        close(r.p_value.unwrap(), at(&want["hc1_p"], i), 1e-6, "robust p");
        close(
            r.ci_low.unwrap(),
            at(&want["hc1_ci"][i], 0),
            1e-8,
            "robust low",
        );
        close(
            r.ci_high.unwrap(),
            at(&want["hc1_ci"][i], 1),
            1e-8,
            "robust high",
        );
    }
}

/// Nothing but the `p` robust variances (and the two recomputed flags) is
/// opened beyond the plain regression: the same released and withheld
/// values, one more model entry of `p + 2` values, and exactly `16 (p +
/// 2)` more bytes in OPEN messages (Z_2^128 values).
#[test]
fn only_the_robust_variances_are_opened_in_addition() {
    let (plain, without, open_plain) = run(false);
    let (robust, with, open_robust) = run(true);
    assert!(plain.coefficients.iter().all(|c| c.robust.is_none()));
    for (a, b) in plain.coefficients.iter().zip(&robust.coefficients) {
        assert_eq!((a.estimate, a.std_error), (b.estimate, b.std_error));
    }
    let (d0, d1) = (&without.disclosure, &with.disclosure);
    assert_eq!(d0.released, d1.released);
    assert_eq!(d0.withheld, d1.withheld);
    assert_eq!(without.revealed, with.revealed);
    assert_eq!(d1.models.len(), d0.models.len() + 1);
    assert_eq!(d1.models[..d0.models.len()], d0.models[..]);
    let added = d1.models.last().unwrap();
    assert_eq!(added.count, 6, "{added:?}");
    assert!(added.opened.contains("HC1 robust variance"), "{added:?}");
    assert_eq!(open_robust - open_plain, 16 * 6);
}

/// A suppressed regression asks for no robust pass and opens nothing.
#[test]
fn a_suppressed_regression_opens_no_robust_value() {
    let job = job_text("robust = \"hc1\"", "").replace("min_cell = 5", "min_cell = 90");
    let job = Job::from_toml_str(&job).unwrap();
    let p0 = prepare_data(&job, &side("a.csv")).unwrap();
    let p1 = prepare_data(&job, &side("b.csv")).unwrap();
    let (c0, c1) = MemoryChannel::pair();
    let mut r0 = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let mut r1 = rand_chacha::ChaCha20Rng::seed_from_u64(2);
    let mut e0 = Engine::new(
        Role::P0,
        c0,
        InsecureDealer::new(Role::P0, [1; 32]),
        &mut r0,
    );
    let mut e1 = Engine::new(
        Role::P1,
        c1,
        InsecureDealer::new(Role::P1, [1; 32]),
        &mut r1,
    );
    let (a, _) = block_on(futures::future::join(
        run_prepared(&mut e0, [2; 32], &job, &p0, &mut r0),
        run_prepared(&mut e1, [2; 32], &job, &p1, &mut r1),
    ));
    let results = a.unwrap().results;
    let StatBody::Regression(g) = &results.statistics[0].body else {
        panic!("regression")
    };
    assert!(g.suppressed && g.coefficients.is_empty());
    assert!(results.disclosure.models.is_empty());
}

fn refused(robust: &str, extra: &str) -> String {
    Job::from_toml_str(&job_text(robust, extra))
        .unwrap_err()
        .to_string()
}

#[test]
fn an_unknown_robust_kind_is_refused_naming_the_statistic() {
    assert_eq!(
        refused("robust = \"hc3\"", ""),
        "linear_regression(response ~ dose + site): robust = \"hc3\" is not known; the only robust standard errors are \"hc1\" (or leave robust out)"
    );
    assert!(refused("robust = \"HC1\"", "").contains("is not known"));
    let typed = refused("robust = 1", "");
    assert!(typed.contains("invalid type"), "{typed}");
}

#[test]
fn robust_is_refused_under_dp_and_in_linked_studies() {
    let dp = "[policy.dp]\nepsilon = 1.0\n";
    let dp_job = job_text("robust = \"hc1\"", "").replace(
        "max_params_ratio = 0.33\n",
        &format!("max_params_ratio = 0.33\n{dp}"),
    );
    let e = Job::from_toml_str(&dp_job).unwrap_err().to_string();
    assert!(e.starts_with("linear_regression(response ~ dose + site): robust standard errors cannot be released under policy.dp"), "{e}");
    // The same job without robust is accepted under DP.
    let plain = dp_job.replace("robust = \"hc1\"", "");
    assert!(Job::from_toml_str(&plain).is_ok());
    let link = "[link]\nreceiver = \"p0\"\np0 = [\"id\"]\np1 = [\"id\"]\n";
    let linked = job_text("robust = \"hc1\"", link)
        .replace("max = 100\n", "max = 100\nparty = \"p1\"\n")
        .replace(
            "levels = [\"north\", \"south\", \"east\"]\n",
            "levels = [\"north\", \"south\", \"east\"]\nparty = \"p1\"\n",
        )
        .replace("max = 300\n", "max = 300\nparty = \"p0\"\n");
    let e = Job::from_toml_str(&linked).unwrap_err().to_string();
    assert!(
        e.contains("a linked study splits the columns between the parties"),
        "{e}"
    );
    assert!(Job::from_toml_str(&linked.replace("robust = \"hc1\"", "")).is_ok());
}

/// Available cases (`on_missing = "drop"`): rows 3 and 17 miss `dose`
/// (side a), row 35 misses `response` (side b); the robust pass reads the
/// same 77 rows as the regression's sums (statsmodels on those rows).
#[test]
fn the_robust_pass_reads_the_rows_the_regression_used() {
    let dir = tempfile::tempdir().unwrap();
    let blank = |name: &str, skip: usize, rows: &[(usize, usize)]| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/hc1_kat")
            .join(name);
        let text = std::fs::read_to_string(path).unwrap();
        let lines: Vec<String> = text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                let mut f: Vec<&str> = l.split(',').collect();
                for &(row, field) in rows {
                    if i == row + 1 - skip {
                        f[field] = "NA";
                    }
                }
                f.join(",")
            })
            .collect();
        let out = dir.path().join(name);
        std::fs::write(&out, lines.join("\n") + "\n").unwrap();
        let role = if name == "a.csv" { "p0" } else { "p1" };
        LocalConfig::from_toml_str(&format!(
            "role = \"{role}\"\ncsv = {out:?}\nkey = \"k\"\ncert = \"c\"\nlisten = \"127.0.0.1:1\"\noutput_dir = \"o\"\n"
        ))
        .unwrap()
    };
    let a = blank("a.csv", 0, &[(3, 0), (17, 0)]);
    let b = blank("b.csv", 30, &[(35, 2)]);
    let text = job_text("robust = \"hc1\"", "")
        .replace("max_rows = 60\n", "max_rows = 60\non_missing = \"drop\"\n");
    let job = Job::from_toml_str(&text).unwrap();
    let (g, _, _) = run_job(&job, a, b);
    assert_eq!(g.n, Some(77));
    matches_statsmodels(&g, &expected_case("dose_site_complete"));
}
