//! Linear regression, everything `summary(lm)` prints: the residual
//! standard error against statsmodels on R's `cars`, and a suppressed
//! regression opening none of its model values.

use std::path::Path;

use duet_core::{Engine, InsecureDealer, MemoryChannel, Role};
use duet_stats::results::{RegressionResult, StatBody};
use duet_stats::{prepare_data, run_prepared, Job, LocalConfig, Results};
use futures::executor::block_on;
use rand::SeedableRng;

fn job(min_cell: u32) -> Job {
    Job::from_toml_str(&format!(
        r#"
[job]
name = "cars"
version = 1
[parties]
p0 = {{ name = "a", cert_sha256 = "{z}" }}
p1 = {{ name = "b", cert_sha256 = "{z}" }}
[data]
max_rows = 30
on_missing = "reject"
on_out_of_bounds = "reject"
on_unknown_level = "reject"
[[column]]
name = "speed"
kind = "integer"
min = 0
max = 30
[[column]]
name = "dist"
kind = "integer"
min = 0
max = 150
[[statistic]]
kind = "linear_regression"
y = "dist"
x = ["speed"]
[policy]
min_cell = {min_cell}
min_group = 3
max_params_ratio = 0.33
"#,
        z = "0".repeat(64)
    ))
    .unwrap()
}

fn side(name: &str) -> LocalConfig {
    let csv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/cars_kat")
        .join(name);
    let role = if name == "a.csv" { "p0" } else { "p1" };
    LocalConfig::from_toml_str(&format!(
        "role = \"{role}\"\ncsv = {csv:?}\nkey = \"k\"\ncert = \"c\"\nlisten = \"127.0.0.1:1\"\noutput_dir = \"o\"\n"
    ))
    .unwrap()
}

/// Both sides' study (25 rows each); the regression and the results.
pub(crate) fn cars(min_cell: u32) -> (RegressionResult, Results) {
    let job = job(min_cell);
    let p0 = prepare_data(&job, &side("a.csv")).unwrap();
    let p1 = prepare_data(&job, &side("b.csv")).unwrap();
    let (c0, c1) = MemoryChannel::pair();
    let seed = [6u8; 32];
    let mut r0 = rand_chacha::ChaCha20Rng::seed_from_u64(31);
    let mut r1 = rand_chacha::ChaCha20Rng::seed_from_u64(32);
    let mut e0 = Engine::new(Role::P0, c0, InsecureDealer::new(Role::P0, seed), &mut r0);
    let mut e1 = Engine::new(Role::P1, c1, InsecureDealer::new(Role::P1, seed), &mut r1);
    let sid = [7u8; 32];
    let (a, b) = block_on(futures::future::join(
        run_prepared(&mut e0, sid, &job, &p0, &mut r0),
        run_prepared(&mut e1, sid, &job, &p1, &mut r1),
    ));
    let (a, b) = (a.unwrap().results, b.unwrap().results);
    assert_eq!(a, b, "both sides release the same results");
    let StatBody::Regression(g) = &a.statistics[0].body else {
        panic!("regression")
    };
    (g.clone(), a)
}

/// statsmodels 0.15.0 `OLS(dist, [1, speed]).fit()` on R's `cars`
/// (`tests/data/cars_kat/fit.py`, output in `reference.txt` there); R's
/// `summary(lm(dist ~ speed, cars))` prints the same rounded: residual
/// standard error 15.38 on 48 degrees of freedom.
const SM_SIGMA: f64 = 15.379586748819907;
const SM_PARAMS: [f64; 2] = [-17.57909489051096, 3.9324087591240877];
const SM_BSE: [f64; 2] = [6.7584401693792415, 0.41551277665712233];
const SM_R2: f64 = 0.6510793807582509;

#[test]
fn the_residual_standard_error_matches_statsmodels_on_cars() {
    let (g, _) = cars(3);
    assert_eq!((g.n, g.residual_df), (Some(50), Some(48)));
    let sigma = g.residual_std_error.unwrap();
    assert!((sigma - SM_SIGMA).abs() < 1e-9, "{sigma} vs {SM_SIGMA}");
    assert_eq!(format!("{sigma:.2}"), "15.38");
    assert!((g.r_squared.unwrap() - SM_R2).abs() < 1e-9);
    for (c, (b, se)) in g.coefficients.iter().zip(SM_PARAMS.iter().zip(SM_BSE)) {
        assert!((c.estimate - b).abs() < 1e-9, "{c:?} vs {b}");
        assert!((c.std_error.unwrap() - se).abs() < 1e-9, "{c:?} vs {se}");
    }
}

/// Attack: with min_cell above n the regression is suppressed, and it
/// opens no model value at all (no residual standard error that, with a
/// side's own data, would tell the other side's residual sum of squares).
#[test]
fn a_suppressed_regression_opens_no_residual_standard_error() {
    let (g, results) = cars(60);
    assert!(g.suppressed);
    assert_eq!(
        (g.residual_std_error, g.residual_df, g.r_squared),
        (None, None, None)
    );
    assert!(g.coefficients.is_empty());
    assert!(
        results.disclosure.models.is_empty(),
        "{:?}",
        results.disclosure.models
    );
}
