//! Hierarchies built by rule from a column's values, instead of a file:
//! numeric intervals, dates to month and year, prefix truncation of codes.

use serde::{Deserialize, Serialize};

use crate::dates::Date;
use crate::error::{AnonError, Result};
use crate::hierarchy::Hierarchy;
use crate::table::Table;

/// A rule that generates a hierarchy for one column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Rule {
    /// Integer values into intervals `[a, a+w)` of growing widths; each width
    /// must be a multiple of the previous one so the levels nest.
    Intervals {
        /// Interval widths, one level each, e.g. `[5, 10, 20]`.
        widths: Vec<u64>,
    },
    /// `YYYY-MM-DD` dates to `YYYY-MM`, then `YYYY`.
    Date,
    /// Codes and postcodes: level `i` replaces the last `i` characters by `*`.
    Prefix,
}

impl Rule {
    /// Builds the hierarchy for `column` of `table` (one row per distinct value).
    pub fn hierarchy(&self, table: &Table, column: &str) -> Result<Hierarchy> {
        let col_index = table.column_index(column)?;
        let col = table.column(column)?;
        let name = format!("rule {} on `{column}`", self.name());
        let mut rows = Vec::with_capacity(col.dictionary().len());
        for (code, value) in col.dictionary().iter().enumerate() {
            let line = first_line(table, col.codes(), code);
            let bad = |expected| AnonError::BadValue {
                path: table.source().into(),
                line,
                column: col_index + 1,
                value: value.clone(),
                expected,
            };
            rows.push(self.row(value).ok_or_else(|| bad(self.expected()))?);
        }
        if let Self::Intervals { widths } = self {
            check_widths(widths)?;
        }
        pad_to_rectangle(&mut rows);
        Hierarchy::from_rows(&name, rows)
    }

    fn name(&self) -> &'static str {
        match self {
            Self::Intervals { .. } => "intervals",
            Self::Date => "date",
            Self::Prefix => "prefix",
        }
    }

    fn expected(&self) -> &'static str {
        match self {
            Self::Intervals { .. } => "integer",
            Self::Date => "date YYYY-MM-DD",
            Self::Prefix => "code",
        }
    }

    fn row(&self, value: &str) -> Option<Vec<String>> {
        let mut row = vec![value.to_owned()];
        match self {
            Self::Intervals { widths } => {
                let v: i64 = value.trim().parse().ok()?;
                for &w in widths {
                    let w = i64::try_from(w).ok().filter(|w| *w > 0)?;
                    let lo = v.div_euclid(w).checked_mul(w)?;
                    row.push(format!("[{lo}, {})", lo.checked_add(w)?));
                }
            }
            Self::Date => {
                let d = Date::parse(value)?;
                row.push(format!("{:04}-{:02}", d.year, d.month));
                row.push(format!("{:04}", d.year));
            }
            Self::Prefix => {
                let chars: Vec<char> = value.chars().collect();
                for masked in 1..=chars.len() {
                    let keep: String = chars.iter().take(chars.len() - masked).collect();
                    row.push(format!("{keep}{}", "*".repeat(masked)));
                }
            }
        }
        row.push("*".to_owned());
        Some(row)
    }
}

/// Prefix rows differ in length; repeat each row's last masked label so all
/// rows have as many levels, keeping the tree property and the single root.
fn pad_to_rectangle(rows: &mut [Vec<String>]) {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    for row in rows.iter_mut() {
        while row.len() < width {
            let at = row.len().saturating_sub(1);
            let masked = row.get(at.saturating_sub(1)).cloned().unwrap_or_default();
            row.insert(at, masked);
        }
    }
}

fn check_widths(widths: &[u64]) -> Result<()> {
    let nested = widths
        .windows(2)
        .all(|w| matches!(w, [a, b] if *a > 0 && b % a == 0 && b > a));
    if widths.is_empty() || widths.contains(&0) || !nested {
        return Err(AnonError::InvalidParameter {
            name: "widths",
            value: format!("{widths:?}"),
            reason: "give increasing positive widths, each a multiple of the previous",
        });
    }
    Ok(())
}

fn first_line(table: &Table, codes: &[u32], code: usize) -> u64 {
    table.line_of(codes.iter().position(|&c| c as usize == code).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(values: &[&str]) -> Table {
        let rows: Vec<Vec<&str>> = values.iter().map(|v| vec![*v]).collect();
        Table::from_rows("t.csv", &["x"], &rows).unwrap()
    }

    #[test]
    fn intervals_nest_and_handle_negatives() {
        let h = Rule::Intervals {
            widths: vec![5, 10],
        }
        .hierarchy(&table(&["7", "-3"]), "x")
        .unwrap();
        assert_eq!(h.rows()[0], ["7", "[5, 10)", "[0, 10)", "*"]);
        assert_eq!(h.rows()[1], ["-3", "[-5, 0)", "[-10, 0)", "*"]);
        let bad = Rule::Intervals { widths: vec![5, 7] }.hierarchy(&table(&["1"]), "x");
        assert!(matches!(
            bad,
            Err(AnonError::InvalidParameter { name: "widths", .. })
        ));
    }

    #[test]
    fn dates_and_prefixes() {
        let h = Rule::Date.hierarchy(&table(&["2020-02-29"]), "x").unwrap();
        assert_eq!(h.rows()[0], ["2020-02-29", "2020-02", "2020", "*"]);
        let h = Rule::Prefix.hierarchy(&table(&["123", "45"]), "x").unwrap();
        assert_eq!(h.rows()[0], ["123", "12*", "1**", "***", "*"]);
        assert_eq!(h.rows()[1], ["45", "4*", "**", "**", "*"]);
    }

    #[test]
    fn unparsable_value_names_line_and_column() {
        let err = Rule::Date
            .hierarchy(&table(&["2020-01-01", "2020-13-01"]), "x")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv:3:1: `2020-13-01` is not a valid date YYYY-MM-DD"
        );
    }
}
