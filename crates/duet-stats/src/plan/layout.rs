//! The layout of one statistic's aggregates: cells, elements per cell,
//! the gating count, names, and the largest term for the overflow proof.

use crate::job::{
    check_edges, check_time_edges, format_scaled, Column, ColumnType, Job, Policy, StatisticSpec,
};

/// One column of a cross-product block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Term {
    /// A numeric column's value in units.
    Numeric { col: usize, max_abs: u128 },
    /// 1 when category column `col` has level `level`.
    Indicator { col: usize, level: usize },
}

impl Term {
    pub(crate) fn max_abs(&self) -> u128 {
        match self {
            Term::Numeric { max_abs, .. } => *max_abs,
            Term::Indicator { .. } => 1,
        }
    }
}

/// Most terms (columns and indicators) in a correlation or regression.
pub(crate) const MAX_TERMS: usize = 256;

/// What a block accumulates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BlockKind {
    /// Per cell of the `by` columns (column, levels): count, then sum and
    /// sum of squares of `value` when asked.
    Grouped {
        by: Vec<(usize, usize)>,
        value: Option<(usize, u128)>,
        squares: bool,
    },
    /// Count per bin of `col`, bin `i` being `[edges[i], edges[i+1])`, the last closed.
    Histogram { col: usize, edges: Vec<i64> },
    /// n, the sum of each term, and the sum of each product of two terms
    /// (upper triangle, diagonal included).
    Cross { terms: Vec<Term> },
    /// Per group and time interval: number at risk at the interval's
    /// start, events and censorings in it.
    Survival {
        time: usize,
        event: usize,
        by: Vec<(usize, usize)>,
        edges: Vec<i64>,
    },
    /// Under available-case analysis, the rows a statistic leaves out.
    /// Without `by`: one count, the rows missing any of `values`. With
    /// `by` (a grouped statistic's groups): per group, its rows missing
    /// any of `values`, then the rows missing a grouping column; so the
    /// slice each group's n lacks is itself gated.
    Excluded {
        by: Vec<(usize, usize)>,
        values: Vec<usize>,
    },
}

/// Which policy threshold gates the block's cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gate {
    Cell,
    Group,
    Regression { params: u64 },
}

/// One statistic's slice of the aggregate vector.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Block {
    pub(crate) stat: usize,
    pub(crate) label: String,
    pub(crate) kind: BlockKind,
    pub(crate) offset: usize,
    pub(crate) cells: usize,
    pub(crate) width: usize,
    pub(crate) gate: Gate,
    pub(crate) cell_names: Vec<String>,
    pub(crate) element_names: Vec<String>,
    /// Columns a row must hold (not missing) to enter the block's
    /// aggregates; empty unless the job uses available cases.
    pub(crate) requires: Vec<usize>,
}

impl Block {
    /// One past the block's last element, if it is representable.
    pub(crate) fn end(&self) -> Option<usize> {
        self.cells
            .checked_mul(self.width)
            .and_then(|n| n.checked_add(self.offset))
    }

    /// Whether `row` holds every column the block requires.
    pub(crate) fn takes(&self, row: &[i64]) -> bool {
        self.requires
            .iter()
            .all(|&c| row.get(c).is_some_and(|&v| v != crate::data::MISSING))
    }

    /// The block counting the rows statistic `stat` (block `of`) leaves out
    /// for missing values, starting at `offset`.
    pub(crate) fn excluded(job: &Job, of: &Block, offset: usize) -> Block {
        // A grouped statistic reading more than its grouping columns has
        // its excluded rows counted per group (any statistic whose rows
        // are one group's, whether or not it aggregates the column).
        let by = match &of.kind {
            BlockKind::Grouped { by, .. } => by.clone(),
            _ => Vec::new(),
        };
        let values: Vec<usize> = of
            .requires
            .iter()
            .copied()
            .filter(|c| !by.iter().any(|(b, _)| b == c))
            .collect();
        let kind = if by.is_empty() || values.is_empty() {
            BlockKind::Excluded {
                by: Vec::new(),
                values: of.requires.clone(),
            }
        } else {
            BlockKind::Excluded { by, values }
        };
        let (cells, width, cell_names, element_names) = shape(job, &kind);
        Block {
            stat: of.stat,
            label: format!("{} rows excluded", of.label),
            kind,
            offset,
            cells,
            width,
            gate: Gate::Cell,
            cell_names,
            element_names,
            requires: Vec::new(),
        }
    }

    /// The pooled count a cell needs for release.
    pub(crate) fn threshold(&self, p: &Policy) -> u64 {
        let group = p.min_cell.max(p.min_group);
        match self.gate {
            Gate::Cell => p.min_cell,
            Gate::Group => group,
            // params <= ratio * n  <=>  n >= params / ratio.
            Gate::Regression { params } => {
                let need = (params as f64 / p.max_params_ratio).ceil();
                group.max(if need >= u64::MAX as f64 {
                    u64::MAX
                } else {
                    need as u64
                })
            }
        }
    }

    /// The aggregate with the largest terms, and that largest magnitude.
    pub(crate) fn max_term(&self) -> (&'static str, u128) {
        match &self.kind {
            BlockKind::Grouped {
                value: Some((_, m)),
                squares,
                ..
            } => {
                if *squares {
                    ("sum of squares", m.saturating_mul(*m))
                } else {
                    ("sum", (*m).max(1))
                }
            }
            BlockKind::Grouped { .. }
            | BlockKind::Histogram { .. }
            | BlockKind::Survival { .. }
            | BlockKind::Excluded { .. } => ("count", 1),
            BlockKind::Cross { terms } => {
                let m = terms.iter().map(Term::max_abs).max().unwrap_or(1).max(1);
                ("cross-product", m.saturating_mul(m))
            }
        }
    }

    pub(crate) fn value_name(&self, cell: usize, element: usize) -> String {
        let e = self.element_names.get(element).map_or("?", String::as_str);
        format!("{}[{}].{e}", self.label, self.cell_name(cell))
    }

    pub(crate) fn cell_name(&self, cell: usize) -> &str {
        self.cell_names.get(cell).map_or("?", String::as_str)
    }
}

fn numeric_max(c: &Column) -> u128 {
    match c.ty {
        ColumnType::Numeric { min, max, .. } => {
            u128::from(min.unsigned_abs().max(max.unsigned_abs()))
        }
        ColumnType::Category { .. } => 1,
    }
}

fn levels(c: &Column) -> &[String] {
    match &c.ty {
        ColumnType::Category { levels } => levels,
        ColumnType::Numeric { .. } => &[],
    }
}

/// Lays out statistic `s` (number `stat`) starting at `offset`. The job is
/// validated, so every named column exists with the right kind; a name
/// that does not resolve yields an empty, unusable block.
pub(crate) fn block(
    job: &Job,
    stat: usize,
    s: &StatisticSpec,
    label: String,
    offset: usize,
) -> Block {
    let find = |name: &String| job.column(name);
    let by_of = |by: &[String]| -> Vec<(usize, &Column)> { by.iter().filter_map(find).collect() };
    let (kind, gate) = match s {
        StatisticSpec::Count { by } => (grouped(&by_of(by), None, false), Gate::Cell),
        StatisticSpec::Contingency { columns } => {
            (grouped(&by_of(columns), None, false), Gate::Cell)
        }
        StatisticSpec::Sum { column, by } => {
            (grouped(&by_of(by), find(column), false), Gate::Group)
        }
        // A mean's standard error needs the sum of squares; under DP that
        // would be one more noisy query, so DP means have none.
        StatisticSpec::Mean { column, by } => {
            let squares = job.policy().dp.is_none();
            (grouped(&by_of(by), find(column), squares), Gate::Group)
        }
        // A quantile's plan cells are its group counts; the bisection
        // reads each side's sorted values (see `plan::quantile`).
        StatisticSpec::Quantile { by, .. } => (grouped(&by_of(by), None, false), Gate::Group),
        StatisticSpec::Variance { column, by } | StatisticSpec::StdDev { column, by } => {
            (grouped(&by_of(by), find(column), true), Gate::Group)
        }
        StatisticSpec::Histogram { column, edges } => {
            let col = find(column).map_or(0, |(i, _)| i);
            let edges = check_edges(&label, job.columns(), column, edges).unwrap_or_default();
            (BlockKind::Histogram { col, edges }, Gate::Cell)
        }
        StatisticSpec::Correlation { columns } => {
            let terms = by_of(columns)
                .into_iter()
                .flat_map(|(i, c)| terms_of(i, c))
                .collect();
            (BlockKind::Cross { terms }, Gate::Group)
        }
        StatisticSpec::LinearRegression { y, x, .. } => {
            let mut terms: Vec<Term> = by_of(x)
                .into_iter()
                .flat_map(|(i, c)| terms_of(i, c))
                .collect();
            let params = terms.len() as u64 + 1;
            terms.extend(find(y).into_iter().flat_map(|(i, c)| terms_of(i, c)));
            (BlockKind::Cross { terms }, Gate::Regression { params })
        }
        StatisticSpec::ChiSquare { columns } => (grouped(&by_of(columns), None, false), Gate::Cell),
        StatisticSpec::OddsRatio { exposure, outcome }
        | StatisticSpec::RiskRatio { exposure, outcome } => {
            let by = [exposure.clone(), outcome.clone()];
            (grouped(&by_of(&by), None, false), Gate::Cell)
        }
        StatisticSpec::TTest { column, by } => {
            let by = by_of(std::slice::from_ref(by));
            (grouped(&by, find(column), true), Gate::Group)
        }
        StatisticSpec::KaplanMeier {
            time,
            event,
            edges,
            by,
        } => {
            let edges = check_time_edges(&label, job.columns(), time, edges).unwrap_or_default();
            let kind = BlockKind::Survival {
                time: find(time).map_or(0, |(i, _)| i),
                event: find(event).map_or(0, |(i, _)| i),
                by: by_of(by)
                    .iter()
                    .map(|(i, c)| (*i, levels(c).len()))
                    .collect(),
                edges,
            };
            (kind, Gate::Cell)
        }
        StatisticSpec::LogisticRegression { x, y, .. } => {
            let all: Vec<Term> = by_of(x)
                .into_iter()
                .flat_map(|(i, c)| terms_of(i, c))
                .collect();
            let params = all.len() as u64 + 1;
            // Only the category indicators and the outcome's event
            // indicator (last) are aggregated: the gate needs n, each
            // level's count and the events and non-events; the products
            // of the indicators with the outcome (events per level) stay
            // on shares for the separation check; the fit itself runs on
            // records.
            let mut terms: Vec<Term> = all
                .into_iter()
                .filter(|t| matches!(t, Term::Indicator { .. }))
                .collect();
            terms.extend(find(y).map(|(col, _)| Term::Indicator { col, level: 1 }));
            (BlockKind::Cross { terms }, Gate::Regression { params })
        }
    };
    let (cells, width, cell_names, element_names) = shape(job, &kind);
    let requires = if job.available_case() {
        job.statistic_columns(stat)
    } else {
        Vec::new()
    };
    Block {
        stat,
        label,
        kind,
        offset,
        cells,
        width,
        gate,
        cell_names,
        element_names,
        requires,
    }
}

fn grouped(by: &[(usize, &Column)], value: Option<(usize, &Column)>, squares: bool) -> BlockKind {
    BlockKind::Grouped {
        by: by.iter().map(|(i, c)| (*i, levels(c).len())).collect(),
        value: value.map(|(i, c)| (i, numeric_max(c))),
        squares,
    }
}

/// A numeric column is one term; a category is one indicator per level
/// after the first (the reference level).
fn terms_of(i: usize, c: &Column) -> Vec<Term> {
    match &c.ty {
        ColumnType::Numeric { .. } => vec![Term::Numeric {
            col: i,
            max_abs: numeric_max(c),
        }],
        ColumnType::Category { levels } => (1..levels.len())
            .map(|level| Term::Indicator { col: i, level })
            .collect(),
    }
}

/// Cells, elements per cell, and their names.
fn shape(job: &Job, kind: &BlockKind) -> (usize, usize, Vec<String>, Vec<String>) {
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match kind {
        BlockKind::Grouped { by, value, squares } => {
            let width = 1 + usize::from(value.is_some()) * (1 + usize::from(*squares));
            let cells = by
                .iter()
                .try_fold(1usize, |acc, (_, l)| acc.checked_mul(*l))
                .filter(|&n| n <= super::MAX_PLAN_LEN);
            let cell_names = cells.map_or_else(Vec::new, |n| group_names(job, by, n));
            let elements = names(&["n", "sum", "sum_sq"][..width]);
            (cells.unwrap_or(usize::MAX), width, cell_names, elements)
        }
        BlockKind::Histogram { edges, .. } => {
            let cell_names = interval_names(job, kind, edges);
            (cell_names.len(), 1, cell_names, names(&["n"]))
        }
        BlockKind::Survival { by, edges, .. } => {
            let bins = edges.len().saturating_sub(1);
            let groups = by.first().map_or(1, |(_, l)| *l);
            let group = group_names(job, by, groups);
            let interval = interval_names(job, kind, edges);
            let cell_names = group
                .iter()
                .flat_map(|g| interval.iter().map(move |i| format!("{g}, {i}")))
                .collect();
            let elements = names(&["at_risk", "events", "censored"]);
            (groups * bins, 3, cell_names, elements)
        }
        BlockKind::Excluded { by, .. } if by.is_empty() => {
            (1, 1, names(&["missing"]), names(&["n"]))
        }
        BlockKind::Excluded { by, .. } => {
            let groups = by.iter().map(|(_, l)| *l).product::<usize>();
            let mut cell_names = group_names(job, by, groups);
            cell_names.push("a grouping column missing".into());
            (cell_names.len(), 1, cell_names, names(&["n"]))
        }
        BlockKind::Cross { terms } if terms.len() > MAX_TERMS => (usize::MAX, 1, vec![], vec![]),
        BlockKind::Cross { terms } => {
            let t: Vec<String> = terms.iter().map(|t| term_name(job, t)).collect();
            let mut elements = vec!["n".to_string()];
            elements.extend(t.iter().map(|a| format!("sum({a})")));
            for i in 0..t.len() {
                for j in i..t.len() {
                    elements.push(format!("sum({}*{})", t[i], t[j]));
                }
            }
            (1, elements.len(), names(&["all"]), elements)
        }
    }
}

/// `[a, b)` per interval; a histogram's last bin is closed.
fn interval_names(job: &Job, kind: &BlockKind, edges: &[i64]) -> Vec<String> {
    let (col, closed) = match kind {
        BlockKind::Histogram { col, .. } => (*col, true),
        BlockKind::Survival { time, .. } => (*time, false),
        _ => (0, false),
    };
    let places = job.columns().get(col).map_or(0, |c| match c.ty {
        ColumnType::Numeric { places, .. } => places,
        ColumnType::Category { .. } => 0,
    });
    let bins = edges.len().saturating_sub(1);
    let fmt = |v: i64| format_scaled(i128::from(v), places);
    edges
        .windows(2)
        .enumerate()
        .map(|(i, w)| {
            let close = if closed && i + 1 == bins { "]" } else { ")" };
            format!("[{}, {}{close}", fmt(w[0]), fmt(w[1]))
        })
        .collect()
}

/// A term's name: the column, or `column=level` for an indicator.
pub(crate) fn term_name(job: &Job, t: &Term) -> String {
    let name = |col: usize| job.columns().get(col).map_or("?", |c| c.name.as_str());
    match t {
        Term::Numeric { col, .. } => name(*col).to_string(),
        Term::Indicator { col, level } => {
            format!("{}={}", name(*col), level_name(job, *col, *level))
        }
    }
}

/// The name of level `level` of column `col`: the category's level, or
/// the value itself for an integer column (a 0/1 outcome's `0` and `1`).
pub(crate) fn level_name(job: &Job, col: usize, level: usize) -> String {
    match job.columns().get(col).map(|c| &c.ty) {
        Some(ColumnType::Category { levels }) => {
            levels.get(level).map_or_else(|| "?".into(), String::clone)
        }
        Some(ColumnType::Numeric { .. }) => level.to_string(),
        None => "?".into(),
    }
}

/// Names of the cells of a grouping, first column most significant.
fn group_names(job: &Job, by: &[(usize, usize)], cells: usize) -> Vec<String> {
    if by.is_empty() {
        return vec!["all".into()];
    }
    (0..cells)
        .map(|cell| {
            let mut rest = cell;
            let mut parts = Vec::with_capacity(by.len());
            for &(col, n) in by.iter().rev() {
                let c = job.columns().get(col);
                let lv = c.map_or("?", |c| levels(c).get(rest % n).map_or("?", String::as_str));
                parts.push(format!("{}={lv}", c.map_or("?", |c| c.name.as_str())));
                rest /= n;
            }
            parts.reverse();
            parts.join(", ")
        })
        .collect()
}
