//! Leak 1: a model opens what the counts withheld. `count(by region)`
//! withholds a region of 2 patients, but a linear regression with `region`
//! among its predictors opened, before the gate, the region's indicator
//! sums (`sum(region=west) = 2`, `sum(region=west * sbp)`), and its
//! coefficients give the region's mean. The side that holds one of the two
//! subtracts its own and learns the other's sbp exactly.
//!
//! (Correlations take numeric columns only, so the category level enters
//! models through regressions: one with a numeric predictor beside the
//! level, one with the level alone, where the coefficients are the means.)

use super::common::{csv, job, job_text, opened, run, POLICY};

const COLUMNS: &str = r#"
[[column]]
name = "sbp"
kind = "integer"
min = 50
max = 260

[[column]]
name = "age"
kind = "integer"
min = 18
max = 100

[[column]]
name = "region"
kind = "category"
levels = ["north", "west"]
"#;

/// A's sbp in region west (its only record there).
const A_WEST: i128 = 150;
/// B's sbp in region west: what the attacker (A) wants.
const B_WEST: i128 = 171;

/// 15 north records per side with varied sbp and age, and one west each.
fn side(sbp0: i64, age0: i64, west: i128) -> String {
    let mut rows: Vec<String> = (0..15)
        .map(|i| format!("{},{},north", sbp0 + 3 * i, age0 + 2 * i % 17))
        .collect();
    rows.push(format!("{west},61,west"));
    let rows: Vec<(&str, usize)> = rows.iter().map(|r| (r.as_str(), 1)).collect();
    csv("sbp,age,region", &rows)
}

fn with_count(model: &str) -> String {
    format!("[[statistic]]\nkind = \"count\"\nby = [\"region\"]\n\n{model}")
}

#[test]
fn regression_does_not_open_a_small_levels_sums() {
    let job = job(
        COLUMNS,
        &with_count(
            "[[statistic]]\nkind = \"linear_regression\"\ny = \"sbp\"\nx = [\"age\", \"region\"]\n",
        ),
    );
    let res = run(&job, &side(110, 30, A_WEST), &side(120, 35, B_WEST));
    let counts = res.statistic(0).unwrap().cells().unwrap();
    assert!(counts[1].suppressed, "the small region must be withheld");
    // The attacker does not need the names: it subtracts its own west sbp
    // from every opened number and looks for a plausible sbp.
    for (name, v) in opened(&res) {
        assert!(
            v - A_WEST != B_WEST,
            "recovered B's sbp {B_WEST} as `{name}` ({v}) minus A's own {A_WEST}"
        );
    }
}

#[test]
fn regression_coefficients_do_not_give_a_small_levels_mean() {
    let job = job(
        COLUMNS,
        &with_count("[[statistic]]\nkind = \"linear_regression\"\ny = \"sbp\"\nx = [\"region\"]\n"),
    );
    let res = run(&job, &side(110, 30, A_WEST), &side(120, 35, B_WEST));
    let counts = res.statistic(0).unwrap().cells().unwrap();
    assert!(counts[1].suppressed, "the small region must be withheld");
    let reg = res.statistic(1).unwrap().regression().unwrap();
    let term = |t: &str| reg.coefficients.iter().find(|c| c.term == t);
    let (Some(n), Some(north), Some(b0), Some(b1)) =
        (reg.n, counts[0].n, term("intercept"), term("region=west"))
    else {
        return; // nothing to difference: the attack fails
    };
    // The west mean is intercept + coefficient; its count is the
    // regression's n minus the released north count.
    let n_west = (n - north) as f64;
    let guess = ((b0.estimate + b1.estimate) * n_west).round() as i128 - A_WEST;
    assert_ne!(
        guess, B_WEST,
        "recovered B's sbp from the coefficients: ({} + {}) * {n_west} - {A_WEST}",
        b0.estimate, b1.estimate
    );
}

/// A logistic regression is a model too: with `region` among its
/// predictors, west's coefficient is the log odds of west's 2 patients (each
/// side holds one): it must not be fitted while a level fails the rules.
#[test]
fn logistic_regression_is_not_fitted_on_a_small_level() {
    let columns =
        format!("{COLUMNS}\n[[column]]\nname = \"sick\"\nkind = \"integer\"\nmin = 0\nmax = 1\n");
    let rows = |sbp0: i64, sick_west: u8| {
        let mut rows: Vec<String> = (0..15)
            .map(|i| format!("{},{},north,{}", sbp0 + 3 * i, 30 + i, i % 2))
            .collect();
        rows.push(format!("150,61,west,{sick_west}"));
        let rows: Vec<(&str, usize)> = rows.iter().map(|r| (r.as_str(), 1)).collect();
        csv("sbp,age,region,sick", &rows)
    };
    let statistic =
        "[[statistic]]\nkind = \"logistic_regression\"\ny = \"sick\"\nx = [\"age\", \"region\"]\n";
    // A per-record fit pads each side to max_rows: keep it small.
    let text = job_text(&columns, statistic, POLICY).replace("max_rows = 100000", "max_rows = 20");
    let job = duet_stats::Job::from_toml_str(&text).unwrap();
    let res = run(&job, &rows(110, 1), &rows(120, 0));
    let fit = &res.statistics[0];
    let body = serde_json::to_value(fit).unwrap();
    assert_eq!(body["suppressed"], true, "{body}");
    assert!(
        !opened(&res)
            .keys()
            .any(|k| k.contains("region=west") && !k.ends_with(".suppressed")),
        "a value of the west level was opened: {:?}",
        opened(&res)
    );
}
