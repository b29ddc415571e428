//! Validation of a parsed job: every rule that can be checked without data.

use std::collections::BTreeSet;

use super::spec::{ColumnSpec, JobSpec, LogisticFitMode, Party, Policy, StatisticSpec};
use super::{statistic_label, Column, ColumnType, JobError, JOB_FORMAT_VERSION};

/// Most decimal places a column may declare (10^18 still fits an i64).
const MAX_PLACES: u32 = 18;
/// Largest magnitude of a bound in units: keeps squares below 2^124.
const MAX_UNITS: i64 = 1 << 62;

/// Puts the spellings that do not change meaning into one form.
pub(super) fn normalise(spec: &mut JobSpec) {
    for p in [&mut spec.parties.p0, &mut spec.parties.p1] {
        p.cert_sha256 = p.cert_sha256.trim().to_ascii_lowercase();
    }
    spec.protocol.normalise();
    // A sealed fit is the default: written or not, the job hashes alike.
    for s in &mut spec.statistic {
        if let StatisticSpec::LogisticRegression { fit, .. } = s {
            if *fit == Some(LogisticFitMode::Sealed) {
                *fit = None;
            }
        }
    }
}

/// Checks the job and returns its resolved columns.
pub(super) fn validate(spec: &JobSpec) -> Result<Vec<Column>, JobError> {
    if spec.job.version != JOB_FORMAT_VERSION {
        return Err(JobError::UnsupportedVersion {
            found: spec.job.version,
            supported: JOB_FORMAT_VERSION,
        });
    }
    non_empty("job.name", &spec.job.name)?;
    party("p0", &spec.parties.p0)?;
    party("p1", &spec.parties.p1)?;
    if spec.data.max_rows == 0 {
        return Err(JobError::Empty {
            what: "data.max_rows (must be at least 1)".into(),
        });
    }
    let columns = columns(&spec.column, spec.data.missing.as_deref())?;
    if spec.statistic.is_empty() {
        return Err(JobError::Empty {
            what: "the list of statistics".into(),
        });
    }
    for s in &spec.statistic {
        statistic(s, &columns)?;
        per_record_size(s, spec.data.max_rows)?;
    }
    policy(&spec.policy)?;
    dp_allowed(spec)?;
    robust_allowed(spec)?;
    opened_allowed(spec)?;
    super::quantile::allowed(spec)?;
    let owners = super::link::validate(spec, &columns)?;
    Ok(columns
        .into_iter()
        .zip(owners)
        .map(|(c, owner)| Column { owner, ..c })
        .collect())
}

fn non_empty(what: &str, value: &str) -> Result<(), JobError> {
    if value.trim().is_empty() {
        return Err(JobError::Empty { what: what.into() });
    }
    Ok(())
}

fn party(role: &'static str, p: &Party) -> Result<(), JobError> {
    non_empty(&format!("parties.{role}.name"), &p.name)?;
    let fp = &p.cert_sha256;
    if fp.len() != 64 || !fp.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(JobError::BadFingerprint {
            party: role,
            value: fp.clone(),
        });
    }
    Ok(())
}

fn columns(specs: &[ColumnSpec], missing: Option<&[String]>) -> Result<Vec<Column>, JobError> {
    if specs.is_empty() {
        return Err(JobError::Empty {
            what: "the list of columns".into(),
        });
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(specs.len());
    for c in specs {
        non_empty("a column name", c.name())?;
        if !seen.insert(c.name()) {
            return Err(JobError::DuplicateColumn {
                name: c.name().into(),
            });
        }
        out.push(column(c, missing)?);
    }
    Ok(out)
}

fn bad_column(column: &str, reason: impl Into<String>) -> JobError {
    JobError::BadColumn {
        column: column.into(),
        reason: reason.into(),
    }
}

fn column(c: &ColumnSpec, missing: Option<&[String]>) -> Result<Column, JobError> {
    let ty = match c {
        ColumnSpec::Integer { name, min, max, .. } => numeric(name, 0, *min, *max)?,
        ColumnSpec::Decimal {
            name,
            places,
            min,
            max,
            ..
        } => {
            if *places > MAX_PLACES {
                return Err(bad_column(name, format!("at most {MAX_PLACES} places")));
            }
            let scale = |d: &super::Decimal| {
                d.scaled(*places).ok_or_else(|| {
                    bad_column(name, format!("bound {d} does not fit {places} places"))
                })
            };
            numeric(name, *places, scale(min)?, scale(max)?)?
        }
        ColumnSpec::Category { name, levels, .. } => category(name, levels)?,
    };
    let missing = missing_codes(c.name(), c.missing().or(missing), &ty)?;
    Ok(Column {
        name: c.name().into(),
        ty,
        owner: None,
        missing,
    })
}

/// Most missing codes per column, and longest code.
const MAX_MISSING_CODES: usize = 16;
const MAX_MISSING_LEN: usize = 64;

/// A column's missing codes: given or the default, each as fields are read
/// (trimmed), none a level of the column or a number.
fn missing_codes(
    name: &str,
    given: Option<&[String]>,
    ty: &ColumnType,
) -> Result<Vec<String>, JobError> {
    let Some(codes) = given else {
        return Ok(super::DEFAULT_MISSING_CODES.map(String::from).to_vec());
    };
    if codes.len() > MAX_MISSING_CODES {
        return Err(bad_column(
            name,
            format!("missing: at most {MAX_MISSING_CODES} codes"),
        ));
    }
    for code in codes {
        let why = if code.len() > MAX_MISSING_LEN {
            Some(format!("is longer than {MAX_MISSING_LEN} bytes"))
        } else if code.trim() != code {
            Some("has spaces around it (fields are trimmed before they are compared)".into())
        } else if matches!(ty, ColumnType::Category { levels } if levels.contains(code)) {
            Some("is also one of the levels".into())
        } else if matches!(ty, ColumnType::Numeric { .. }) && code.parse::<f64>().is_ok() {
            Some("is a number".into())
        } else {
            None
        };
        if let Some(why) = why {
            return Err(bad_column(name, format!("missing code {code:?} {why}")));
        }
    }
    Ok(codes.to_vec())
}

fn numeric(name: &str, places: u32, min: i64, max: i64) -> Result<ColumnType, JobError> {
    if min > max {
        return Err(bad_column(
            name,
            format!("min {min} exceeds max {max} (in units of 10^-{places})"),
        ));
    }
    if min.unsigned_abs() > MAX_UNITS as u64 || max.unsigned_abs() > MAX_UNITS as u64 {
        return Err(bad_column(name, "bounds exceed 2^62 units"));
    }
    Ok(ColumnType::Numeric { places, min, max })
}

fn category(name: &str, levels: &[String]) -> Result<ColumnType, JobError> {
    if levels.is_empty() {
        return Err(bad_column(name, "a category needs at least one level"));
    }
    let mut seen = BTreeSet::new();
    for l in levels {
        if l.trim().is_empty() || l.trim() != l {
            return Err(bad_column(name, format!("level '{l}' is empty or padded")));
        }
        if !seen.insert(l) {
            return Err(JobError::DuplicateLevel {
                column: name.into(),
                level: l.clone(),
            });
        }
    }
    Ok(ColumnType::Category {
        levels: levels.to_vec(),
    })
}

fn dp_budget(dp: &super::DpSpec) -> Result<(), JobError> {
    let bad = |field, reason| Err(JobError::BadPolicy { field, reason });
    if !(dp.epsilon.is_finite() && dp.epsilon > 0.0 && dp.epsilon <= 100.0) {
        return bad("dp.epsilon", "must be greater than 0 and at most 100");
    }
    if !(dp.delta.is_finite() && (0.0..0.01).contains(&dp.delta)) {
        return bad("dp.delta", "must be at least 0 and below 0.01");
    }
    if dp.mechanism == super::Mechanism::Gaussian && dp.delta <= 0.0 {
        return bad("dp.delta", "the gaussian mechanism needs delta above 0");
    }
    Ok(())
}

/// Under DP every released value needs a sensitivity from declared
/// bounds; a logistic fit has none here.
fn dp_allowed(spec: &JobSpec) -> Result<(), JobError> {
    if spec.policy.dp.is_none() {
        return Ok(());
    }
    match spec
        .statistic
        .iter()
        .find(|s| matches!(s, StatisticSpec::LogisticRegression { .. }))
    {
        Some(s) => Err(bad_stat(
            &statistic_label(s),
            "cannot be released under policy.dp (no sensitivity is derived for fitted coefficients); drop policy.dp or this statistic".into(),
        )),
        None => Ok(()),
    }
}

fn policy(p: &Policy) -> Result<(), JobError> {
    crate::release::floor::check(p)?;
    if let Some(dp) = &p.dp {
        dp_budget(dp)?;
    }
    let r = p.max_params_ratio;
    if !(r.is_finite() && r > 0.0 && r <= 1.0) {
        return Err(JobError::BadPolicy {
            field: "max_params_ratio",
            reason: "must be greater than 0 and at most 1",
        });
    }
    Ok(())
}

/// A linear regression is solved on shares with at most
/// `secure::linear::MAX_PREDICTORS` predictor terms (a category counts one
/// per level after the first).
fn predictor_terms(label: &str, cols: &[Column], x: &[String]) -> Result<(), JobError> {
    let max = crate::secure::linear::MAX_PREDICTORS;
    let terms: usize = x
        .iter()
        .filter_map(|n| cols.iter().find(|c| &c.name == n))
        .map(|c| match &c.ty {
            ColumnType::Category { levels } => levels.len().saturating_sub(1),
            ColumnType::Numeric { .. } => 1,
        })
        .sum();
    if terms > max {
        return Err(bad_stat(
            label,
            format!("has {terms} predictor terms (a category counts one per level after the first); at most {max} can be solved on shares"),
        ));
    }
    Ok(())
}

/// What a statistic requires of a column it names.
#[derive(Clone, Copy)]
enum Need {
    Numeric,
    Category,
    Any,
}

fn statistic(s: &StatisticSpec, cols: &[Column]) -> Result<(), JobError> {
    let label = statistic_label(s);
    let check = |names: &[String], need: Need| check_columns(&label, cols, names, need);
    match s {
        StatisticSpec::Count { by } => check(by, Need::Category),
        StatisticSpec::Sum { column, by }
        | StatisticSpec::Mean { column, by }
        | StatisticSpec::Variance { column, by }
        | StatisticSpec::StdDev { column, by } => {
            check(std::slice::from_ref(column), Need::Numeric)?;
            check(by, Need::Category)
        }
        StatisticSpec::Histogram { column, edges } => {
            check(std::slice::from_ref(column), Need::Numeric)?;
            check_edges(&label, cols, column, edges).map(|_| ())
        }
        StatisticSpec::Contingency { columns } => {
            arity(&label, columns.len(), 2, 3)?;
            check(columns, Need::Category)
        }
        StatisticSpec::Correlation { columns } => {
            arity(&label, columns.len(), 2, 64)?;
            check(columns, Need::Numeric)
        }
        StatisticSpec::LinearRegression { y, x, robust } => {
            arity(&label, x.len(), 1, 64)?;
            robust_kind(&label, robust.as_deref())?;
            check(std::slice::from_ref(y), Need::Numeric)?;
            check(x, Need::Any)?;
            if x.contains(y) {
                return Err(bad_stat(
                    &label,
                    format!("'{y}' is both outcome and predictor"),
                ));
            }
            predictor_terms(&label, cols, x)
        }
        StatisticSpec::ChiSquare { columns } => {
            arity(&label, columns.len(), 2, 2)?;
            check(columns, Need::Category)
        }
        StatisticSpec::TTest { column, by } => {
            check(std::slice::from_ref(column), Need::Numeric)?;
            levels_exactly(&label, cols, by, 2)
        }
        StatisticSpec::OddsRatio { exposure, outcome }
        | StatisticSpec::RiskRatio { exposure, outcome } => {
            check(&[exposure.clone(), outcome.clone()], Need::Category)?;
            levels_exactly(&label, cols, exposure, 2)?;
            levels_exactly(&label, cols, outcome, 2)
        }
        StatisticSpec::KaplanMeier {
            time,
            event,
            edges,
            by,
        } => {
            check(std::slice::from_ref(time), Need::Numeric)?;
            binary(&label, cols, event)?;
            arity(&label, by.len(), 0, 1)?;
            check(by, Need::Category)?;
            if by.contains(time) || by.contains(event) || time == event {
                return Err(bad_stat(&label, "time, event and by must differ".into()));
            }
            check_time_edges(&label, cols, time, edges).map(|_| ())
        }
        StatisticSpec::LogisticRegression {
            y, x, iterations, ..
        } => {
            arity(&label, x.len(), 1, 16)?;
            binary(&label, cols, y)?;
            check(x, Need::Any)?;
            if x.contains(y) {
                return Err(bad_stat(
                    &label,
                    format!("'{y}' is both outcome and predictor"),
                ));
            }
            match iterations {
                Some(n) if !(1..=50).contains(n) => {
                    Err(bad_stat(&label, "iterations must be 1 to 50".into()))
                }
                _ => Ok(()),
            }
        }
        StatisticSpec::Quantile { column, p, by } => {
            check(std::slice::from_ref(column), Need::Numeric)?;
            check(by, Need::Category)?;
            super::quantile::grid(&label, cols, column, p).map(|_| ())
        }
    }
}

/// Most rows per side a sealed fit accepts: its sums over both sides'
/// padded records must stay below `2^(61 - 2 f)` at the default 20
/// fractional bits (`LogisticOptions::max_records`, 2^21). Memory does not
/// grow with the rows (the fit works in batches); time does, about 3.6 ms
/// per record on two shared cores (docs/BENCHMARKS.md).
pub(crate) const MAX_PER_RECORD_ROWS: u64 = 1_000_000;

/// Most rows per side an opened-iterates fit accepts: its shared sums are
/// divided by `2^s >= 2 max_rows` in Z_2^128 at 2^-40, far from any limit;
/// this bound keeps `max_rows` a realistic figure.
pub(crate) const MAX_OPENED_ROWS: u64 = 1 << 30;

fn per_record_size(s: &StatisticSpec, max_rows: u64) -> Result<(), JobError> {
    let opened = s.logistic_fit() == Some(LogisticFitMode::OpenedIterates);
    match s {
        StatisticSpec::LogisticRegression { .. } if opened && max_rows > MAX_OPENED_ROWS => {
            Err(bad_stat(
                &statistic_label(s),
                format!("data.max_rows = {max_rows} exceeds the {MAX_OPENED_ROWS} rows per side an opened-iterates fit accepts"),
            ))
        }
        StatisticSpec::LogisticRegression { .. } if !opened && max_rows > MAX_PER_RECORD_ROWS => Err(bad_stat(
            &statistic_label(s),
            format!(
                "is fitted on every record's shares, padded to data.max_rows = {max_rows} per side; lower data.max_rows to at most {MAX_PER_RECORD_ROWS}, close to the real row counts, or in a pooled study set fit = \"opened-iterates\" (every Newton iterate is then released)"
            ),
        )),
        _ => Ok(()),
    }
}

/// A category column with exactly `n` levels.
fn levels_exactly(label: &str, cols: &[Column], name: &str, n: usize) -> Result<(), JobError> {
    check_columns(label, cols, &[name.to_string()], Need::Category)?;
    match cols.iter().find(|c| c.name == name).map(|c| &c.ty) {
        Some(ColumnType::Category { levels }) if levels.len() == n => Ok(()),
        _ => Err(bad_stat(
            label,
            format!("column '{name}' must have exactly {n} levels"),
        )),
    }
}

/// A 0/1 column: integer within [0, 1] or a category of two levels.
pub(crate) fn is_binary(c: &Column) -> bool {
    match &c.ty {
        ColumnType::Numeric { places, min, max } => *places == 0 && *min >= 0 && *max <= 1,
        ColumnType::Category { levels } => levels.len() == 2,
    }
}

fn binary(label: &str, cols: &[Column], name: &str) -> Result<(), JobError> {
    check_columns(label, cols, &[name.to_string()], Need::Any)?;
    match cols.iter().find(|c| c.name == name) {
        Some(c) if is_binary(c) => Ok(()),
        _ => Err(JobError::WrongColumnKind {
            statistic: label.into(),
            column: name.into(),
            expected: "binary (an integer within [0, 1] or a category of two levels)",
        }),
    }
}

/// The robust standard errors a linear regression may ask for.
pub(crate) const ROBUST_KINDS: [&str; 1] = ["hc1"];

fn robust_kind(label: &str, robust: Option<&str>) -> Result<(), JobError> {
    match robust {
        None => Ok(()),
        Some(r) if ROBUST_KINDS.contains(&r) => Ok(()),
        Some(r) => Err(bad_stat(
            label,
            format!("robust = \"{r}\" is not known; the only robust standard errors are \"hc1\" (or leave robust out)"),
        )),
    }
}

/// Robust standard errors read each side's records after the fit is
/// released: refused where a side holds no whole records (a linked study
/// splits the columns) and under `policy.dp` (the per-record meat has no
/// sensitivity or noise, while the rest of the regression is computed from
/// noisy sums).
fn robust_allowed(spec: &JobSpec) -> Result<(), JobError> {
    let Some(s) = spec.statistic.iter().find(|s| s.robust().is_some()) else {
        return Ok(());
    };
    let why = match (spec.link.is_some(), spec.policy.dp.is_some()) {
        (true, _) => "robust standard errors need each side to hold whole records, but a linked study splits the columns between the parties; drop robust or run a pooled study",
        (false, true) => "robust standard errors cannot be released under policy.dp (the per-record meat has no derived sensitivity or noise); drop policy.dp or robust",
        (false, false) => return Ok(()),
    };
    Err(bad_stat(&statistic_label(s), why.into()))
}

/// Opened iterates need each side's gradient and Hessian over its own
/// whole records: refused in a linked study (no side holds whole records).
/// (Under `policy.dp` every logistic regression is refused already.)
fn opened_allowed(spec: &JobSpec) -> Result<(), JobError> {
    let opened = spec
        .statistic
        .iter()
        .find(|s| s.logistic_fit() == Some(LogisticFitMode::OpenedIterates));
    match opened {
        Some(s) if spec.link.is_some() => Err(bad_stat(
            &statistic_label(s),
            "fit = \"opened-iterates\" needs each side to sum its own whole records, but a linked study splits the columns between the parties; use the sealed fit (leave fit out) or run a pooled study".into(),
        )),
        _ => Ok(()),
    }
}

fn bad_stat(label: &str, reason: String) -> JobError {
    JobError::BadStatistic {
        statistic: label.into(),
        reason,
    }
}

fn arity(label: &str, n: usize, lo: usize, hi: usize) -> Result<(), JobError> {
    if n < lo || n > hi {
        return Err(bad_stat(
            label,
            format!("needs {lo} to {hi} columns, found {n}"),
        ));
    }
    Ok(())
}

fn check_columns(
    label: &str,
    cols: &[Column],
    names: &[String],
    need: Need,
) -> Result<(), JobError> {
    let mut seen = BTreeSet::new();
    for name in names {
        let col = cols
            .iter()
            .find(|c| &c.name == name)
            .ok_or_else(|| JobError::UnknownColumn {
                statistic: label.into(),
                column: name.clone(),
            })?;
        if !seen.insert(name) {
            return Err(bad_stat(label, format!("column '{name}' is named twice")));
        }
        let wrong = |expected| JobError::WrongColumnKind {
            statistic: label.into(),
            column: name.clone(),
            expected,
        };
        match (need, &col.ty) {
            (Need::Numeric, ColumnType::Category { .. }) => return Err(wrong("numeric")),
            (Need::Category, ColumnType::Numeric { .. }) => return Err(wrong("a category")),
            _ => {}
        }
    }
    Ok(())
}

/// Most bins a histogram may have.
const MAX_BINS: usize = 10_000;

/// The edges of a histogram in the column's units, checked: at least two,
/// strictly increasing, covering the column's declared bounds.
pub(crate) fn check_edges(
    label: &str,
    cols: &[Column],
    column: &str,
    edges: &[super::Decimal],
) -> Result<Vec<i64>, JobError> {
    edges_from(label, cols, column, edges, false)
}

/// Interval edges for survival times: `[e_i, e_i+1)`, all open at the
/// top, so the last edge must exceed the column's maximum. Every record
/// then falls in an interval whose counts the rules see: a curve that
/// ended early would leave its later records in the numbers at risk
/// only, where two curves ending apart give them by subtraction.
pub(crate) fn check_time_edges(
    label: &str,
    cols: &[Column],
    column: &str,
    edges: &[super::Decimal],
) -> Result<Vec<i64>, JobError> {
    edges_from(label, cols, column, edges, true)
}

fn edges_from(
    label: &str,
    cols: &[Column],
    column: &str,
    edges: &[super::Decimal],
    half_open: bool,
) -> Result<Vec<i64>, JobError> {
    let Some(Column {
        ty: ColumnType::Numeric { places, min, max },
        ..
    }) = cols.iter().find(|c| c.name == column)
    else {
        return Err(JobError::UnknownColumn {
            statistic: label.into(),
            column: column.into(),
        });
    };
    if edges.len() < 2 || edges.len() > MAX_BINS + 1 {
        return Err(bad_stat(
            label,
            format!("needs 2 to {} edges", MAX_BINS + 1),
        ));
    }
    let scaled = edges
        .iter()
        .map(|e| {
            e.scaled(*places)
                .ok_or_else(|| bad_stat(label, format!("edge {e} has more than {places} places")))
        })
        .collect::<Result<Vec<i64>, _>>()?;
    if scaled.windows(2).any(|w| w[0] >= w[1]) {
        return Err(bad_stat(label, "edges must be strictly increasing".into()));
    }
    let (first, last) = (scaled[0], scaled[scaled.len() - 1]);
    if first > *min || last < *max {
        return Err(bad_stat(
            label,
            "edges must cover the column's min and max".into(),
        ));
    }
    if half_open && last == *max {
        let max = super::format_scaled(i128::from(*max), *places);
        return Err(bad_stat(
            label,
            format!("edges must cover the column's min and max: intervals are [a, b), so the last edge must exceed {max} (a curve stops where the rules say, not where its edges end)"),
        ));
    }
    Ok(scaled)
}
