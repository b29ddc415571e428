//! Record-level transforms applied before the search: keyed pseudonyms,
//! top and bottom coding, cell and record suppression, per-subject date
//! shifting and additive integer noise.

use std::collections::HashSet;

use rand::{CryptoRng, RngCore};

use crate::dates::Date;
use crate::dp::DiscreteLaplace;
use crate::error::{AnonError, Result};
use crate::pseudonym::HmacKey;
use crate::table::Table;

/// The label written for a suppressed cell.
pub const SUPPRESSED: &str = "*";

/// Replaces every value of `column` by its keyed pseudonym (`hex_len` hex digits).
pub fn pseudonymize(table: &mut Table, column: &str, key: &HmacKey, hex_len: usize) -> Result<()> {
    table
        .column_mut(column)?
        .map_distinct(|v, _| Ok(key.pseudonym(v, hex_len)))
}

fn bad_value(
    table: &Table,
    column: &str,
    row: usize,
    value: &str,
    expected: &'static str,
) -> AnonError {
    AnonError::BadValue {
        path: table.source().into(),
        line: table.line_of(row),
        column: table.column_index(column).map_or(0, |c| c + 1),
        value: value.to_owned(),
        expected,
    }
}

/// Top and bottom coding: numbers above `top` become `top`, numbers below
/// `bottom` become `bottom` (both written as given).
pub fn top_bottom_code(
    table: &mut Table,
    column: &str,
    bottom: Option<f64>,
    top: Option<f64>,
) -> Result<()> {
    let snapshot = table.clone();
    table.column_mut(column)?.map_distinct(|v, row| {
        let x: f64 = v
            .trim()
            .parse()
            .map_err(|_| bad_value(&snapshot, column, row, v, "number"))?;
        Ok(match (bottom, top) {
            (Some(b), _) if x < b => b.to_string(),
            (_, Some(t)) if x > t => t.to_string(),
            _ => v.to_owned(),
        })
    })
}

/// Cell suppression: values held by fewer than `min_count` records become `*`.
pub fn suppress_rare(table: &mut Table, column: &str, min_count: u64) -> Result<()> {
    let col = table.column_mut(column)?;
    let mut counts = vec![0u64; col.dictionary().len()];
    for &c in col.codes() {
        if let Some(n) = counts.get_mut(c as usize) {
            *n += 1;
        }
    }
    let mut code = 0usize;
    col.map_distinct(|v, _| {
        let n = counts.get(code).copied().unwrap_or(0);
        code += 1;
        Ok(if n < min_count {
            SUPPRESSED.to_owned()
        } else {
            v.to_owned()
        })
    })
}

/// Record suppression: removes the records whose `column` holds one of `values`.
pub fn remove_records(table: &mut Table, column: &str, values: &[String]) -> Result<usize> {
    let drop: HashSet<&str> = values.iter().map(String::as_str).collect();
    let col = table.column(column)?;
    let keep: Vec<bool> = (0..table.n_rows())
        .map(|r| !col.get(r).is_some_and(|v| drop.contains(v)))
        .collect();
    let removed = keep.iter().filter(|k| !**k).count();
    table.retain_rows(&keep);
    Ok(removed)
}

/// The offset in days for `subject`, uniform in `[-max_days, max_days]`,
/// derived from the key so that every date of one subject moves together
/// and nobody without the key can undo it.
pub fn date_offset(key: &HmacKey, subject: &str, max_days: u32) -> i64 {
    let mac = key.mac(format!("duet-anon/date-shift/v1\0{subject}").as_bytes());
    let mut head = [0u8; 8];
    head.copy_from_slice(mac.get(..8).unwrap_or(&[0; 8]));
    let span = 2 * u64::from(max_days) + 1;
    // Bias of reducing a 64-bit value mod a span below 2^33 is under 2^-31.
    (u64::from_le_bytes(head) % span) as i64 - i64::from(max_days)
}

/// Shifts the `YYYY-MM-DD` dates in `columns` by the per-subject offset of
/// the record's `subject` value. Empty cells stay empty.
pub fn shift_dates(
    table: &mut Table,
    columns: &[String],
    subject: &str,
    key: &HmacKey,
    max_days: u32,
) -> Result<()> {
    let subjects: Vec<String> = {
        let col = table.column(subject)?;
        (0..table.n_rows())
            .map(|r| col.get(r).unwrap_or("").to_owned())
            .collect()
    };
    let offsets: Vec<i64> = subjects
        .iter()
        .map(|s| date_offset(key, s, max_days))
        .collect();
    for name in columns {
        let col = table.column(name)?;
        let mut out = Vec::with_capacity(table.n_rows());
        for (row, &off) in offsets.iter().enumerate() {
            let v = col.get(row).unwrap_or("");
            if v.is_empty() {
                out.push(String::new());
                continue;
            }
            let shifted = Date::parse(v).and_then(|d| d.shifted(off));
            out.push(
                shifted
                    .ok_or_else(|| bad_value(table, name, row, v, "date YYYY-MM-DD"))?
                    .to_string(),
            );
        }
        table.column_mut(name)?.set_values(out);
    }
    Ok(())
}

/// Adds exact discrete Laplace noise of scale `num/den` to the integers in `column`.
pub fn add_noise<R: RngCore + CryptoRng>(
    table: &mut Table,
    column: &str,
    num: u64,
    den: u64,
    rng: &mut R,
) -> Result<()> {
    let dist = DiscreteLaplace::new(num, den)?;
    let col = table.column(column)?;
    let mut out = Vec::with_capacity(table.n_rows());
    for row in 0..table.n_rows() {
        let v = col.get(row).unwrap_or("");
        let x: i64 = v
            .trim()
            .parse()
            .map_err(|_| bad_value(table, column, row, v, "integer"))?;
        let noisy = x
            .checked_add(dist.sample(rng)?)
            .ok_or_else(|| bad_value(table, column, row, v, "integer in range"))?;
        out.push(noisy.to_string());
    }
    table.column_mut(column)?.set_values(out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn table() -> Table {
        let rows = vec![
            vec!["a", "17", "2020-01-31"],
            vec!["b", "95", "2020-03-01"],
            vec!["a", "40", "2021-12-31"],
        ];
        Table::from_rows("t.csv", &["id", "age", "visit"], &rows).unwrap()
    }

    fn values(t: &Table, c: &str) -> Vec<String> {
        let col = t.column(c).unwrap();
        (0..t.n_rows())
            .map(|r| col.get(r).unwrap().to_owned())
            .collect()
    }

    #[test]
    fn top_bottom_and_rare() {
        let mut t = table();
        top_bottom_code(&mut t, "age", Some(18.0), Some(90.0)).unwrap();
        assert_eq!(values(&t, "age"), ["18", "90", "40"]);
        suppress_rare(&mut t, "id", 2).unwrap();
        assert_eq!(values(&t, "id"), ["a", "*", "a"]);
        let err = top_bottom_code(&mut table(), "visit", None, Some(1.0)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv:2:3: `2020-01-31` is not a valid number"
        );
    }

    #[test]
    fn dates_shift_consistently_per_subject() {
        let key = HmacKey::from_bytes(vec![9; 32]);
        let mut t = table();
        shift_dates(&mut t, &["visit".into()], "id", &key, 30).unwrap();
        let off_a = date_offset(&key, "a", 30);
        let days = |s: &str| Date::parse(s).unwrap().to_days();
        let v = values(&t, "visit");
        assert_eq!(days(&v[0]) - days("2020-01-31"), off_a);
        assert_eq!(days(&v[2]) - days("2021-12-31"), off_a);
        assert!(off_a.abs() <= 30);
        // Offsets cover the whole range and are not all equal.
        let offs: HashSet<i64> = (0..200)
            .map(|i| date_offset(&key, &i.to_string(), 3))
            .collect();
        assert_eq!(offs.len(), 7);
    }

    #[test]
    fn remove_and_noise() {
        let mut t = table();
        assert_eq!(remove_records(&mut t, "id", &["b".into()]).unwrap(), 1);
        assert_eq!(values(&t, "age"), ["17", "40"]);
        assert_eq!(t.line_of(1), 4);
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let mut t = table();
        add_noise(&mut t, "age", 2, 1, &mut rng).unwrap();
        let noisy: Vec<i64> = values(&t, "age")
            .iter()
            .map(|v| v.parse().unwrap())
            .collect();
        assert_eq!(noisy.len(), 3);
        assert!(noisy
            .iter()
            .zip([17, 95, 40])
            .all(|(a, b)| (a - b).abs() < 40));
        assert_ne!(
            noisy,
            [17, 95, 40],
            "fixed seed: noise must change something"
        );
    }
}
