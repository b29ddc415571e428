//! Every sensitivity against a worst-case neighbour pair: for each query
//! the plan releases, the L1 and L2 norms of `agg(D + r) - agg(D)` over the
//! query's elements, maximised over records `r` at the corners of the
//! declared bounds (every level, each bound, zero), must equal the
//! sensitivity the noise is drawn for. Below it the noise would not cover
//! one record; above it the noise wastes the budget. Then each query's
//! sampler is checked against the scale the budget split gives it.

use duet_anon::dp::{DiscreteGaussian, DiscreteLaplace};
use duet_core::Z128;
use rand::SeedableRng;

use super::*;
use crate::plan::Accumulator;

const COLUMNS: &str = r#"
[[column]]
name = "g"
kind = "category"
levels = ["a", "b", "c"]
[[column]]
name = "s"
kind = "category"
levels = ["no", "yes"]
[[column]]
name = "v"
kind = "integer"
min = -7
max = 5
[[column]]
name = "w"
kind = "decimal"
places = 1
min = 0
max = 3
[[column]]
name = "t"
kind = "integer"
min = 1
max = 100
[[column]]
name = "e"
kind = "integer"
min = 0
max = 1
"#;

/// Each column's corner values in units (as `data` hands rows over):
/// every level, each bound, zero where it lies inside, and a time on
/// each side of every survival edge.
const CORNERS: [&[i64]; 6] = [
    &[0, 1, 2],
    &[0, 1],
    &[-7, 0, 5],
    &[0, 1, 30],
    &[1, 19, 20, 49, 50, 100],
    &[0, 1],
];

const STATISTICS: &str = r#"
[[statistic]]
kind = "count"
by = ["g"]
[[statistic]]
kind = "sum"
column = "v"
by = ["g"]
[[statistic]]
kind = "variance"
column = "w"
by = ["s"]
[[statistic]]
kind = "histogram"
column = "w"
edges = [0, 1, 2, 3]
[[statistic]]
kind = "linear_regression"
y = "v"
x = ["w", "s"]
[[statistic]]
kind = "correlation"
columns = ["v", "w"]
[[statistic]]
kind = "kaplan_meier"
time = "t"
event = "e"
edges = [1, 20, 50, 101]
by = ["g"]
"#;

fn job(dp: &str) -> Job {
    let text = format!(
        r#"
[job]
name = "sensitivities"
version = 1
[parties]
p0 = {{ name = "a", cert_sha256 = "{z}" }}
p1 = {{ name = "b", cert_sha256 = "{z}" }}
[data]
max_rows = 1000
{COLUMNS}
{STATISTICS}
[policy]
min_cell = 0
min_group = 0
disclosure = "off"
reason = "unit test of the DP sensitivities"
dp = {{ {dp} }}
"#,
        z = "0".repeat(64)
    );
    Job::from_toml_str(&text).unwrap()
}

/// Every record whose columns all sit at corners.
fn corner_records() -> Vec<Vec<i64>> {
    CORNERS.iter().fold(vec![Vec::new()], |rows, values| {
        rows.iter()
            .flat_map(|r| {
                values.iter().map(move |&v| {
                    let mut r = r.clone();
                    r.push(v);
                    r
                })
            })
            .collect()
    })
}

fn aggregates(plan: &Plan, rows: &[Vec<i64>]) -> Vec<i128> {
    let mut acc = Accumulator::new(plan);
    for r in rows {
        acc.add(r);
    }
    acc.finish().values().to_vec()
}

/// The largest L1 norm and squared L2 norm, over the corner records, of
/// what adding one record to `base` changes among `elements`.
fn worst_neighbour(plan: &Plan, base: &[Vec<i64>], elements: &[usize]) -> (u128, u128) {
    let before = aggregates(plan, base);
    let mut worst = (0u128, 0u128);
    for r in corner_records() {
        let mut with = base.to_vec();
        with.push(r);
        let after = aggregates(plan, &with);
        let d: Vec<u128> = elements
            .iter()
            .map(|&e| (after[e] - before[e]).unsigned_abs())
            .collect();
        worst.0 = worst.0.max(d.iter().sum());
        worst.1 = worst.1.max(d.iter().map(|x| x * x).sum());
    }
    worst
}

fn all_queries(job: &Job, plan: &Plan) -> Vec<Raw> {
    plan.blocks()
        .iter()
        .flat_map(|b| queries_of(job, b))
        .collect()
}

#[test]
fn every_sensitivity_is_that_of_a_worst_case_neighbour() {
    let job = job("epsilon = 1.0");
    let plan = Plan::new(&job).unwrap();
    let base = vec![vec![1, 0, 3, 12, 40, 1], vec![2, 1, -2, 25, 7, 0]];
    let queries = all_queries(&job, &plan);
    let labels: Vec<&str> = queries.iter().map(|q| q.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "counts",
            "counts",
            "sums of v",
            "counts",
            "sums of w",
            "sums of squares of w",
            "counts",
            "cross-products (raw units)",
            "cross-products (raw units)",
            "numbers at risk",
            "event and censoring counts",
        ]
    );
    for q in &queries {
        let worst = worst_neighbour(&plan, &base, &q.elements);
        assert_eq!((q.l1, q.l2sq), worst, "{}", q.label);
    }
    // The exact values, worked by hand from the bounds (units).
    let exact: Vec<(u128, u128)> = queries.iter().map(|q| (q.l1, q.l2sq)).collect();
    // Regression v ~ w + s: terms w (30), s (1), y = v (7) enter as n,
    // the term sums and the upper triangle of products.
    let reg = {
        let m = [30u128, 1, 7];
        let l1 = 1 + m.iter().sum::<u128>() + upper(&m, |p| p);
        let l2 = 1 + m.iter().map(|x| x * x).sum::<u128>() + upper(&m, |p| p * p);
        (l1, l2)
    };
    let cor = {
        let m = [7u128, 30];
        let l1 = 1 + m.iter().sum::<u128>() + upper(&m, |p| p);
        let l2 = 1 + m.iter().map(|x| x * x).sum::<u128>() + upper(&m, |p| p * p);
        (l1, l2)
    };
    assert_eq!(
        exact,
        [
            (1, 1),
            (1, 1),
            (7, 49),
            (1, 1),
            (30, 900),
            (900, 810_000),
            (1, 1),
            reg,
            cor,
            (3, 3),
            (1, 1),
        ]
    );
}

/// The sum over i <= j of `f(m_i * m_j)`.
fn upper(m: &[u128], f: impl Fn(u128) -> u128) -> u128 {
    let mut s = 0;
    for i in 0..m.len() {
        for j in i..m.len() {
            s += f(m[i] * m[j]);
        }
    }
    s
}

#[test]
fn every_released_element_is_in_exactly_one_query() {
    let job = job("epsilon = 1.0");
    let plan = Plan::new(&job).unwrap();
    let mut all: Vec<usize> = all_queries(&job, &plan)
        .into_iter()
        .flat_map(|q| q.elements)
        .collect();
    all.sort_unstable();
    assert_eq!(all, (0..plan.len()).collect::<Vec<_>>());
}

#[test]
fn laplace_scales_follow_the_even_split_of_epsilon() {
    let job = job("epsilon = 2.0");
    let plan = Plan::new(&job).unwrap();
    let raws = all_queries(&job, &plan);
    let q = raws.len() as f64;
    let noise = plan_noise(&job, &plan, job.policy().dp.as_ref().unwrap()).unwrap();
    assert_eq!(noise.queries.len(), raws.len());
    for (r, query) in raws.iter().zip(&noise.queries) {
        // scale = sensitivity / (epsilon / Q), rounded up to 1/1000.
        let num = (r.l1 as f64 * q / 2.0 * 1000.0).ceil() as u64;
        let Sampler::Laplace(s) = query.sampler else {
            panic!("{}: not Laplace", r.label)
        };
        assert_eq!(s, DiscreteLaplace::new(num, 1000).unwrap(), "{}", r.label);
        assert_eq!(query.elements, r.elements);
    }
    // Every scale here is exact, so each query spends epsilon / Q; the
    // float sum of the 11 shares is 2 + 4e-16 (one ulp), not an overspend.
    let spent = noise.summary.epsilon_spent;
    assert!((spent - 2.0).abs() < 1e-12, "{spent}");
}

#[test]
fn gaussian_variances_follow_the_even_split_of_rho() {
    let job = job("epsilon = 1.0, delta = 1e-6, mechanism = \"gaussian\"");
    let plan = Plan::new(&job).unwrap();
    let raws = all_queries(&job, &plan);
    let rho = rho_for(1.0, 1e-6) / raws.len() as f64;
    let noise = plan_noise(&job, &plan, job.policy().dp.as_ref().unwrap()).unwrap();
    for (r, query) in raws.iter().zip(&noise.queries) {
        // sigma^2 = Delta_2^2 / (2 rho / Q), rounded up to 1/1000.
        let num = (r.l2sq as f64 / (2.0 * rho) * 1000.0).ceil() as u64;
        let Sampler::Gaussian(s) = query.sampler else {
            panic!("{}: not Gaussian", r.label)
        };
        assert_eq!(s, DiscreteGaussian::new(num, 1000).unwrap(), "{}", r.label);
    }
    let rho_spent = noise.summary.rho.unwrap();
    assert!(rho_spent <= rho_for(1.0, 1e-6), "{rho_spent}");
    assert!(noise.summary.epsilon_spent <= 1.0);
}

#[test]
fn every_element_gets_its_own_draw() {
    let job = job("epsilon = 1.0");
    let plan = Plan::new(&job).unwrap();
    let noise = plan_noise(&job, &plan, job.policy().dp.as_ref().unwrap()).unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
    let draws: Vec<Vec<Z128>> = (0..20).map(|_| noise.draw(&mut rng).unwrap()).collect();
    for e in 0..plan.len() {
        let values: std::collections::BTreeSet<u128> = draws.iter().map(|d| d[e].0).collect();
        // Scales are at least 11 here: 20 draws of one element are never all equal.
        assert!(values.len() > 3, "element {e}: {values:?}");
    }
    // Elements of one query are drawn apart, not one draw copied.
    assert_ne!(draws[0][0], draws[0][1]);
}

/// Each query's unit: 10^-places of its column per power (sums of w are
/// tenths, its sums of squares hundredths), 1 for counts and raw units.
const UNITS: [f64; 11] = [1.0, 1.0, 1.0, 1.0, 0.1, 0.01, 1.0, 1.0, 1.0, 1.0, 1.0];

#[test]
fn notes_state_each_querys_sensitivity_scale_and_total_sd() {
    for (spec, gaussian) in [
        ("epsilon = 2.0", false),
        (
            "epsilon = 1.0, delta = 1e-6, mechanism = \"gaussian\"",
            true,
        ),
    ] {
        let job = job(spec);
        let plan = Plan::new(&job).unwrap();
        let raws = all_queries(&job, &plan);
        let q = raws.len() as f64;
        let noise = plan_noise(&job, &plan, job.policy().dp.as_ref().unwrap()).unwrap();
        let notes: Vec<&NoiseNote> = noise.notes.iter().flatten().collect();
        assert_eq!(notes.len(), raws.len());
        for ((r, n), unit) in raws.iter().zip(notes).zip(UNITS) {
            assert_eq!(n.aggregates, r.label);
            let (sensitivity, scale, sd) = if gaussian {
                let s2 = (r.l2sq as f64 / (2.0 * rho_for(1.0, 1e-6) / q) * 1000.0).ceil() / 1000.0;
                ((r.l2sq as f64).sqrt(), s2.sqrt(), (2.0 * s2).sqrt())
            } else {
                let t = (r.l1 as f64 * q / 2.0 * 1000.0).ceil() / 1000.0;
                // Two draws of variance 2 t^2 each.
                (r.l1 as f64, t, 2.0 * t)
            };
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
            assert!(
                close(n.sensitivity, sensitivity * unit),
                "{}: {n:?}",
                r.label
            );
            assert!(close(n.scale, scale * unit), "{}: {n:?}", r.label);
            assert!(close(n.total_sd, sd * unit), "{}: {n:?}", r.label);
        }
    }
}

#[test]
fn noise_beyond_the_samplers_range_names_the_statistic() {
    let text = format!(
        r#"
[job]
name = "too-large"
version = 1
[parties]
p0 = {{ name = "a", cert_sha256 = "{z}" }}
p1 = {{ name = "b", cert_sha256 = "{z}" }}
[data]
max_rows = 10
[[column]]
name = "v"
kind = "integer"
min = -1000000000000
max = 1000000000000
[[statistic]]
kind = "count"
[[statistic]]
kind = "sum"
column = "v"
[policy]
min_cell = 0
min_group = 0
disclosure = "off"
reason = "unit test"
dp = {{ epsilon = 0.001 }}
"#,
        z = "0".repeat(64)
    );
    let job = Job::from_toml_str(&text).unwrap();
    let plan = Plan::new(&job).unwrap();
    match budget(&job, &plan) {
        Err(DpError::TooLarge {
            statistic,
            aggregates,
        }) => assert_eq!(
            (statistic.as_str(), aggregates.as_str()),
            ("#2 sum(v)", "sums of v")
        ),
        other => panic!("{other:?}"),
    }
}
