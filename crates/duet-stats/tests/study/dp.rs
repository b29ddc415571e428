//! Differential privacy: over many seeded runs the released counts minus
//! the true counts follow the sum of the two sides' draws (a goodness-of-fit
//! test against the exact convolution), and no job's accounting exceeds
//! its epsilon.

use duet_anon::dp::{DiscreteGaussian, DiscreteLaplace};
use duet_core::{Engine, InsecureDealer, MemoryChannel, Role};
use duet_stats::plan::Accumulator;
use duet_stats::results::StatBody;
use duet_stats::{dp, run_study, Job, Plan};
use futures::executor::block_on;
use proptest::prelude::*;
use rand::SeedableRng;
use statrs::distribution::{ChiSquared, ContinuousCDF};

const TRUE_COUNT: i64 = 200;

fn job(dp: &str, statistics: usize) -> Job {
    let stats = "[[statistic]]\nkind = \"count\"\nby = [\"g\"]\n\n".repeat(statistics);
    Job::from_toml_str(&format!(
        r#"
[job]
name = "dp"
version = 1
[parties]
p0 = {{ name = "a", cert_sha256 = "{z}" }}
p1 = {{ name = "b", cert_sha256 = "{z}" }}
[data]
max_rows = 10000
[[column]]
name = "g"
kind = "category"
levels = ["w", "x", "y", "z"]
[[column]]
name = "v"
kind = "integer"
min = -50
max = 50
{stats}
[[statistic]]
kind = "mean"
column = "v"
[policy]
min_cell = 0
min_group = 0
disclosure = "off"
reason = "checks the DP noise itself, with no cell withheld"
dp = {{ {dp} }}
"#,
        z = "0".repeat(64)
    ))
    .unwrap()
}

/// Released count minus true count, per cell, for one seeded run.
fn noise_of_one_run(job: &Job, plan: &Plan, seed: u64) -> Vec<i64> {
    let mut acc = Accumulator::new(plan);
    for g in 0..4 {
        for _ in 0..TRUE_COUNT / 2 {
            acc.add(&[g, 1]);
        }
    }
    let mine = acc.finish();
    let (c0, c1) = MemoryChannel::pair();
    let mut r0 = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let mut r1 = rand_chacha::ChaCha20Rng::seed_from_u64(seed ^ 0x5555);
    let dealer = |r| InsecureDealer::new(r, [seed as u8; 32]);
    let mut e0 = Engine::new(Role::P0, c0, dealer(Role::P0), &mut r0);
    let mut e1 = Engine::new(Role::P1, c1, dealer(Role::P1), &mut r1);
    let p = job.policy().clone();
    let (a, b) = block_on(futures::future::join(
        run_study(&mut e0, job, plan, &p, &mine),
        run_study(&mut e1, job, plan, &p, &mine),
    ));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a, b);
    let StatBody::Cells { cells } = &a.statistics[0].body else {
        panic!("cells")
    };
    cells
        .iter()
        .map(|c| {
            let n: i64 = c.n.map_or(-1, |n| n as i64);
            n - TRUE_COUNT
        })
        .collect()
}

/// Chi-square goodness of fit of `samples` to `pmf`, bins merged until
/// each expects at least 5; returns the p-value.
fn fit(samples: &[i64], pmf: impl Fn(i64) -> f64, reach: i64) -> f64 {
    let n = samples.len() as f64;
    let (mut stat, mut df) = (0.0, 0usize);
    let (mut obs, mut exp) = (0.0, 0.0);
    let mut lower = i64::MIN;
    for v in -reach..=reach {
        obs += samples.iter().filter(|&&s| s >= lower && s <= v).count() as f64;
        exp += if v == -reach {
            n * (-10 * reach..=v).map(&pmf).sum::<f64>()
        } else {
            n * pmf(v)
        };
        lower = v + 1;
        if exp >= 5.0 && v < reach {
            stat += (obs - exp).powi(2) / exp;
            df += 1;
            (obs, exp) = (0.0, 0.0);
        }
    }
    obs += samples.iter().filter(|&&s| s >= lower).count() as f64;
    exp += n * (reach + 1..=10 * reach).map(&pmf).sum::<f64>();
    stat += (obs - exp).powi(2) / exp.max(1e-9);
    ChiSquared::new(df as f64).unwrap().sf(stat)
}

fn convolve(one: impl Fn(i64) -> f64, reach: i64) -> impl Fn(i64) -> f64 {
    move |x| (-reach..=reach).map(|y| one(y) * one(x - y)).sum()
}

fn samples(job: &Job, runs: u64) -> Vec<i64> {
    let plan = Plan::new(job).unwrap();
    (0..runs)
        .flat_map(|s| noise_of_one_run(job, &plan, 1000 + s))
        .collect()
}

#[test]
fn laplace_noise_matches_the_sum_of_two_discrete_laplace_draws() {
    // Three queries (the counts by g, and the mean's count and sum): epsilon 1
    // gives each 1/3 (the mean is two queries), so the counts' scale is 3.
    let job = job("epsilon = 1.0", 1);
    let s = samples(&job, 300);
    let one = DiscreteLaplace::new(3, 1).unwrap();
    let p = fit(&s, convolve(|x| one.pmf(x), 80), 12);
    assert!(p > 1e-3, "goodness of fit p = {p}");
    // A wrong scale is detected: the test can fail.
    let wrong = DiscreteLaplace::new(2, 1).unwrap();
    assert!(fit(&s, convolve(|x| wrong.pmf(x), 80), 12) < 1e-3);
}

#[test]
fn gaussian_noise_matches_the_sum_of_two_discrete_gaussian_draws() {
    let job = job("epsilon = 1.0, delta = 1e-6, mechanism = \"gaussian\"", 1);
    let s = samples(&job, 300);
    let rho = dp_rho(1.0, 1e-6) / 3.0;
    let sigma2 = (1.0 / (2.0 * rho) * 1000.0).ceil() as u64;
    let one = DiscreteGaussian::new(sigma2, 1000).unwrap();
    let p = fit(&s, convolve(|x| one.pmf(x), 120), 30);
    assert!(p > 1e-3, "goodness of fit p = {p}");
    // A wrong scale is detected: the test can fail (sigma^2 two thirds of
    // the right one, as a sensitivity or a split off by that much would give).
    let wrong = DiscreteGaussian::new(sigma2 * 2 / 3, 1000).unwrap();
    let p_wrong = fit(&s, convolve(|x| wrong.pmf(x), 120), 30);
    assert!(p_wrong < 1e-3, "a wrong scale fits: p = {p_wrong}");
}

fn dp_rho(eps: f64, delta: f64) -> f64 {
    let l = (1.0 / delta).ln();
    ((l + eps).sqrt() - l.sqrt()).powi(2)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn accounting_never_exceeds_the_jobs_epsilon(
        eps in 0.01f64..20.0,
        delta_exp in 3i32..12,
        gaussian in any::<bool>(),
        statistics in 1usize..6,
    ) {
        let delta = 10f64.powi(-delta_exp);
        let spec = if gaussian {
            format!("epsilon = {eps}, delta = {delta:e}, mechanism = \"gaussian\"")
        } else {
            format!("epsilon = {eps}")
        };
        let job = job(&spec, statistics);
        let plan = Plan::new(&job).unwrap();
        let s = dp::budget(&job, &plan).unwrap().unwrap();
        prop_assert!(s.epsilon_spent <= eps, "{} > {eps}", s.epsilon_spent);
        prop_assert!(s.epsilon_spent >= 0.9 * eps, "{} wastes the budget", s.epsilon_spent);
    }
}
