//! Property: after any run of a small random job (count and sum tables
//! over 2 or 3 category columns of 2 or 3 levels, random thresholds,
//! 0 to 60 random rows per side), no value the disclosure record lists as withheld
//! is a rational linear combination of the released values of the same
//! quantity.
//!
//! The check is independent of the gate's own (`release::atoms`, `span`):
//! the atoms are every combination of the job's levels, each value is the
//! 0/1 vector of the atoms its provenance cell covers, and span membership
//! is decided by fraction-free elimination over i128 written here. (This
//! test reads the disclosure record, which only the gated code has.)

use std::collections::BTreeMap;

use duet_stats::release::provenance::{Condition, LinearValue};
use proptest::prelude::*;

use super::common::{job_text, run};

/// A random job and data: levels per column, statistics (sum?, by mask),
/// thresholds, and each side's rows (levels, x).
#[derive(Debug, Clone)]
struct Case {
    levels: Vec<usize>,
    stats: Vec<(bool, u8)>,
    min_cell: u64,
    per_party: Option<u64>,
    sides: [Vec<(Vec<usize>, u32)>; 2],
}

fn case() -> impl Strategy<Value = Case> {
    prop::collection::vec(2usize..=3, 2..=3).prop_flat_map(|levels| {
        let cols = levels.len();
        let row = (levels.iter().map(|&l| 0..l).collect::<Vec<_>>(), 0u32..=20);
        let rows = prop::collection::vec(row, 0..=60);
        (
            Just(levels),
            prop::collection::vec((any::<bool>(), 0u8..(1 << cols)), 1..=4),
            3u64..=5,
            prop::option::of(3u64..=4),
            [rows.clone(), rows],
        )
            .prop_map(|(levels, stats, min_cell, per_party, sides)| Case {
                levels,
                stats,
                min_cell,
                per_party,
                sides,
            })
    })
}

fn name(c: usize) -> String {
    format!("c{c}")
}

fn level(l: usize) -> String {
    format!("l{l}")
}

fn job_of(case: &Case) -> duet_stats::Job {
    let mut columns =
        "[[column]]\nname = \"x\"\nkind = \"integer\"\nmin = 0\nmax = 20\n".to_string();
    for (c, &n) in case.levels.iter().enumerate() {
        let levels: Vec<String> = (0..n).map(|l| format!("\"{}\"", level(l))).collect();
        columns += &format!(
            "\n[[column]]\nname = \"{}\"\nkind = \"category\"\nlevels = [{}]\n",
            name(c),
            levels.join(", ")
        );
    }
    let mut stats = String::new();
    for &(sum, mask) in &case.stats {
        let by: Vec<String> = (0..case.levels.len())
            .filter(|c| mask & (1 << c) != 0)
            .map(|c| format!("\"{}\"", name(c)))
            .collect();
        let kind = if sum {
            "kind = \"sum\"\ncolumn = \"x\""
        } else {
            "kind = \"count\""
        };
        stats += &format!("\n[[statistic]]\n{kind}\nby = [{}]\n", by.join(", "));
    }
    let mut policy = format!("[policy]\nmin_cell = {0}\nmin_group = {0}\n", case.min_cell);
    if let Some(p) = case.per_party {
        policy += &format!("min_cell_per_party = {p}\n");
    }
    duet_stats::Job::from_toml_str(&job_text(&columns, &stats, &policy)).unwrap()
}

fn csv_of(case: &Case, side: usize) -> String {
    let header: Vec<String> = std::iter::once("x".to_string())
        .chain((0..case.levels.len()).map(name))
        .collect();
    let mut out = header.join(",") + "\n";
    for (levels, x) in &case.sides[side] {
        let cells: Vec<String> = levels.iter().map(|&l| level(l)).collect();
        out += &format!("{x},{}\n", cells.join(","));
    }
    out
}

/// Every combination of levels, as maps column -> level name.
fn atoms(levels: &[usize]) -> Vec<BTreeMap<String, String>> {
    let mut out = vec![BTreeMap::new()];
    for (c, &n) in levels.iter().enumerate() {
        out = out
            .into_iter()
            .flat_map(|a| {
                (0..n).map(move |l| {
                    let mut a = a.clone();
                    a.insert(name(c), level(l));
                    a
                })
            })
            .collect();
    }
    out
}

/// The 0/1 vector of the atoms a value's cell covers.
fn vector(value: &LinearValue, atoms: &[BTreeMap<String, String>]) -> Vec<i128> {
    atoms
        .iter()
        .map(|atom| {
            let covered = value.cell.iter().all(|(col, cond)| match cond {
                Condition::Levels(set) => atom.get(col).is_some_and(|l| set.contains(l)),
                other => panic!("a count or sum table has no condition {other:?}"),
            });
            i128::from(covered)
        })
        .collect()
}

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 {
        a.abs()
    } else {
        gcd(b, a % b)
    }
}

/// Rows in echelon form over the integers (each reduced against the rows
/// before it), with each row's pivot.
#[derive(Default)]
struct Echelon {
    rows: Vec<(usize, Vec<i128>)>,
}

impl Echelon {
    /// `v` less its projection on the rows: zero iff `v` is in their span.
    fn reduce(&self, mut v: Vec<i128>) -> Vec<i128> {
        for (p, row) in &self.rows {
            let (a, b) = (row[*p], v[*p]);
            if b == 0 {
                continue;
            }
            for (x, r) in v.iter_mut().zip(row) {
                *x = (*x * a).checked_sub(r * b).unwrap();
            }
            let g = v.iter().fold(0, |g, &x| gcd(g, x));
            if g > 1 {
                v.iter_mut().for_each(|x| *x /= g);
            }
        }
        v
    }

    fn contains(&self, v: &[i128]) -> bool {
        self.reduce(v.to_vec()).iter().all(|&x| x == 0)
    }

    fn push(&mut self, v: Vec<i128>) {
        let v = self.reduce(v);
        if let Some(p) = v.iter().position(|&x| x != 0) {
            self.rows.push((p, v));
        }
    }
}

#[test]
fn the_echelon_decides_span_membership() {
    // Known answers: e1 + e2 is in span{e1 + e2 + e3, e3}, e1 is not.
    let mut e = Echelon::default();
    e.push(vec![1, 1, 1]);
    e.push(vec![0, 0, 1]);
    assert!(e.contains(&[1, 1, 0]));
    assert!(!e.contains(&[1, 0, 0]));
    assert!(e.contains(&[2, 2, -3]));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn no_withheld_value_is_in_the_span_of_released_ones(case in case()) {
        let job = job_of(&case);
        let res = run(&job, &csv_of(&case, 0), &csv_of(&case, 1));
        let atoms = atoms(&case.levels);
        let mut released: BTreeMap<&[String], Echelon> = BTreeMap::new();
        for r in &res.disclosure.released {
            let span = released.entry(r.provenance.quantity.as_slice()).or_default();
            span.push(vector(&r.provenance, &atoms));
        }
        for w in &res.disclosure.withheld {
            let Some(span) = released.get(w.provenance.quantity.as_slice()) else {
                continue;
            };
            prop_assert!(
                !span.contains(&vector(&w.provenance, &atoms)),
                "withheld {} ({}) is a combination of released values", w.name, w.kind
            );
        }
    }
}
