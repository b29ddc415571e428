//! The whole pipeline behind `duet anonymize --config anon.toml`: read,
//! transform, search, and write the CSV and both reports, each atomically.
//! Every output is computed before the first file is written.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rand::{CryptoRng, RngCore};

use crate::atomic::write_atomic;
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
    let at = |p: &Path| -> PathBuf { base_dir.join(p) };
    let opts = cfg.input.csv_options()?;
    let out_delim = cfg
        .output
        .delimiter
        .as_deref()
        .map(delimiter_byte)
        .transpose()?
        .unwrap_or(opts.delimiter);
    let input = at(&cfg.input.path);
    let mut table = Table::read_csv(&input, &opts)?;
    let transforms = apply_transforms(&mut table, &cfg.transforms, base_dir, rng)?;
    for column in &cfg.identifying {
        table.drop_column(column)?;
    }
    let gens = generalisations(cfg, &opts, base_dir)?;
    let qis = bind_quasi_identifiers(&gens, &table)?;
    let sensitive = cfg.sensitive.as_ref();
    let sens_gen = match sensitive.and_then(|s| s.hierarchy.as_ref().map(|h| (s, h))) {
        Some((s, h)) => Some(Hierarchy::read_arx(&at(h), &opts)?.bind(&table, &s.column)?),
        None => None,
    };
    let problem = Problem::new(&table, qis, sensitive.map(|s| s.column.as_str()))?;
    let policy = Policy::new(
        &problem,
        cfg.privacy_models.clone(),
        cfg.search.suppression_limit,
        sens_gen.as_ref(),
    )?;
    let found = search(&problem, &policy, cfg.search.measure)?;

    let scorer = Scorer::new(&problem);
    let threshold = cfg.search.risk_threshold;
    let population = match &cfg.population {
        Some(path) => Some(Table::read_csv(&at(path), &opts)?),
        None => None,
    };
    let pop_at = |levels: &[usize]| -> Result<Option<Population>> {
        population
            .as_ref()
            .map(|t| Population::build(t, &gens, levels))
            .transpose()
    };
    let qi_names = problem.qi_names().to_vec();
    let bottom = vec![0; problem.q()];
    let mut before = snapshot_of_table(&table, &qi_names, threshold, pop_at(&bottom)?.as_ref());
    before.utility = utility_before(&problem, &scorer);
    let classes = problem.classes(&found.levels, policy.needs_histograms());
    let assessment = policy.assess(&classes);
    let released = release(
        &table,
        &problem,
        &found.levels,
        &classes,
        &assessment,
        cfg.output.suppressed_records,
    )?;
    let pop_after = pop_at(&found.levels)?;
    let mut after = snapshot_of_table(&released, &qi_names, threshold, pop_after.as_ref());
    after.utility = scorer.all(&problem, &found.levels, &classes, &assessment);

    let report = AnonReport {
        input: input.display().to_string(),
        output: at(&cfg.output.csv).display().to_string(),
        transforms,
        removed_columns: cfg.identifying.clone(),
        quasi_identifiers: qi_levels(&problem, &found.levels),
        sensitive: sensitive.map(|s| s.column.clone()),
        privacy_models: cfg.privacy_models.clone(),
        suppression_limit: cfg.search.suppression_limit,
        measure: cfg.search.measure,
        suppressed_records: assessment.suppressed,
        search: found,
        before,
        after,
    };
    let csv = released.to_csv(out_delim)?;
    let json = report.to_json()?;
    for out in [
        &cfg.output.csv,
        &cfg.output.report_json,
        &cfg.output.report_text,
    ] {
        create_parent(&at(out))?;
    }
    write_atomic(&at(&cfg.output.csv), &csv)?;
    write_atomic(&at(&cfg.output.report_json), json.as_bytes())?;
    write_atomic(&at(&cfg.output.report_text), report.to_text().as_bytes())?;
    Ok(report)
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
