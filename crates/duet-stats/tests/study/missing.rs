//! Missing data, available-case: each statistic leaves out only the rows
//! missing a column it reads, reports how many it left out (0 or at least
//! the threshold, else withheld), and matches a plaintext computation on
//! the union of both sides' rows with the same exclusions. Missing codes
//! are the job's; `listwise` keeps the complete-case behaviour.

use duet_stats::data::{read_rows, MISSING};
use duet_stats::plan::Accumulator;
use duet_stats::results::{ExcludedRows, Results, StatBody};
use duet_stats::{DataError, Job, LocalConfig, Plan};
use rand::{Rng, SeedableRng};

use super::common::{assert_close, job_head, run_pair};

/// Columns: sbp (tenths), age, smoker (0/1), region (0..3).
type Row = [i64; 4];
const SBP: usize = 0;
const AGE: usize = 1;
const SMOKER: usize = 2;
const REGION: usize = 3;

fn job(on_missing: &str, min_cell: u64) -> Job {
    Job::from_toml_str(&job_text(on_missing, min_cell)).unwrap()
}

fn job_text(on_missing: &str, min_cell: u64) -> String {
    format!(
        r#"{head}on_missing = "{on_missing}"
missing = ["", "NA", "."]
[[column]]
name = "sbp"
kind = "decimal"
places = 1
min = 50
max = 260
[[column]]
name = "age"
kind = "integer"
min = 18
max = 100
missing = ["unknown"]
[[column]]
name = "smoker"
kind = "category"
levels = ["no", "yes"]
[[column]]
name = "region"
kind = "category"
levels = ["north", "south", "east", "west"]
[[statistic]]
kind = "count"
by = ["region"]
[[statistic]]
kind = "mean"
column = "sbp"
by = ["smoker"]
[[statistic]]
kind = "variance"
column = "age"
[[statistic]]
kind = "linear_regression"
y = "sbp"
x = ["age", "smoker"]
[[statistic]]
kind = "count"
by = ["smoker"]
[policy]
min_cell = {min_cell}
min_group = {min_cell}
dominance = {{ n = 2, k = 100 }}
"#,
        head = job_head("missing", 10000),
    )
}

/// Random rows with each field missing with probability `p`.
fn rows(seed: u64, n: usize, p: f64) -> Vec<Row> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let age = rng.gen_range(18..=100);
            let smoker = rng.gen_range(0..2);
            let sbp = 1000 + 6 * age + 80 * smoker + rng.gen_range(-150..150);
            let mut r = [sbp, age, smoker, rng.gen_range(0..4)];
            for v in &mut r {
                if rng.gen_bool(p) {
                    *v = MISSING;
                }
            }
            r
        })
        .collect()
}

fn run(job: &Job, sides: [&[Row]; 2]) -> Results {
    let plan = Plan::new(job).unwrap();
    let agg = |rows: &[Row]| {
        let mut acc = Accumulator::new(&plan);
        rows.iter().for_each(|r| acc.add(r));
        acc.finish()
    };
    let (a, b) = (agg(sides[0]), agg(sides[1]));
    let p = job.policy().clone();
    let ((r0, _), (r1, _)) = run_pair(job, &plan, [&a, &b], [p.clone(), p]);
    let (r0, r1) = (r0.unwrap(), r1.unwrap());
    assert_eq!(r0, r1, "the parties released different results");
    r0
}

fn recorded(r: &Row, cols: &[usize]) -> bool {
    cols.iter().all(|&c| r[c] != MISSING)
}

fn excluded(res: &Results, i: usize) -> &ExcludedRows {
    res.statistic(i).unwrap().excluded.as_ref().unwrap()
}

#[test]
fn each_statistic_leaves_out_only_its_own_missing_rows() {
    let (a, b) = (rows(1, 400, 0.08), rows(2, 300, 0.08));
    let all: Vec<Row> = a.iter().chain(&b).copied().collect();
    let job = job("drop", 5);
    let res = run(&job, [&a, &b]);

    // count(by region): rows recording region.
    let cells = res.statistic(0).unwrap().cells().unwrap();
    for (level, c) in cells.iter().enumerate() {
        let want = all.iter().filter(|r| r[REGION] == level as i64).count();
        assert_eq!(c.n, Some(want as u64), "{}", c.cell);
    }
    let missing_region = all.iter().filter(|r| r[REGION] == MISSING).count();
    assert_eq!(excluded(&res, 0).rows, Some(missing_region as u64));
    assert_eq!(excluded(&res, 0).columns, ["region"]);

    // mean(sbp by smoker): rows recording sbp and smoker.
    let cells = res.statistic(1).unwrap().cells().unwrap();
    for (level, c) in cells.iter().enumerate() {
        let used: Vec<&Row> = all
            .iter()
            .filter(|r| r[SMOKER] == level as i64 && r[SBP] != MISSING)
            .collect();
        assert_eq!(c.n, Some(used.len() as u64));
        let x: Vec<f64> = used.iter().map(|r| r[SBP] as f64 / 10.0).collect();
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        assert_close(c.value.unwrap(), mean, "mean sbp");
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (x.len() - 1) as f64;
        let se = (var / x.len() as f64).sqrt();
        let i = c.interval.unwrap();
        assert_close(i.std_error, se, "standard error");
        // The t quantile on n - 1 > 150 df lies within 1.96 and 1.98.
        let q = (i.ci_high - mean) / se;
        assert!((1.96..1.98).contains(&q), "{q}");
        assert_close(mean - i.ci_low, i.ci_high - mean, "symmetric");
    }
    let out = all.iter().filter(|r| !recorded(r, &[SBP, SMOKER])).count();
    assert_eq!(excluded(&res, 1).rows, Some(out as u64));

    // variance(age): rows recording age, whatever else they miss.
    let ages: Vec<f64> = all
        .iter()
        .filter(|r| r[AGE] != MISSING)
        .map(|r| r[AGE] as f64)
        .collect();
    let m = ages.iter().sum::<f64>() / ages.len() as f64;
    let var = ages.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (ages.len() - 1) as f64;
    let cell = &res.statistic(2).unwrap().cells().unwrap()[0];
    assert_eq!(cell.n, Some(ages.len() as u64));
    assert_close(cell.value.unwrap(), var, "variance of age");

    // The regression: complete cases of sbp, age and smoker.
    let used: Vec<&Row> = all
        .iter()
        .filter(|r| recorded(r, &[SBP, AGE, SMOKER]))
        .collect();
    let StatBody::Regression(g) = &res.statistic(3).unwrap().body else {
        panic!("not a regression");
    };
    assert_eq!(g.n, Some(used.len() as u64));
    let want = ols(&used);
    for (c, w) in g.coefficients.iter().zip(want) {
        assert!(
            (c.estimate - w).abs() < 1e-6,
            "{}: {} vs {w}",
            c.term,
            c.estimate
        );
    }
    let out = all.len() - used.len();
    assert_eq!(excluded(&res, 3).rows, Some(out as u64));
    assert_eq!(excluded(&res, 3).columns, ["sbp", "age", "smoker"]);
}

/// sbp ~ 1 + age + smoker by the normal equations (3x3, Cramer's rule).
fn ols(rows: &[&Row]) -> [f64; 3] {
    let x = |r: &Row| [1.0, r[AGE] as f64, r[SMOKER] as f64];
    let mut a = [[0.0f64; 3]; 3];
    let mut v = [0.0f64; 3];
    for r in rows {
        let xr = x(r);
        for i in 0..3 {
            v[i] += xr[i] * r[SBP] as f64 / 10.0;
            for j in 0..3 {
                a[i][j] += xr[i] * xr[j];
            }
        }
    }
    let det = |m: [[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(a);
    let mut out = [0.0; 3];
    for (k, o) in out.iter_mut().enumerate() {
        let mut m = a;
        for i in 0..3 {
            m[i][k] = v[i];
        }
        *o = det(m) / d;
    }
    out
}

#[test]
fn no_missing_value_reports_zero_excluded_and_a_small_count_is_withheld() {
    let (a, b) = (rows(3, 200, 0.0), rows(4, 200, 0.0));
    let job = job("drop", 5);
    let res = run(&job, [&a, &b]);
    for i in 0..5 {
        assert_eq!(excluded(&res, i).rows, Some(0), "statistic {i}");
    }
    // Two rows missing sbp in all: below 5, not 0. The statistics that do
    // not read sbp still exclude none (a 0 may be withheld too, by the
    // differencing test, never shown as anything else).
    let mut a = a;
    a[0][SBP] = MISSING;
    a[7][SBP] = MISSING;
    let res = run(&job, [&a, &b]);
    assert_eq!(excluded(&res, 1).rows, None);
    assert_eq!(excluded(&res, 3).rows, None);
    for i in [0, 2, 4] {
        let e = excluded(&res, i);
        assert!(matches!(e.rows, Some(0) | None), "statistic {i}: {e:?}");
        assert!(e.cells.iter().all(|c| matches!(c.rows, Some(0) | None)));
    }
    let withheld = &res.disclosure;
    let json = serde_json::to_string(withheld).unwrap();
    assert!(
        json.contains("rows excluded"),
        "the record names the excluded rows"
    );
}

/// The reader's attack: two smokers miss sbp. `count(by smoker)` counts
/// them, `mean(sbp by smoker)` does not: the difference of the two
/// smokers' n would say that exactly two smokers have no blood pressure
/// recorded (eight non-smokers miss it too, so the mean's ten excluded
/// rows in all pass the threshold). That slice is the mean's excluded rows of its smoker=yes
/// group, withheld (2 < 5), and the differencing test must then withhold
/// one of the two n (or the regression's smoker count, which also lacks
/// them) so no subtraction gives 2.
#[test]
fn the_rows_a_statistic_left_out_cannot_be_recovered_by_subtraction() {
    let (mut a, b) = (rows(5, 200, 0.0), rows(6, 200, 0.0));
    let smokers: Vec<usize> = (0..a.len()).filter(|&i| a[i][SMOKER] == 1).collect();
    a[smokers[0]][SBP] = MISSING;
    a[smokers[1]][SBP] = MISSING;
    // Eight non-smokers too, so the mean's 10 excluded rows in all pass.
    let others: Vec<usize> = (0..a.len()).filter(|&i| a[i][SMOKER] == 0).collect();
    others.iter().take(8).for_each(|&i| a[i][SBP] = MISSING);
    let job = job("drop", 5);
    let res = run(&job, [&a, &b]);
    let released = released_counts(&res);
    let get = |name: &str| released.iter().find(|(n, _)| n == name).map(|x| x.1);
    let all_smokers = get("#5 count(by smoker)[smoker=yes].n");
    let with_sbp = [
        get("#2 mean(sbp by smoker)[smoker=yes].n"),
        get("#4 linear_regression(sbp ~ age + smoker)[all].sum(smoker=yes)"),
    ];
    // The names compared are the plan's (their rule bits were opened).
    for name in [
        "#5 count(by smoker)[smoker=yes].suppressed",
        "#2 mean(sbp by smoker)[smoker=yes].suppressed",
    ] {
        assert!(get(name).is_some(), "no {name} in {released:?}");
    }
    for w in with_sbp {
        if let (Some(all), Some(w)) = (all_smokers, w) {
            assert!(
                all - w != 2,
                "the two smokers missing sbp are recovered: {all} - {w}"
            );
        }
    }
    let parts = &excluded(&res, 1).cells;
    assert_eq!(parts.len(), 3, "{parts:?}");
    assert_eq!(parts[1].rows, None, "2 smokers: withheld");
    assert!(matches!(parts[0].rows, Some(0) | None) && matches!(parts[2].rows, Some(0) | None));
}

fn released_counts(res: &Results) -> Vec<(String, i128)> {
    res.revealed
        .iter()
        .filter_map(|r| Some((r.name.clone(), r.value.parse().ok()?)))
        .collect()
}

#[test]
fn listwise_leaves_a_row_out_of_every_statistic() {
    let (a, b) = (rows(7, 200, 0.05), rows(8, 200, 0.05));
    let job = job("listwise", 5);
    let plan = Plan::new(&job).unwrap();
    // Listwise rows never hold MISSING: the loader drops them.
    let complete: Vec<Row> = a
        .iter()
        .chain(&b)
        .filter(|r| recorded(r, &[0, 1, 2, 3]))
        .copied()
        .collect();
    let res = run(&job, [&complete, &[]]);
    assert!(res.statistics.iter().all(|s| s.excluded.is_none()));
    let n: u64 = res
        .statistic(0)
        .unwrap()
        .cells()
        .unwrap()
        .iter()
        .filter_map(|c| c.n)
        .sum();
    assert_eq!(n, complete.len() as u64);
    assert_eq!(plan.len(), Plan::new(&job).unwrap().len());
}

fn local() -> LocalConfig {
    LocalConfig::from_toml_str("role = \"p0\"\ncsv = \"x.csv\"\noutput_dir = \"out\"\nkey = \"k\"\ncert = \"c\"\nlisten = \"127.0.0.1:4433\"\n").unwrap()
}

#[test]
fn missing_codes_come_from_the_job_and_per_column() {
    let job = job("drop", 5);
    let csv = "sbp,age,smoker,region\n120.5,40,no,north\n.,unknown,yes,\nNA,50,,south\n";
    let mut got = Vec::new();
    let log = read_rows(csv.as_bytes(), "x.csv", &job, &local(), |r| {
        got.push(r.to_vec())
    })
    .unwrap();
    assert_eq!(log.rows_used, 3);
    assert_eq!(
        got,
        [
            vec![1205, 40, 0, 0],
            vec![MISSING, MISSING, 1, MISSING],
            vec![MISSING, 50, MISSING, 1]
        ]
    );
    assert_eq!(log.missing["sbp"], 2);
    assert_eq!(log.missing["age"], 1);
    // age's own codes replace the job's: "NA" is not one of them.
    let e = read_rows(
        "sbp,age,smoker,region\n120,NA,no,north\n".as_bytes(),
        "x.csv",
        &job,
        &local(),
        |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(&e, DataError::NotANumber { line: 2, column, .. } if column == "age"),
        "{e}"
    );
    assert!(e.to_string().contains("list it in data.missing"), "{e}");
    // Under "reject" a missing code is an error naming file, line, column.
    let job = self::job("reject", 5);
    let e = read_rows(
        "sbp,age,smoker,region\n.,40,no,north\n".as_bytes(),
        "x.csv",
        &job,
        &local(),
        |_| {},
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "x.csv:2: column 'sbp': missing value (set data.on_missing = \"drop\" to leave the row out of the statistics that use the column)"
    );
}

#[test]
fn a_missing_code_that_is_a_level_or_a_number_is_refused() {
    let text = job_text("drop", 5);
    let bad = text.replace("missing = [\"unknown\"]", "missing = [\"-1\"]");
    let e = Job::from_toml_str(&bad).unwrap_err().to_string();
    assert!(e.contains("missing code \"-1\" is a number"), "{e}");
    let bad = text.replace(
        "levels = [\"no\", \"yes\"]",
        "levels = [\"no\", \"yes\"]\nmissing = [\"no\"]",
    );
    let e = Job::from_toml_str(&bad).unwrap_err().to_string();
    assert!(
        e.contains("missing code \"no\" is also one of the levels"),
        "{e}"
    );
}
