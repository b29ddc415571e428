//! A plaintext reference: the union of both CSVs parsed independently of
//! the crate, and each statistic computed directly from the rows.

#[derive(Clone, Copy, Debug)]
pub struct Row {
    /// sbp in tenths.
    pub sbp: i64,
    pub age: i64,
    pub smoker: usize,
    pub sex: usize,
    pub region: usize,
}

pub const REGIONS: [&str; 4] = ["north", "south", "east", "west"];

fn level(v: &str, levels: &[&str]) -> usize {
    levels.iter().position(|l| *l == v).unwrap()
}

/// Parses a fixture CSV whose headers are `names` for (sbp, age, smoker, sex, region).
pub fn parse(text: &str, names: [&str; 5]) -> Vec<Row> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = names.map(|n| header.iter().position(|h| *h == n).unwrap());
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let sbp: f64 = f[at[0]].parse().unwrap();
            Row {
                sbp: (sbp * 10.0).round() as i64,
                age: f[at[1]].parse().unwrap(),
                smoker: level(f[at[2]], &["no", "yes"]),
                sex: level(f[at[3]], &["f", "m"]),
                region: level(f[at[4]], &REGIONS),
            }
        })
        .collect()
}

pub fn union() -> Vec<Row> {
    let mut rows = parse(
        &super::common::read("a.csv"),
        ["sbp", "age", "smoker", "sex", "region"],
    );
    rows.extend(parse(
        &super::common::read("b.csv"),
        ["SBP_mmHg", "age", "smoker", "Sex", "Region"],
    ));
    rows
}

/// Each side's rows: hospital A's, then hospital B's.
pub fn sides() -> [Vec<Row>; 2] {
    [
        parse(
            &super::common::read("a.csv"),
            ["sbp", "age", "smoker", "sex", "region"],
        ),
        parse(
            &super::common::read("b.csv"),
            ["SBP_mmHg", "age", "smoker", "Sex", "Region"],
        ),
    ]
}

/// Whether the fixture policy releases a cell: pooled count at least 5,
/// each side's part 0 or at least 3 (the per-party rule).
pub fn released(keep: impl Fn(&Row) -> bool) -> bool {
    let [a, b] = sides();
    let na = a.iter().filter(|r| keep(r)).count();
    let nb = b.iter().filter(|r| keep(r)).count();
    let side_ok = |n: usize| n == 0 || n >= 3;
    na + nb >= 5 && side_ok(na) && side_ok(nb)
}

/// Checks one cell against the rules: a cell failing the primary rules
/// is withheld; a withheld cell that passes them is recorded as a
/// secondary suppression; a released cell has the oracle's count.
pub fn check_cell(
    res: &duet_stats::Results,
    cell: &duet_stats::results::CellResult,
    label: &str,
    keep: impl Fn(&Row) -> bool,
) {
    let n = union().iter().filter(|r| keep(r)).count() as u64;
    if !released(&keep) {
        assert!(
            cell.suppressed,
            "{label}[{}] passed although it fails a rule",
            cell.cell
        );
    } else if cell.suppressed {
        let name = format!("{label}[{}].n", cell.cell);
        let w = res.disclosure.withheld.iter().find(|w| w.name == name);
        assert_eq!(w.map(|w| w.kind), Some("secondary"), "{name}");
    } else {
        assert_eq!(cell.n, Some(n), "{label}[{}]", cell.cell);
    }
}

pub fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Two-pass sample variance.
pub fn variance(x: &[f64]) -> f64 {
    let m = mean(x);
    x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() as f64 - 1.0)
}

/// Two-pass Pearson correlation.
pub fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let (mx, my) = (mean(x), mean(y));
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let syy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    sxy / (sxx * syy).sqrt()
}

/// OLS by modified Gram-Schmidt QR: (coefficients, standard errors, R^2).
pub fn ols(x: &[Vec<f64>], y: &[f64]) -> (Vec<f64>, Vec<f64>, f64) {
    let (n, p) = (y.len(), x[0].len());
    let mut q: Vec<Vec<f64>> = (0..p).map(|j| x.iter().map(|r| r[j]).collect()).collect();
    let mut r = vec![vec![0.0; p]; p];
    for j in 0..p {
        for i in 0..j {
            let d: f64 = (0..n).map(|k| q[i][k] * q[j][k]).sum();
            r[i][j] = d;
            for k in 0..n {
                q[j][k] -= d * q[i][k];
            }
        }
        let norm = q[j].iter().map(|v| v * v).sum::<f64>().sqrt();
        r[j][j] = norm;
        q[j].iter_mut().for_each(|v| *v /= norm);
    }
    let qty: Vec<f64> = (0..p)
        .map(|j| (0..n).map(|k| q[j][k] * y[k]).sum())
        .collect();
    let mut beta = vec![0.0; p];
    for i in (0..p).rev() {
        let s: f64 = (i + 1..p).map(|k| r[i][k] * beta[k]).sum();
        beta[i] = (qty[i] - s) / r[i][i];
    }
    // R^-1, upper triangular.
    let mut rinv = vec![vec![0.0; p]; p];
    for c in 0..p {
        for i in (0..=c).rev() {
            let e = if i == c { 1.0 } else { 0.0 };
            let s: f64 = (i + 1..=c).map(|k| r[i][k] * rinv[k][c]).sum();
            rinv[i][c] = (e - s) / r[i][i];
        }
    }
    let rss: f64 = x
        .iter()
        .zip(y)
        .map(|(row, &yv)| (yv - row.iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>()).powi(2))
        .sum();
    let sigma2 = rss / (n - p) as f64;
    let se = (0..p)
        .map(|i| (sigma2 * (0..p).map(|k| rinv[i][k].powi(2)).sum::<f64>()).sqrt())
        .collect();
    let my = mean(y);
    let tss: f64 = y.iter().map(|v| (v - my).powi(2)).sum();
    (beta, se, 1.0 - rss / tss)
}
