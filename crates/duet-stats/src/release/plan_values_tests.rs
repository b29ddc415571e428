#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::plan_values;
use crate::job::{ColumnType, Job};
use crate::plan::{Accumulator, Plan};
use crate::release::provenance::{Cell, Condition, LinearValue};

const JOB: &str = r#"
[job]
name = "provenance"
version = 1

[parties]
p0 = { name = "a", cert_sha256 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" }
p1 = { name = "b", cert_sha256 = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100", address = "127.0.0.1:4433" }

[data]
max_rows = 1000

[[column]]
name = "x"
kind = "decimal"
places = 1
min = -5
max = 20

[[column]]
name = "age"
kind = "integer"
min = 18
max = 100

[[column]]
name = "smoker"
kind = "category"
levels = ["no", "yes"]

[[column]]
name = "region"
kind = "category"
levels = ["n", "s", "e"]

[[column]]
name = "dead"
kind = "integer"
min = 0
max = 1

[[column]]
name = "outcome"
kind = "category"
levels = ["alive", "dead"]

[[column]]
name = "time"
kind = "integer"
min = 0
max = 50

[[statistic]]
kind = "count"
by = ["region", "smoker"]

[[statistic]]
kind = "variance"
column = "x"
by = ["smoker"]

[[statistic]]
kind = "histogram"
column = "age"
edges = [18, 40, 60, 100]

[[statistic]]
kind = "linear_regression"
y = "x"
x = ["region"]

[[statistic]]
kind = "kaplan_meier"
time = "time"
event = "dead"
edges = [0, 10, 20, 51]
by = ["smoker"]

[[statistic]]
kind = "kaplan_meier"
time = "time"
event = "outcome"
edges = [0, 10, 51]
"#;

fn setup() -> (Job, Plan, Vec<LinearValue>) {
    let job = Job::from_toml_str(JOB).unwrap();
    let plan = Plan::new(&job).unwrap();
    let values = plan_values(&job, &plan);
    (job, plan, values)
}

fn levels(names: &[&str]) -> Condition {
    Condition::Levels(names.iter().map(|s| s.to_string()).collect())
}

fn range(places: u32, lo: Option<i64>, hi: Option<i64>) -> Condition {
    Condition::Range { places, lo, hi }
}

fn lv(quantity: &[&str], conds: &[(&str, Condition)]) -> LinearValue {
    let cell: Cell = conds
        .iter()
        .map(|(c, cond)| (c.to_string(), cond.clone()))
        .collect();
    LinearValue::new(quantity.iter().map(|s| s.to_string()).collect(), cell)
}

#[test]
fn one_value_per_plan_element() {
    let (_, plan, values) = setup();
    assert_eq!(plan.len(), 49);
    assert_eq!(values.len(), 49);
}

#[test]
fn grouped_cells_are_level_combinations_with_n_sum_and_squares() {
    let (_, _, v) = setup();
    let cell = |r: &str, s: &str| vec![("region", levels(&[r])), ("smoker", levels(&[s]))];
    let counts: Vec<LinearValue> = [("n", "no"), ("n", "yes"), ("s", "no")]
        .iter()
        .map(|(r, s)| lv(&[], &cell(r, s)))
        .collect();
    assert_eq!(v[0..3], counts[..]);
    assert_eq!(v[5], lv(&[], &cell("e", "yes")));
    let yes = [("smoker", levels(&["yes"]))];
    assert_eq!(
        v[9..12],
        [lv(&[], &yes), lv(&["x"], &yes), lv(&["x", "x"], &yes)]
    );
}

#[test]
fn histogram_bins_drop_bounds_beyond_the_column() {
    let (_, _, v) = setup();
    let age = |lo, hi| lv(&[], &[("age", range(0, lo, hi))]);
    assert_eq!(
        v[12..15],
        [
            age(None, Some(40)),
            age(Some(40), Some(60)),
            age(Some(60), None)
        ]
    );
}

#[test]
fn cross_products_of_indicators_of_one_column_are_empty_or_the_indicator() {
    let (_, _, v) = setup();
    let s = || ("region", levels(&["s"]));
    let e = || ("region", levels(&["e"]));
    let expected = [
        lv(&[], &[]),
        lv(&[], &[s()]),
        lv(&[], &[e()]),
        lv(&["x"], &[]),
        lv(&[], &[s()]),
        lv(&[], &[("region", levels(&[]))]),
        lv(&["x"], &[s()]),
        lv(&[], &[e()]),
        lv(&["x"], &[e()]),
        lv(&["x", "x"], &[]),
    ];
    assert_eq!(v[15..25], expected);
    assert!(v[20].is_structurally_zero());
    assert!(!v[19].is_structurally_zero());
}

#[test]
fn survival_at_risk_events_and_censorings_per_group_and_interval() {
    let (_, _, v) = setup();
    let no = || ("smoker", levels(&["no"]));
    let t = |lo, hi| ("time", range(0, lo, hi));
    let expected = [
        lv(&[], &[no()]),
        lv(
            &[],
            &[no(), t(None, Some(10)), ("dead", range(0, Some(1), None))],
        ),
        lv(
            &[],
            &[no(), t(None, Some(10)), ("dead", range(0, None, Some(1)))],
        ),
        lv(&[], &[no(), t(Some(10), None)]),
        lv(
            &[],
            &[
                no(),
                t(Some(10), Some(20)),
                ("dead", range(0, Some(1), None)),
            ],
        ),
    ];
    assert_eq!(v[25..30], expected);
    let by_level = [
        lv(&[], &[]),
        lv(&[], &[t(None, Some(10)), ("outcome", levels(&["dead"]))]),
        lv(&[], &[t(None, Some(10)), ("outcome", levels(&["alive"]))]),
    ];
    assert_eq!(v[43..46], by_level);
}

/// The oracle: the value of `v` over `rows`, straight from its definition.
fn evaluate(v: &LinearValue, job: &Job, rows: &[Vec<i64>]) -> i128 {
    let col = |name: &str| job.column(name).unwrap();
    let holds = |row: &[i64], name: &str, cond: &Condition| {
        let (i, c) = col(name);
        let x = row[i];
        match (cond, &c.ty) {
            (Condition::Levels(set), ColumnType::Category { levels }) => {
                set.contains(&levels[x as usize])
            }
            (Condition::Range { places, lo, hi }, ColumnType::Numeric { places: p, .. }) => {
                assert_eq!(places, p);
                lo.is_none_or(|l| l <= x) && hi.is_none_or(|h| x < h)
            }
            _ => panic!("condition of the wrong kind on {name}"),
        }
    };
    rows.iter()
        .filter(|row| v.cell.iter().all(|(name, cond)| holds(row, name, cond)))
        .map(|row| {
            v.quantity
                .iter()
                .map(|q| i128::from(row[col(q).0]))
                .product::<i128>()
        })
        .sum()
}

fn random_row(job: &Job, rng: &mut ChaCha8Rng) -> Vec<i64> {
    job.columns()
        .iter()
        .map(|c| match &c.ty {
            ColumnType::Numeric { min, max, .. } => rng.gen_range(*min..=*max),
            ColumnType::Category { levels } => rng.gen_range(0..levels.len() as i64),
        })
        .collect()
}

#[test]
fn every_element_equals_its_provenance_evaluated_on_random_rows() {
    let (job, plan, values) = setup();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut rows: Vec<Vec<i64>> = (0..300).map(|_| random_row(&job, &mut rng)).collect();
    // The extremes of every column, where the normal form drops bounds.
    for pick_max in [false, true] {
        let row = job.columns().iter().map(|c| match &c.ty {
            ColumnType::Numeric { min, max, .. } => {
                if pick_max {
                    *max
                } else {
                    *min
                }
            }
            ColumnType::Category { levels } => i64::from(pick_max) * (levels.len() as i64 - 1),
        });
        rows.push(row.collect());
    }
    let mut acc = Accumulator::new(&plan);
    for row in &rows {
        acc.add(row);
    }
    let got = acc.finish();
    let expected: Vec<i128> = values.iter().map(|v| evaluate(v, &job, &rows)).collect();
    assert_eq!(got.values(), &expected[..]);
    let distinct: BTreeSet<&i128> = expected.iter().collect();
    assert!(distinct.len() > 20, "the rows exercise the elements");
}
