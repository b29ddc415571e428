//! Quantiles of a two-party study against a plaintext computation on the
//! union of both sides' records: R's type-1 quantile `x_(ceil(n p))`, with
//! the release rules (group threshold, each side's part 0 or >= min_cell,
//! and `n p >= min_cell`, `n (1 - p) >= min_cell`). Random inputs with
//! fixed seeds: uniform, heavy ties, all equal, only the bounds, grouped.

use duet_stats::plan::Accumulator;
use duet_stats::results::{QuantileResult, Results};
use duet_stats::{Job, Plan};
use rand::{Rng, SeedableRng};

use super::common::{job_head, run_pair};

/// (value in tenths, group 0..3)
type Rec = (i64, i64);

const P: [(i64, f64); 5] = [(10, 0.1), (25, 0.25), (50, 0.5), (75, 0.75), (90, 0.9)];

fn job(policy: &str) -> Job {
    Job::from_toml_str(&format!(
        r#"{head}[[column]]
name = "sbp"
kind = "decimal"
places = 1
min = 0
max = 250
[[column]]
name = "grp"
kind = "category"
levels = ["a", "b", "c"]
[[statistic]]
kind = "quantile"
column = "sbp"
p = [0.1, 0.25, 0.5, 0.75, 0.9]
by = ["grp"]
[[statistic]]
kind = "quantile"
column = "sbp"
[policy]
{policy}
"#,
        head = job_head("quantiles", 100000),
    ))
    .unwrap()
}

/// Runs both sides; checks they were told the same.
fn run(job: &Job, sides: [&[Rec]; 2]) -> Results {
    let plan = Plan::new(job).unwrap();
    let agg = |recs: &[Rec]| {
        let mut acc = Accumulator::new(&plan);
        for &(v, g) in recs {
            acc.add(&[v, g]);
        }
        acc.finish()
    };
    let (a, b) = (agg(sides[0]), agg(sides[1]));
    let p = job.policy().clone();
    let ((r0, _), (r1, _)) = run_pair(job, &plan, [&a, &b], [p.clone(), p]);
    let (r0, r1) = (r0.unwrap(), r1.unwrap());
    assert_eq!(r0, r1, "the parties released different results");
    r0
}

fn quantiles(res: &Results, i: usize) -> QuantileResult {
    res.statistic(i).unwrap().quantile().unwrap().clone()
}

/// The type-1 quantile from the definition, independent of the crate:
/// sort, take `x_(r)` with `r = ceil(n p)` (p in hundredths), in tenths.
fn oracle(values: &[i64], p: i64) -> i64 {
    let mut v = values.to_vec();
    v.sort_unstable();
    let r = (v.len() as i64 * p + 99) / 100;
    v[(r - 1) as usize]
}

/// Checks a released group against the oracle: n, each p's value or
/// withholding under the extreme rule (min_cell 10), and the IQR.
fn check_group(q: &QuantileResult, g: usize, values: &[i64], p: &[(i64, f64)], what: &str) {
    let group = &q.groups[g];
    let n = values.len() as u64;
    assert!(!group.suppressed, "{what}: group {g} suppressed");
    assert_eq!(group.n, Some(n), "{what}: n of group {g}");
    assert_eq!(group.quantiles.len(), p.len());
    for (got, &(hundredths, pf)) in group.quantiles.iter().zip(p) {
        assert_eq!(got.p, pf);
        let h = hundredths as u64;
        let extreme = n * h < 1000 || n * (100 - h) < 1000;
        let want = (!extreme).then(|| oracle(values, hundredths) as f64 / 10.0);
        assert_eq!(got.value, want, "{what}: group {g} p {pf} (n {n})");
    }
    let at = |p: f64| group.quantiles.iter().find(|v| v.p == p)?.value;
    let iqr = at(0.75).zip(at(0.25)).map(|(a, b)| {
        let units = (a * 10.0).round() as i64 - (b * 10.0).round() as i64;
        units as f64 / 10.0
    });
    assert_eq!(group.iqr, iqr, "{what}: IQR of group {g}");
}

fn values_of(recs: &[&[Rec]], g: Option<i64>) -> Vec<i64> {
    recs.iter()
        .flat_map(|r| r.iter())
        .filter(|(_, grp)| g.is_none_or(|g| *grp == g))
        .map(|(v, _)| *v)
        .collect()
}

/// Draws `n` records per group per side from `value`.
fn side(
    rng: &mut rand_chacha::ChaCha8Rng,
    sizes: [usize; 3],
    value: impl Fn(&mut rand_chacha::ChaCha8Rng) -> i64,
) -> Vec<Rec> {
    let mut out = Vec::new();
    for (g, &n) in sizes.iter().enumerate() {
        for _ in 0..n {
            out.push((value(rng), g as i64));
        }
    }
    out
}

fn check_all(a: &[Rec], b: &[Rec], what: &str) {
    let job = job("min_cell = 10\nmin_group = 10");
    let res = run(&job, [a, b]);
    let by = quantiles(&res, 0);
    for g in 0..3 {
        check_group(&by, g, &values_of(&[a, b], Some(g as i64)), &P, what);
    }
    let all = quantiles(&res, 1);
    let quartiles = [(25, 0.25), (50, 0.5), (75, 0.75)];
    check_group(&all, 0, &values_of(&[a, b], None), &quartiles, what);
}

#[test]
fn random_grouped_quantiles_match_the_plaintext_definition() {
    type Draw = fn(&mut rand_chacha::ChaCha8Rng) -> i64;
    let shapes: [(&str, Draw); 4] = [
        ("uniform", |r| r.gen_range(0..=2500)),
        ("ties", |r| [0, 505, 1200, 1200, 2500][r.gen_range(0..5)]),
        ("all equal", |_| 1234),
        ("bounds only", |r| if r.gen_bool(0.3) { 0 } else { 2500 }),
    ];
    for seed in 0..3u64 {
        for (name, draw) in shapes {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            // Group sizes per side: each part 0 or >= 10; the extreme
            // rule then releases some p and withholds others.
            let size = |r: &mut rand_chacha::ChaCha8Rng| [0, 10, 13, 25, 60][r.gen_range(0..5)];
            let sa = [size(&mut rng) + 10, size(&mut rng), size(&mut rng) + 30];
            let sb = [size(&mut rng), size(&mut rng) + 20, size(&mut rng) + 10];
            let a = side(&mut rng, sa, draw);
            let b = side(&mut rng, sb, draw);
            check_all(&a, &b, &format!("{name}, seed {seed}, sizes {sa:?} {sb:?}"));
        }
    }
}

#[test]
fn a_median_of_twenty_picks_the_tenth_value_and_the_rule_cuts_the_tails() {
    // Group a: A holds 1.0 .. 10.0, B holds 11.0 .. 20.0 (in tenths).
    let a: Vec<Rec> = (1..=10).map(|v| (v * 10, 0)).collect();
    let b: Vec<Rec> = (11..=20).map(|v| (v * 10, 0)).collect();
    let res = run(&job("min_cell = 10\nmin_group = 10"), [&a, &b]);
    let q = quantiles(&res, 0);
    let g = &q.groups[0];
    assert_eq!(g.n, Some(20));
    // p 0.5: n p = 10 >= 10 and n (1 - p) = 10 >= 10: x_(10) = 10.0.
    // Every other p leaves fewer than 10 records on one side: withheld.
    let got: Vec<Option<f64>> = g.quantiles.iter().map(|v| v.value).collect();
    assert_eq!(got, vec![None, None, Some(10.0), None, None]);
    assert_eq!(g.iqr, None);
    // Groups b and c have no records: suppressed (count below 10).
    assert!(q.groups[1].suppressed && q.groups[2].suppressed);
    assert!(q.groups[1].quantiles.is_empty());
}

#[test]
fn a_small_group_gets_no_quantile_and_opens_nothing_of_it() {
    // Group b has 9 records pooled (A 0, B 9): below min_cell.
    let mut a: Vec<Rec> = (0..40).map(|v| (v * 3, 0)).collect();
    a.extend((0..40).map(|v| (2500 - v, 2)));
    let mut b: Vec<Rec> = (0..40).map(|v| (v * 7, 0)).collect();
    b.extend((0..9).map(|v| (1000 + v, 1)));
    b.extend((0..40).map(|v| (v, 2)));
    let res = run(&job("min_cell = 10\nmin_group = 10"), [&a, &b]);
    let q = quantiles(&res, 0);
    assert!(q.groups[1].suppressed);
    assert_eq!(q.groups[1].n, None);
    assert!(q.groups[1].quantiles.is_empty());
    for name in res.revealed.iter().map(|r| &r.name) {
        assert!(
            !(name.contains("quantile(sbp by grp)[grp=b]") && name.contains(".p=")),
            "opened a bit or value of the suppressed group: {name}"
        );
    }
    check_group(&q, 0, &values_of(&[&a, &b], Some(0)), &P, "group a");
}

#[test]
fn every_opened_bit_is_a_digit_of_a_released_quantile() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let a = side(&mut rng, [50, 50, 50], |r| r.gen_range(0..=2500));
    let b = side(&mut rng, [50, 50, 50], |r| r.gen_range(0..=2500));
    let res = run(&job("min_cell = 10\nmin_group = 10"), [&a, &b]);
    let values: Vec<_> = res
        .revealed
        .iter()
        .filter(|r| r.name.contains(".p=") && !r.name.ends_with(".suppressed"))
        .collect();
    // 3 groups x 5 p + 3 quartiles, each one value (its 12 bits).
    assert_eq!(values.len(), 18);
    let record = &res.disclosure.models;
    let q: Vec<_> = record
        .iter()
        .filter(|m| m.statistic.contains("quantile"))
        .collect();
    assert_eq!(q.len(), 2);
    // 15 rule bits + 15 * 12 bisection bits; 3 + 3 * 12.
    assert_eq!(q[0].count, 15 + 15 * 12);
    assert_eq!(q[1].count, 3 + 3 * 12);
}

/// A job of one statistic over `sbp` in 0..250 at one decimal, 1,000
/// rows per side at most.
fn cost_job(statistic: &str) -> Job {
    Job::from_toml_str(&format!(
        r#"{head}[[column]]
name = "sbp"
kind = "decimal"
places = 1
min = 0
max = 250
[[column]]
name = "grp"
kind = "category"
levels = ["a", "b", "c"]
[[statistic]]
{statistic}
"#,
        head = job_head("median-cost", 1000),
    ))
    .unwrap()
}

/// Frames P0 sent, and the result, for `job` on 500 + 500 rows.
fn frames(job: &Job) -> (u64, Results) {
    let plan = Plan::new(job).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let mut agg = || {
        let mut acc = Accumulator::new(&plan);
        for _ in 0..500 {
            acc.add(&[rng.gen_range(0..=2500), rng.gen_range(0..3)]);
        }
        acc.finish()
    };
    let (a, b) = (agg(), agg());
    let p = job.policy().clone();
    let ((r0, t0), _) = run_pair(job, &plan, [&a, &b], [p.clone(), p]);
    (t0.total().sent_frames, r0.unwrap())
}

/// The cost of a median of 1,000 rows on a grid of 2,501 values: 12
/// levels, each one input, a 16-bit comparison (|count * 10 - 5 n| <
/// 2^15: 4 leaves, so 2 leaf-OT rounds and 2 AND rounds, and one bit
/// conversion) and one opening; the extreme rule's comparison (n - 20)
/// rides in the first level's batch and is opened just before it:
/// 8 + 11 * 7 = 85 sequential frames beyond the count's, 13 comparisons.
/// With 3 groups and the quartiles (9 lanes) it is still 12 levels, each
/// one AND round longer only because p has 2 places (|count * 100 - 25 n|
/// < 2^18: a 19-bit comparison, 5 leaves, 3 AND rounds): 9 + 11 * 8 = 97,
/// whatever the number of groups and p.
#[test]
fn a_median_of_a_thousand_rows_costs_twelve_levels() {
    let (base, _) = frames(&cost_job("kind = \"count\""));
    let (median, res) = frames(&cost_job(
        "kind = \"quantile\"\ncolumn = \"sbp\"\np = [0.5]",
    ));
    assert_eq!(
        res.statistic(0).unwrap().quantile().unwrap().groups[0].n,
        Some(1000)
    );
    assert_eq!(median - base, 85, "frames for one median");
    let (by, _) = frames(&cost_job("kind = \"count\"\nby = [\"grp\"]"));
    let (grouped, res) = frames(&cost_job(
        "kind = \"quantile\"\ncolumn = \"sbp\"\nby = [\"grp\"]",
    ));
    let q = res.statistic(0).unwrap().quantile().unwrap();
    assert!(q
        .groups
        .iter()
        .all(|g| g.quantiles.iter().all(|v| v.value.is_some())));
    assert_eq!(grouped - by, 97, "frames for 3 groups x 3 p");
}

#[test]
fn with_control_off_one_record_is_its_own_quantile_and_none_gives_none() {
    let off = "disclosure = \"off\"\nreason = \"test of n = 0 and 1\"\nmin_cell = 0\nmin_group = 0";
    // Group a: one record at the minimum (A). Group b: none. Group c: one
    // record at each bound (one per side).
    let a: Vec<Rec> = vec![(0, 0), (0, 2)];
    let b: Vec<Rec> = vec![(2500, 2)];
    let res = run(&job(off), [&a, &b]);
    let q = quantiles(&res, 0);
    let values =
        |g: usize| -> Vec<Option<f64>> { q.groups[g].quantiles.iter().map(|v| v.value).collect() };
    assert_eq!(q.groups[0].n, Some(1));
    assert_eq!(values(0), vec![Some(0.0); 5]);
    assert_eq!(q.groups[1].n, Some(0));
    assert!(q.groups[1].quantiles.is_empty());
    assert_eq!(q.groups[1].note.as_deref(), Some("no records"));
    // n 2: ranks ceil(0.2) = ceil(0.5) = 1, ceil(1.5) = ceil(1.8) = 2.
    let c = [Some(0.0), Some(0.0), Some(0.0), Some(250.0), Some(250.0)];
    assert_eq!(values(2), c.to_vec());
    assert_eq!(q.groups[2].iqr, Some(250.0));
    let all = quantiles(&res, 1);
    let got: Vec<Option<f64>> = all.groups[0].quantiles.iter().map(|v| v.value).collect();
    assert_eq!(got, vec![Some(0.0), Some(0.0), Some(250.0)]);
}

#[test]
fn negative_bounds_and_six_place_probabilities() {
    let job = Job::from_toml_str(&format!(
        r#"{head}[[column]]
name = "delta"
kind = "integer"
min = -500
max = 500
[[statistic]]
kind = "quantile"
column = "delta"
p = [0.333333, 0.5, "0.9"]
"#,
        head = job_head("signed", 100000),
    ))
    .unwrap();
    let plan = Plan::new(&job).unwrap();
    for seed in 0..3u64 {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(100 + seed);
        let mut side = |n: usize| {
            let v: Vec<i64> = (0..n).map(|_| rng.gen_range(-500..=500)).collect();
            let mut acc = Accumulator::new(&plan);
            v.iter().for_each(|&x| acc.add(&[x]));
            (v, acc.finish())
        };
        let ((va, a), (vb, b)) = (side(100 + 37 * seed as usize), side(150));
        let p = job.policy().clone();
        let ((r0, _), (r1, _)) = run_pair(&job, &plan, [&a, &b], [p.clone(), p]);
        let (r0, r1) = (r0.unwrap(), r1.unwrap());
        assert_eq!(r0, r1);
        let mut all: Vec<i64> = va.iter().chain(&vb).copied().collect();
        all.sort_unstable();
        let n = all.len() as u64;
        let got: Vec<Option<f64>> = quantiles(&r0, 0).groups[0]
            .quantiles
            .iter()
            .map(|v| v.value)
            .collect();
        let want: Vec<Option<f64>> = [(333_333u64, 1_000_000u64), (5, 10), (9, 10)]
            .iter()
            .map(|&(num, den)| {
                let r = (n * num).div_ceil(den);
                Some(all[(r - 1) as usize] as f64)
            })
            .collect();
        assert_eq!(got, want, "seed {seed} n {n}");
    }
}
