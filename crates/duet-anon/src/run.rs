//! The whole pipeline behind `duet anonymize --config anon.toml`: read,
//! transform, search, and write the CSV and both reports, each atomically.
//! Every output is computed before the first file is written.

use std::collections::HashMap;
use std::path::Path;

use rand::{CryptoRng, RngCore};

use crate::atomic::write_all_atomic;
use crate::classes::{Classes, Problem};
use crate::config::{delimiter_byte, AnonConfig, SuppressedRecords, TransformConfig};
use crate::error::{AnonError, Result};
use crate::hierarchy::{Generalizer, Hierarchy};
use crate::mdav::microaggregate;
use crate::measure::Scorer;
use crate::model::{Assessment, Policy};
use crate::population::{Generalisation, Population};
use crate::pseudonym::HmacKey;
use crate::recode::{self, SUPPRESSED};
use crate::report::{AnonReport, QiLevel, Snapshot};
use crate::risk::risk;
use crate::search::search;
use crate::table::{CsvOptions, Table};

/// Runs `cfg` with paths relative to `base_dir`, drawing noise (if any
/// transform adds it) from the operating system's generator.
pub fn run_config(cfg: &AnonConfig, base_dir: &Path) -> Result<AnonReport> {
    run_config_with_rng(cfg, base_dir, &mut rand::rngs::OsRng)
}

/// As [`run_config`], with the random generator injected (tests, replays).
pub fn run_config_with_rng<R: RngCore + CryptoRng>(
    cfg: &AnonConfig,
    base_dir: &Path,
    rng: &mut R,
) -> Result<AnonReport> {
    let opts = cfg.input.csv_options()?;
    let out_delim = match cfg.output.delimiter.as_deref() {
        Some(d) => delimiter_byte(d)?,
        None => opts.delimiter,
    };
    crate::guard::check_paths(cfg, base_dir)?;
    let input = base_dir.join(&cfg.input.path);
    let mut table = Table::read_csv(&input, &opts)?;
    let transforms = apply_transforms(&mut table, &cfg.transforms, base_dir, rng)?;
    for column in &cfg.identifying {
        table.drop_column(column)?;
    }
    let gens = generalisations(cfg, &opts, base_dir)?;
    let (problem, policy) = prepare(cfg, &table, &gens, &opts, base_dir)?;
    let found = search(&problem, &policy, cfg.search.measure)?;
    let population = match &cfg.population {
        Some(path) => Some(Table::read_csv(&base_dir.join(path), &opts)?),
        None => None,
    };
    let out = publish(
        cfg,
        &table,
        &problem,
        &policy,
        &found.levels,
        &gens,
        population.as_ref(),
    )?;
    let report = AnonReport {
        input: input.display().to_string(),
        output: base_dir.join(&cfg.output.csv).display().to_string(),
        transforms,
        removed_columns: cfg.identifying.clone(),
        quasi_identifiers: qi_levels(&problem, &found.levels),
        sensitive: cfg.sensitive.as_ref().map(|s| s.column.clone()),
        privacy_models: cfg.privacy_models.clone(),
        suppression_limit: cfg.search.suppression_limit,
        measure: cfg.search.measure,
        suppressed_records: out.suppressed,
        search: found,
        warnings: small_class_warning(cfg, &out.after, out.suppressed),
        before: out.before,
        after: out.after,
    };
    write_outputs(cfg, base_dir, &out.released.to_csv(out_delim)?, &report)?;
    Ok(report)
}

/// The search's inputs: the encoded data and the policy.
fn prepare(
    cfg: &AnonConfig,
    table: &Table,
    gens: &[(String, Generalisation)],
    opts: &CsvOptions,
    base_dir: &Path,
) -> Result<(Problem, Policy)> {
    let qis = bind_quasi_identifiers(gens, table)?;
    let sensitive = cfg.sensitive.as_ref();
    let sens_gen = match sensitive.and_then(|s| s.hierarchy.as_ref().map(|h| (s, h))) {
        Some((s, h)) => Some(Hierarchy::read_arx(&base_dir.join(h), opts)?.bind(table, &s.column)?),
        None => None,
    };
    let problem = Problem::new(table, qis, sensitive.map(|s| s.column.as_str()))?;
    let limit = cfg.search.suppression_limit;
    let policy = Policy::new(
        &problem,
        cfg.privacy_models.clone(),
        limit,
        sens_gen.as_ref(),
    )?;
    Ok((problem, policy))
}

/// The released table and the risk and utility before and after.
struct Published {
    released: Table,
    suppressed: u64,
    before: Snapshot,
    after: Snapshot,
}

fn publish(
    cfg: &AnonConfig,
    table: &Table,
    problem: &Problem,
    policy: &Policy,
    levels: &[usize],
    gens: &[(String, Generalisation)],
    population: Option<&Table>,
) -> Result<Published> {
    let scorer = Scorer::new(problem);
    let threshold = cfg.search.risk_threshold;
    let pop_at = |levels: &[usize]| -> Result<Option<Population>> {
        population
            .map(|t| Population::build(t, gens, levels))
            .transpose()
    };
    let qi_names = problem.qi_names().to_vec();
    let bottom = vec![0; problem.q()];
    let mut before = snapshot_of_table(table, &qi_names, threshold, pop_at(&bottom)?.as_ref());
    before.utility = utility_before(problem, &scorer);
    let classes = problem.classes(levels, policy.needs_histograms());
    let assessment = policy.assess(&classes);
    let mode = cfg.output.suppressed_records;
    let released = release(table, problem, levels, &classes, &assessment, mode)?;
    let mut after = snapshot_of_table(&released, &qi_names, threshold, pop_at(levels)?.as_ref());
    after.utility = scorer.all(problem, levels, &classes, &assessment);
    Ok(Published {
        released,
        suppressed: assessment.suppressed,
        before,
        after,
    })
}

/// A warning when the output holds a class smaller than the largest k of
/// the k-anonymity models: masked records (all quasi-identifiers `*`) are
/// one class, so fewer than k of them stand out as a group.
fn small_class_warning(cfg: &AnonConfig, after: &Snapshot, suppressed: u64) -> Vec<String> {
    let k = cfg
        .privacy_models
        .iter()
        .filter_map(|m| match m {
            crate::model::PrivacyModel::KAnonymity { k } => Some(*k),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    if after.records == 0 || after.smallest_class >= k {
        return Vec::new();
    }
    vec![format!(
        "the output holds a class of {} records, fewer than k = {k}: the {suppressed} masked records (every quasi-identifier `*`) form a class of their own; set output.suppressed_records = \"remove\" to leave them out",
        after.smallest_class
    )]
}

/// Writes the CSV and both reports all together or not at all, once all
/// are rendered.
fn write_outputs(cfg: &AnonConfig, base_dir: &Path, csv: &[u8], report: &AnonReport) -> Result<()> {
    let json = report.to_json()?;
    let text = report.to_text();
    let outputs = [
        (&cfg.output.csv, csv),
        (&cfg.output.report_json, json.as_bytes()),
        (&cfg.output.report_text, text.as_bytes()),
    ];
    for (path, _) in &outputs {
        create_parent(&base_dir.join(path))?;
    }
    let files = outputs.map(|(path, bytes)| (base_dir.join(path), bytes));
    write_all_atomic(&files)
}

fn create_parent(path: &Path) -> Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            std::fs::create_dir_all(dir).map_err(|e| AnonError::io(dir, "create directory", e))
        }
        _ => Ok(()),
    }
}

fn apply_transforms<R: RngCore + CryptoRng>(
    table: &mut Table,
    transforms: &[TransformConfig],
    base_dir: &Path,
    rng: &mut R,
) -> Result<Vec<String>> {
    let mut done = Vec::new();
    for t in transforms {
        done.push(apply_transform(table, t, base_dir, rng)?);
    }
    Ok(done)
}

fn apply_transform<R: RngCore + CryptoRng>(
    table: &mut Table,
    t: &TransformConfig,
    base: &Path,
    rng: &mut R,
) -> Result<String> {
    Ok(match t {
        TransformConfig::Pseudonymize {
            column,
            key_file,
            hex_len,
        } => {
            recode::pseudonymize(
                table,
                column,
                &HmacKey::from_file(&base.join(key_file))?,
                *hex_len,
            )?;
            format!("pseudonymised `{column}` with HMAC-SHA256 ({hex_len} hex digits)")
        }
        TransformConfig::TopBottomCode {
            column,
            bottom,
            top,
        } => {
            recode::top_bottom_code(table, column, *bottom, *top)?;
            format!("top/bottom coded `{column}` (bottom {bottom:?}, top {top:?})")
        }
        TransformConfig::SuppressRare { column, min_count } => {
            recode::suppress_rare(table, column, *min_count)?;
            format!("suppressed cells of `{column}` held by fewer than {min_count} records")
        }
        TransformConfig::RemoveRecords { column, values } => {
            let removed = recode::remove_records(table, column, values)?;
            format!("removed {removed} records by value of `{column}`")
        }
        TransformConfig::ShiftDates {
            columns,
            subject,
            key_file,
            max_days,
        } => {
            let key = HmacKey::from_file(&base.join(key_file))?;
            recode::shift_dates(table, columns, subject, &key, *max_days)?;
            format!("shifted dates {columns:?} per `{subject}` by up to {max_days} days")
        }
        TransformConfig::Microaggregate { columns, k } => {
            microaggregate(table, columns, *k)?;
            format!("microaggregated {columns:?} with MDAV, k = {k}")
        }
        TransformConfig::AddNoise {
            column,
            scale_num,
            scale_den,
        } => {
            recode::add_noise(table, column, *scale_num, *scale_den, rng)?;
            format!("added discrete Laplace noise of scale {scale_num}/{scale_den} to `{column}`")
        }
    })
}

/// Each quasi-identifier's hierarchy file (read) or rule (kept).
fn generalisations(
    cfg: &AnonConfig,
    opts: &CsvOptions,
    base: &Path,
) -> Result<Vec<(String, Generalisation)>> {
    let mut out = Vec::with_capacity(cfg.quasi_identifiers.len());
    for q in &cfg.quasi_identifiers {
        let how = match (&q.hierarchy, &q.rule) {
            (Some(path), _) => {
                Generalisation::Hierarchy(Hierarchy::read_arx(&base.join(path), opts)?)
            }
            (None, Some(rule)) => Generalisation::Rule(rule.clone()),
            (None, None) => {
                return Err(AnonError::InvalidParameter {
                    name: "quasi_identifier",
                    value: q.column.clone(),
                    reason: "give a hierarchy file or a rule",
                })
            }
        };
        out.push((q.column.clone(), how));
    }
    Ok(out)
}

fn bind_quasi_identifiers(
    gens: &[(String, Generalisation)],
    table: &Table,
) -> Result<Vec<(String, Generalizer)>> {
    let mut out = Vec::with_capacity(gens.len());
    for (column, how) in gens {
        let bound = match how {
            Generalisation::Hierarchy(h) => h.bind(table, column)?,
            Generalisation::Rule(rule) => rule.hierarchy(table, column)?.bind(table, column)?,
        };
        out.push((column.clone(), bound));
    }
    Ok(out)
}

fn qi_levels(p: &Problem, levels: &[usize]) -> Vec<QiLevel> {
    p.qi_names
        .iter()
        .zip(&p.gens)
        .zip(levels)
        .map(|((column, g), &level)| QiLevel {
            column: column.clone(),
            hierarchy: g.name().to_owned(),
            level,
            height: g.height(),
        })
        .collect()
}

/// The released table: quasi-identifiers generalised, suppressed records
/// masked with `*` or removed.
pub fn release(
    table: &Table,
    p: &Problem,
    levels: &[usize],
    classes: &Classes,
    a: &Assessment,
    mode: SuppressedRecords,
) -> Result<Table> {
    let mut out = table.clone();
    let outlier: Vec<bool> = p
        .row_of_record
        .iter()
        .map(|&r| {
            let class = classes.class_of_row.get(r as usize).copied().unwrap_or(0);
            a.outlier.get(class as usize).copied().unwrap_or(false)
        })
        .collect();
    for ((name, g), &level) in p.qi_names.iter().zip(&p.gens).zip(levels) {
        let col = table.column(name)?;
        let values = (0..table.n_rows())
            .map(|r| match outlier.get(r) {
                Some(true) => SUPPRESSED.to_owned(),
                _ => col
                    .codes()
                    .get(r)
                    .and_then(|&c| g.label(level, c))
                    .unwrap_or(SUPPRESSED)
                    .to_owned(),
            })
            .collect();
        out.column_mut(name)?.set_values(values);
    }
    if mode == SuppressedRecords::Remove {
        out.retain_rows(&outlier.iter().map(|o| !o).collect::<Vec<_>>());
    }
    Ok(out)
}

fn utility_before(p: &Problem, scorer: &Scorer) -> crate::measure::Utility {
    let bottom = vec![0; p.q()];
    let classes = p.classes(&bottom, false);
    let none = Assessment {
        anonymous: true,
        suppressed: 0,
        outlier: vec![false; classes.len()],
    };
    scorer.all(p, &bottom, &classes, &none)
}

/// Risk of a table as an attacker sees it: classes are the distinct tuples
/// of the written quasi-identifier values (masked records form one class),
/// matched to population class sizes when a population is given.
pub fn snapshot_of_table(
    table: &Table,
    qis: &[String],
    threshold: f64,
    population: Option<&Population>,
) -> Snapshot {
    let cols: Vec<&crate::table::Column> =
        qis.iter().filter_map(|q| table.column(q).ok()).collect();
    let mut sizes: HashMap<Vec<&str>, u64> = HashMap::new();
    for r in 0..table.n_rows() {
        let key = cols.iter().map(|c| c.get(r).unwrap_or("")).collect();
        *sizes.entry(key).or_insert(0) += 1;
    }
    let classes: Vec<(Vec<&str>, u64)> = sizes.into_iter().collect();
    let pop: Option<Vec<u64>> =
        population.map(|p| classes.iter().map(|(k, _)| p.size_of(k)).collect());
    let sizes: Vec<u64> = classes.iter().map(|(_, n)| *n).collect();
    Snapshot {
        records: table.n_rows() as u64,
        classes: sizes.len() as u64,
        smallest_class: sizes.iter().copied().min().unwrap_or(0),
        risk: risk(&sizes, pop.as_deref(), threshold),
        utility: crate::measure::Utility::default(),
    }
}
