#![allow(clippy::unwrap_used)]

use std::path::Path;

use super::*;
use crate::release::ledger::{Entry, Ledger, Population};

const HEAD: &str = r#"
[job]
name = "check"
version = 1

[parties]
p0 = { name = "a", cert_sha256 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" }
p1 = { name = "b", cert_sha256 = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100", address = "127.0.0.1:4433" }

[data]
max_rows = 1000

[[column]]
name = "region"
kind = "category"
levels = ["n", "s"]

[[column]]
name = "x"
kind = "integer"
min = 0
max = 100

[[column]]
name = "time"
kind = "integer"
min = 0
max = 10

[[column]]
name = "event"
kind = "integer"
min = 0
max = 1

[[statistic]]
kind = "count"
by = ["region"]
"#;

const MORE: &str = r#"
[[statistic]]
kind = "mean"
column = "x"
by = ["region"]

[[statistic]]
kind = "linear_regression"
y = "x"
x = ["region"]

[[statistic]]
kind = "kaplan_meier"
time = "time"
event = "event"
edges = [0, 5, 11]

[policy]
min_cell = 3
min_group = 3
"#;

/// This side's rows: region n has 2 records (per-party), region s one
/// dominant x; each interval 1 event (merged).
const CSV: &str = "region,x,time,event
n,1,1,1
n,2,6,0
s,1,6,0
s,1,6,0
s,1,7,0
s,1,8,1
s,100,9,0
";

fn job() -> Job {
    Job::from_toml_str(&format!("{HEAD}{MORE}")).unwrap()
}

fn local_in(dir: &Path, ledger: &str) -> LocalConfig {
    std::fs::write(dir.join("a.csv"), CSV).unwrap();
    let text = format!(
        "role = \"p0\"\ncsv = \"a.csv\"\noutput_dir = \"out\"\nkey = \"a.key\"\ncert = \"a.crt\"\nlisten = \"127.0.0.1:4433\"\n{ledger}"
    );
    std::fs::write(dir.join("local.toml"), text).unwrap();
    LocalConfig::load(&dir.join("local.toml")).unwrap()
}

fn names(r: &CheckReport) -> Vec<&str> {
    r.values().map(|v| v.name.as_str()).collect()
}

#[test]
fn lists_every_value_and_bit_with_its_rules() {
    let r = check(&job(), None).unwrap();
    assert_eq!(r.control, "checked");
    assert_eq!(
        names(&r),
        [
            "#1 count(by region)[region=n].n",
            "#1 count(by region)[region=s].n",
            "#2 mean(x by region)[region=n].n",
            "#2 mean(x by region)[region=n].sum",
            "#2 mean(x by region)[region=n].sum_sq",
            "#2 mean(x by region)[region=s].n",
            "#2 mean(x by region)[region=s].sum",
            "#2 mean(x by region)[region=s].sum_sq",
            "#3 linear_regression(x ~ region)[all].n",
            "#3 linear_regression(x ~ region)[region=n].n",
            "#3 linear_regression(x ~ region)[region=s].n",
            "#3 linear_regression(x ~ region).singular",
            "#3 linear_regression(x ~ region).narrow_spread",
            "#3 linear_regression(x ~ region).coefficient[intercept]",
            "#3 linear_regression(x ~ region).coefficient[region=s]",
            "#3 linear_regression(x ~ region).variance[intercept]",
            "#3 linear_regression(x ~ region).variance[region=s]",
            "#3 linear_regression(x ~ region).r_squared",
            "#3 linear_regression(x ~ region).residual_variance",
            "#4 kaplan_meier(time, event)[all, [0, 5)].at_risk",
            "#4 kaplan_meier(time, event)[all, [0, 5)].events",
            "#4 kaplan_meier(time, event)[all, [0, 5)].censored",
            "#4 kaplan_meier(time, event)[all, [5, 11)].at_risk",
            "#4 kaplan_meier(time, event)[all, [5, 11)].events",
            "#4 kaplan_meier(time, event)[all, [5, 11)].censored",
        ]
    );
    let first = r.values().next().unwrap();
    assert_eq!(first.what, "count where region=n");
    assert_eq!(
        first.rules,
        [
            "pooled count >= 3",
            "each side's part 0 or >= 3",
            SECONDARY_RULE
        ]
    );
    let fitted: Vec<_> = r.values().filter(|v| v.provenance.is_none()).collect();
    assert_eq!(fitted.len(), 8);
    let bits: Vec<&str> = r.statistics[2]
        .bits
        .iter()
        .map(|b| b.name.as_str())
        .collect();
    assert_eq!(
        bits,
        [
            "#3 linear_regression(x ~ region)[all].suppressed",
            "#3 linear_regression(x ~ region)[region=n].suppressed",
            "#3 linear_regression(x ~ region)[region=s].suppressed",
        ]
    );
    assert_eq!(
        r.statistics[1].bits[0].decides,
        "pooled count >= 3; each side's part 0 or >= 3; top 2 below 90% of the total"
    );
    assert_eq!(r.first_round_bits, 2 + 2 + 3 + 2);
    assert!(r.ledger.is_none() && r.local.is_none() && r.dp.is_none());
}

#[test]
fn table_mode_opens_one_bit_per_statistic() {
    let job = Job::from_toml_str(&format!("{HEAD}{MORE}suppress = \"table\"\n")).unwrap();
    let r = check(&job, None).unwrap();
    assert_eq!(r.first_round_bits, 4);
    assert_eq!(
        r.statistics[2].bits[0].decides,
        "any of its 3 gated counts fails its rules"
    );
}

#[test]
fn this_sides_data_names_the_cells_it_puts_at_risk() {
    let dir = tempfile::tempdir().unwrap();
    let local = local_in(dir.path(), "");
    let r = check(&job(), Some(&local)).unwrap();
    let found = r.local.unwrap();
    assert_eq!(found.not_checked, None);
    let cells: Vec<(&str, &str)> = found
        .findings
        .iter()
        .map(|f| (f.cell.as_str(), f.outcome.as_str()))
        .collect();
    let merged = "merged with the following intervals (or into the last span released)";
    let dominance = "may be withheld (dominance is decided on the pooled values)";
    assert_eq!(
        cells,
        [
            ("#1 count(by region)[region=n]", "withheld"),
            ("#2 mean(x by region)[region=n]", "withheld"),
            (
                "#3 linear_regression(x ~ region)[region=n]",
                "withheld: the whole statistic (a category level fails)"
            ),
            ("#4 kaplan_meier(time, event)[all, [0, 5)].events", merged),
            ("#4 kaplan_meier(time, event)[all, [5, 11)].events", merged),
            ("#2 mean(x by region)[region=n]", dominance),
            ("#2 mean(x by region)[region=s]", dominance),
            // The regression's outcome, over all records and per level.
            ("#3 linear_regression(x ~ region)[all]", dominance),
            ("#3 linear_regression(x ~ region)[region=n]", dominance),
            ("#3 linear_regression(x ~ region)[region=s]", dominance),
        ]
    );
    assert_eq!(
        found.findings[0].rule,
        "per-party: this side's part is between 1 and 2"
    );
    let ledger = r.ledger.unwrap();
    assert_eq!(ledger.refusal, None);
    assert_eq!(ledger.spent, Spend::default());
}

#[test]
fn a_spent_budget_shows_the_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let local = local_in(
        dir.path(),
        "[ledger]\ndataset = \"cohort\"\nepsilon = 2.0\n",
    );
    let mut entry = Entry {
        unix_time: 1_700_000_000,
        job_name: "earlier".into(),
        job_hash: "ab".repeat(32),
        dataset: "cohort".into(),
        peer: "cd".repeat(32),
        population: Population::Pooled,
        released: vec![],
        withheld: vec![],
        dp: Some(Spend {
            epsilon: 1.5,
            delta: 0.0,
        }),
    };
    Ledger::append(&local.ledger_path(), entry.clone()).unwrap();
    entry.dataset = "another".into();
    Ledger::append(&local.ledger_path(), entry).unwrap();
    let dp = "[policy]\nmin_cell = 3\nmin_group = 3\n[policy.dp]\nepsilon = 1.0\n";
    let job = Job::from_toml_str(&format!("{HEAD}{dp}")).unwrap();
    let r = check(&job, Some(&local)).unwrap();
    let ledger = r.ledger.unwrap();
    assert_eq!(ledger.dataset, "cohort");
    assert_eq!(ledger.spent.epsilon, 1.5);
    assert_eq!(ledger.this_job.epsilon, 1.0);
    assert_eq!(ledger.budget.epsilon, 2.0);
    let refusal = ledger.refusal.unwrap();
    assert!(
        refusal.starts_with("refused: this run's epsilon 1, delta 0 on top of the epsilon 1.5"),
        "{refusal}"
    );
    // Under DP the own-part rules are off: nothing is checked locally.
    let found = r.local.unwrap();
    assert!(found.not_checked.unwrap().starts_with("under DP"));
    assert!(found.findings.is_empty());
}

#[test]
fn a_quantile_lists_its_groups_n_and_each_quantile_with_the_extreme_rule() {
    let stat = "[[statistic]]\nkind = \"quantile\"\ncolumn = \"x\"\np = [0.5, 0.9]\nby = [\"region\"]\n[policy]\nmin_cell = 5\nmin_group = 5\n";
    let job = Job::from_toml_str(&format!("{HEAD}{stat}")).unwrap();
    let r = check(&job, None).unwrap();
    assert_eq!(
        names(&r),
        [
            "#1 count(by region)[region=n].n",
            "#1 count(by region)[region=s].n",
            "#2 quantile(x by region)[region=n].n",
            "#2 quantile(x by region)[region=s].n",
            "#2 quantile(x by region)[region=n].p=0.5",
            "#2 quantile(x by region)[region=n].p=0.9",
            "#2 quantile(x by region)[region=s].p=0.5",
            "#2 quantile(x by region)[region=s].p=0.9",
        ]
    );
    let q = r.values().nth(4).unwrap();
    assert_eq!(
        q.what,
        "type-1 quantile at p = 0.5 of x in region=n: opened as its 7 bisection bits (one extreme-rule bit first)"
    );
    assert!(q.provenance.is_none());
    assert_eq!(q.rules.last().unwrap(), "n*p >= 5 and n*(1-p) >= 5");
    assert!(r
        .rules
        .iter()
        .any(|rule| rule.starts_with("quantiles: searched and opened only")));
}

#[test]
fn a_robust_regression_lists_its_robust_variances() {
    let text = format!("{HEAD}{MORE}")
        .replace("x = [\"region\"]\n", "x = [\"region\"]\nrobust = \"hc1\"\n");
    let r = check(&Job::from_toml_str(&text).unwrap(), None).unwrap();
    let robust: Vec<&str> = names(&r)
        .into_iter()
        .filter(|n| n.contains(".robust"))
        .collect();
    assert_eq!(
        robust,
        [
            "#3 linear_regression(x ~ region).robust.singular",
            "#3 linear_regression(x ~ region).robust.narrow_spread",
            "#3 linear_regression(x ~ region).robust_variance[intercept]",
            "#3 linear_regression(x ~ region).robust_variance[region=s]",
        ]
    );
    let fitted = r.values().filter(|v| v.provenance.is_none()).count();
    assert_eq!(fitted, 8 + 4);
    assert!(r.statistics[2]
        .notes
        .iter()
        .any(|n| n.starts_with("robust = \"hc1\"")));
}
