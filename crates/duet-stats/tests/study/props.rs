//! Property test: random small tables on both sides (0 to 12 rows each),
//! pooled counts and sums exact, variances within 1e-9 relative of the
//! plaintext union and correlations (solved on shares) within the stated
//! [`ACCURACY`] absolutely.

use duet_stats::secure::linear::ACCURACY;
use duet_stats::{Job, Plan};
use proptest::prelude::*;

use super::common::{aggregate, close, local, run_pair};
use super::oracle;

const JOB: &str = r#"
[job]
name = "props"
version = 1
[parties]
p0 = { name = "a", cert_sha256 = "0000000000000000000000000000000000000000000000000000000000000000" }
p1 = { name = "b", cert_sha256 = "1111111111111111111111111111111111111111111111111111111111111111" }
[data]
max_rows = 100
[[column]]
name = "x"
kind = "decimal"
places = 2
min = -5
max = 5
[[column]]
name = "y"
kind = "integer"
min = -1000
max = 1000
[[column]]
name = "g"
kind = "category"
levels = ["a", "b"]
[[statistic]]
kind = "sum"
column = "x"
by = ["g"]
[[statistic]]
kind = "variance"
column = "y"
[[statistic]]
kind = "correlation"
columns = ["x", "y"]
[policy]
min_cell = 2
min_group = 2
disclosure = "off"
reason = "compares every statistic with the plaintext union, small cells included"
"#;

type Table = Vec<(i64, i64, usize)>;

fn csv(rows: &Table) -> String {
    let mut s = "x,y,g\n".to_string();
    for (x, y, g) in rows {
        s += &format!("{},{y},{}\n", *x as f64 / 100.0, ["a", "b"][*g]);
    }
    s
}

fn table() -> impl Strategy<Value = Table> {
    prop::collection::vec((-500i64..=500, -1000i64..=1000, 0usize..2), 0..12)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn pooled_statistics_match_the_union(a in table(), b in table()) {
        let job = Job::from_toml_str(JOB).unwrap();
        let plan = Plan::new(&job).unwrap();
        let mut cfg = local("local_a.toml");
        cfg.columns.clear();
        let (la, _) = aggregate(&job, &plan, &cfg, &csv(&a)).unwrap();
        let (lb, _) = aggregate(&job, &plan, &cfg, &csv(&b)).unwrap();
        let p = job.policy().clone();
        let ((r0, _), (r1, _)) = run_pair(&job, &plan, [&la, &lb], [p.clone(), p]);
        let (r0, r1) = (r0.unwrap(), r1.unwrap());
        prop_assert_eq!(&r0, &r1);
        let all: Table = a.iter().chain(&b).copied().collect();
        let sums = r0.statistic(0).unwrap().cells().unwrap();
        for g in 0..2 {
            let xs: Vec<i64> = all.iter().filter(|r| r.2 == g).map(|r| r.0).collect();
            let released = xs.len() >= 2;
            prop_assert_eq!(sums[g].n, released.then_some(xs.len() as u64));
            let want = format!("{:.2}", xs.iter().sum::<i64>() as f64 / 100.0);
            prop_assert_eq!(sums[g].sum.clone(), released.then_some(want));
        }
        let var = &r0.statistic(1).unwrap().cells().unwrap()[0];
        let ys: Vec<f64> = all.iter().map(|r| r.1 as f64).collect();
        if ys.len() >= 2 {
            prop_assert!(close(var.value.unwrap(), oracle::variance(&ys), 1e-9));
        } else {
            prop_assert!(var.suppressed);
        }
        let corr = r0.statistic(2).unwrap().correlation().unwrap();
        let xs: Vec<f64> = all.iter().map(|r| r.0 as f64 / 100.0).collect();
        if let Some(m) = &corr.matrix {
            let want = oracle::correlation(&xs, &ys);
            match m[0][1] {
                Some(r) => prop_assert!((r - want).abs() <= ACCURACY, "{} vs {}", r, want),
                None => prop_assert!(!want.is_finite()),
            }
        } else {
            prop_assert!(all.len() < 2);
        }
    }
}
