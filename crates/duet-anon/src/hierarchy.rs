//! Generalisation hierarchies in ARX's CSV format: one row per original value,
//! one column per level, level 0 the value itself and the last level a single
//! root (usually `*`). Labels are opaque strings.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{AnonError, Result};
use crate::table::{Column, CsvOptions, Table};

/// A validated hierarchy: rectangular, unique leaves, a tree (a label on one
/// level always has the same parent) and one root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    name: String,
    rows: Vec<Vec<String>>,
}

impl Hierarchy {
    /// Reads an ARX hierarchy file (no header line).
    pub fn read_arx(path: &Path, options: &CsvOptions) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| AnonError::io(path, "read", e))?;
        let text = match options.encoding {
            crate::table::Encoding::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
            _ => String::from_utf8(bytes).map_err(|_| AnonError::Hierarchy {
                path: path.display().to_string(),
                line: 0,
                reason: "file is not valid UTF-8; set the input encoding".into(),
            })?,
        };
        Self::parse_arx(
            &path.display().to_string(),
            text.as_bytes(),
            options.delimiter,
        )
    }

    /// Parses hierarchy text; `name` labels it in errors.
    pub fn parse_arx(name: &str, text: &[u8], delimiter: u8) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(text);
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record
                .map_err(|e| invalid(name, e.position().map_or(0, |p| p.line()), e.to_string()))?;
            rows.push(record.iter().map(str::to_owned).collect());
        }
        Self::from_rows(name, rows)
    }

    /// Validates and wraps rows of labels (row `i` is reported as line `i + 1`).
    pub fn from_rows(name: &str, rows: Vec<Vec<String>>) -> Result<Self> {
        let width = rows
            .first()
            .map(Vec::len)
            .ok_or_else(|| invalid(name, 0, "no rows".into()))?;
        if width == 0 {
            return Err(invalid(name, 1, "a row needs at least one label".into()));
        }
        for (i, row) in rows.iter().enumerate() {
            if row.len() != width {
                let reason = format!("row has {} levels, the first row has {width}", row.len());
                return Err(invalid(name, i as u64 + 1, reason));
            }
        }
        let h = Self {
            name: name.to_owned(),
            rows,
        };
        h.check_tree()?;
        Ok(h)
    }

    fn check_tree(&self) -> Result<()> {
        let mut leaves: HashMap<&str, usize> = HashMap::new();
        for (i, row) in self.rows.iter().enumerate() {
            let leaf = row.first().map_or("", String::as_str);
            if leaves.insert(leaf, i).is_some() {
                return Err(invalid(
                    &self.name,
                    i as u64 + 1,
                    format!("value `{leaf}` has two rows"),
                ));
            }
        }
        for level in 0..self.height() {
            let mut parent: HashMap<&str, &str> = HashMap::new();
            for (i, row) in self.rows.iter().enumerate() {
                let (Some(child), Some(up)) = (row.get(level), row.get(level + 1)) else {
                    continue;
                };
                if *parent.entry(child).or_insert(up) != up.as_str() {
                    let reason = format!("label `{child}` on level {level} has two parents; the hierarchy must be a tree");
                    return Err(invalid(&self.name, i as u64 + 1, reason));
                }
            }
        }
        let top = self
            .rows
            .iter()
            .filter_map(|r| r.last())
            .collect::<std::collections::HashSet<_>>();
        if top.len() != 1 && self.height() > 0 {
            return Err(invalid(
                &self.name,
                0,
                "the last level must hold a single label such as `*`".into(),
            ));
        }
        Ok(())
    }

    /// The file or rule the hierarchy came from.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of levels, including level 0 (the original values).
    pub fn levels(&self) -> usize {
        self.rows.first().map_or(0, Vec::len)
    }

    /// Highest level index (levels minus one).
    pub fn height(&self) -> usize {
        self.levels().saturating_sub(1)
    }

    /// Rows of labels, one per original value.
    pub fn rows(&self) -> &[Vec<String>] {
        &self.rows
    }

    /// Binds the hierarchy to a column, checking every value has a row.
    pub fn bind(&self, table: &Table, column: &str) -> Result<Generalizer> {
        let col_index = table.column_index(column)?;
        let col = table.column(column)?;
        let leaf_row: HashMap<&str, usize> = self
            .rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.first().map(|l| (l.as_str(), i)))
            .collect();
        let mut value_row = Vec::with_capacity(col.dictionary().len());
        for (code, value) in col.dictionary().iter().enumerate() {
            match leaf_row.get(value.as_str()) {
                Some(&r) => value_row.push(r),
                None => return Err(self.missing(table, col, col_index, code, value)),
            }
        }
        Ok(Generalizer::build(self, &value_row))
    }

    fn missing(
        &self,
        table: &Table,
        col: &Column,
        col_index: usize,
        code: usize,
        value: &str,
    ) -> AnonError {
        let row = col
            .codes()
            .iter()
            .position(|&c| c as usize == code)
            .unwrap_or(0);
        AnonError::ValueNotInHierarchy {
            data: table.source().into(),
            line: table.line_of(row),
            column: col_index + 1,
            value: value.to_owned(),
            hierarchy: self.name.clone(),
        }
    }
}

fn invalid(name: &str, line: u64, reason: String) -> AnonError {
    AnonError::Hierarchy {
        path: name.to_owned(),
        line,
        reason,
    }
}

/// A hierarchy bound to one column: per level, a lookup table from the
/// column's codes to dense level codes, the level labels, and ARX's domain
/// share of each label (leaves below it / leaves in the hierarchy).
#[derive(Debug, Clone)]
pub struct Generalizer {
    /// `map[level][column code]` = code of the generalised label.
    pub(crate) map: Vec<Vec<u32>>,
    /// `labels[level][code]` = label text.
    pub(crate) labels: Vec<Vec<String>>,
    /// `shares[level][code]` = leaves under the label / hierarchy rows.
    pub(crate) shares: Vec<Vec<f64>>,
    /// Number of rows (leaves) of the hierarchy.
    pub(crate) domain: usize,
    /// Name of the hierarchy, for reports.
    pub(crate) name: String,
}

impl Generalizer {
    fn build(h: &Hierarchy, value_row: &[usize]) -> Self {
        let levels = h.levels();
        let mut map = Vec::with_capacity(levels);
        let mut labels = Vec::with_capacity(levels);
        let mut shares = Vec::with_capacity(levels);
        for level in 0..levels {
            let (row_code, names, counts) = intern_level(h, level);
            map.push(
                value_row
                    .iter()
                    .map(|&r| row_code.get(r).copied().unwrap_or(0))
                    .collect(),
            );
            let total = h.rows.len() as f64;
            shares.push(counts.iter().map(|&c| c as f64 / total).collect());
            labels.push(names);
        }
        Self {
            map,
            labels,
            shares,
            domain: h.rows.len(),
            name: h.name.clone(),
        }
    }

    /// Highest level index.
    pub fn height(&self) -> usize {
        self.map.len().saturating_sub(1)
    }

    /// The hierarchy's file or rule name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of distinct labels on `level` (over the whole hierarchy).
    pub fn level_size(&self, level: usize) -> usize {
        self.labels.get(level).map_or(0, Vec::len)
    }

    /// The label of column code `code` generalised to `level`.
    pub fn label(&self, level: usize, code: u32) -> Option<&str> {
        let g = *self.map.get(level)?.get(code as usize)?;
        self.labels.get(level)?.get(g as usize).map(String::as_str)
    }
}

/// Codes of each hierarchy row on `level`, the label per code and the number
/// of rows (leaves) per code.
fn intern_level(h: &Hierarchy, level: usize) -> (Vec<u32>, Vec<String>, Vec<u64>) {
    let mut index: HashMap<&str, u32> = HashMap::new();
    let mut names = Vec::new();
    let mut counts: Vec<u64> = Vec::new();
    let mut row_code = Vec::with_capacity(h.rows.len());
    for row in &h.rows {
        let label = row.get(level).map_or("", String::as_str);
        let code = *index.entry(label).or_insert_with(|| {
            names.push(label.to_owned());
            counts.push(0);
            (names.len() - 1) as u32
        });
        if let Some(c) = counts.get_mut(code as usize) {
            *c += 1;
        }
        row_code.push(code);
    }
    (row_code, names, counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<Vec<String>> {
        text.lines()
            .map(|l| l.split(';').map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn parses_arx_format_and_computes_shares() {
        let h = Hierarchy::parse_arx("h", b"a;ab;*\nb;ab;*\nc;c;*\n", b';').unwrap();
        assert_eq!((h.levels(), h.height()), (3, 2));
        let t = Table::from_rows("d", &["x"], &[vec!["b"], vec!["c"], vec!["b"]]).unwrap();
        let g = h.bind(&t, "x").unwrap();
        assert_eq!(g.label(1, 0), Some("ab"));
        assert_eq!(g.label(1, 1), Some("c"));
        assert_eq!(g.shares[1], vec![2.0 / 3.0, 1.0 / 3.0]);
        assert_eq!(g.shares[2], vec![1.0]);
        assert_eq!(g.level_size(0), 3);
    }

    #[test]
    fn rejects_ragged_non_tree_and_rootless() {
        let ragged = Hierarchy::from_rows("h", rows("a;*\nb;x;*")).unwrap_err();
        assert!(
            matches!(ragged, AnonError::Hierarchy { line: 2, .. }),
            "{ragged}"
        );
        let dag = Hierarchy::from_rows("h", rows("a;x;p;*\nb;x;q;*")).unwrap_err();
        assert!(matches!(dag, AnonError::Hierarchy { line: 2, .. }), "{dag}");
        assert!(dag.to_string().contains("two parents"));
        let two_roots = Hierarchy::from_rows("h", rows("a;*\nb;+")).unwrap_err();
        assert!(two_roots.to_string().contains("single label"));
        let dup = Hierarchy::from_rows("h", rows("a;*\na;*")).unwrap_err();
        assert!(dup.to_string().contains("two rows"));
    }

    #[test]
    fn missing_value_names_data_line_and_column() {
        let h = Hierarchy::from_rows("ages.csv", rows("1;*\n2;*")).unwrap();
        let t = Table::from_rows(
            "data.csv",
            &["id", "age"],
            &[vec!["p", "1"], vec!["q", "7"]],
        )
        .unwrap();
        let err = h.bind(&t, "age").unwrap_err();
        assert_eq!(
            err.to_string(),
            "data.csv:3:2: value `7` is missing from hierarchy ages.csv; add a row for it"
        );
    }
}
