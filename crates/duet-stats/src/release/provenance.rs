//! Provenance of released values: each one is a sum, over the records of a
//! cell, of a quantity (1 for a count, a column for a sum, a product of two
//! columns for a cross-product). Cells are written in job-independent terms
//! (column names, level names, numeric intervals in the column's units),
//! so that values of different jobs on the same data can be compared by
//! the differencing test and kept in the ledger.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::job::format_scaled;

/// A condition on one column that a record of a cell satisfies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// The category column holds one of these levels (by name).
    Levels(BTreeSet<String>),
    /// The numeric column's value `v`, in units of `10^-places`, satisfies
    /// `lo <= v < hi` (an absent bound is unbounded). A closed upper bound
    /// `b` is written `hi = b + 1` (values are integers in units).
    Range {
        /// Decimal places of the units.
        places: u32,
        /// Inclusive lower bound, in units.
        lo: Option<i64>,
        /// Exclusive upper bound, in units.
        hi: Option<i64>,
    },
    /// The column holds a value (any): under available-case analysis a
    /// statistic's records are those recording every column it reads.
    Recorded,
}

/// A set of records: those satisfying every condition (no condition: all
/// records of the population).
pub type Cell = BTreeMap<String, Condition>;

/// One released (or withheld) linear value: `sum over records r in cell of
/// prod_{c in quantity} value_c(r)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LinearValue {
    /// Numeric columns multiplied (sorted, repeated for squares); empty for
    /// a count.
    pub quantity: Vec<String>,
    /// The records summed over.
    pub cell: Cell,
    /// Records of `cell` left out: those also satisfying every condition
    /// here (a count of the rows a statistic excluded is all records but
    /// those recording each of its columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub except: Option<Cell>,
}

impl Condition {
    /// Whether no record can satisfy the condition: no level, or a range
    /// whose lower bound is not below its upper bound.
    pub fn is_empty(&self) -> bool {
        match self {
            Condition::Levels(levels) => levels.is_empty(),
            Condition::Range {
                lo: Some(lo),
                hi: Some(hi),
                ..
            } => lo >= hi,
            Condition::Range { .. } | Condition::Recorded => false,
        }
    }
}

impl LinearValue {
    /// The value summing `quantity` (in any order) over `cell`.
    pub fn new(mut quantity: Vec<String>, cell: Cell) -> Self {
        quantity.sort();
        LinearValue {
            quantity,
            cell,
            except: None,
        }
    }

    /// The count of the records that do not record every one of
    /// `columns`: the rows a statistic reading them leaves out.
    pub fn missing_any(columns: &[String]) -> Self {
        let recorded = columns
            .iter()
            .map(|c| (c.clone(), Condition::Recorded))
            .collect();
        LinearValue {
            quantity: Vec::new(),
            cell: Cell::new(),
            except: Some(recorded),
        }
    }

    /// Whether the value is zero whatever the data, because some condition
    /// of its cell can hold for no record; such a value is public.
    pub fn is_structurally_zero(&self) -> bool {
        self.cell.values().any(Condition::is_empty)
    }
}

impl fmt::Display for LinearValue {
    /// Plain words: `count where region=north`, `sum of sbp where
    /// smoker=yes`, `sum of bmi*sbp of all records`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.quantity.is_empty() {
            f.write_str("count")?;
        } else {
            write!(f, "sum of {}", self.quantity.join("*"))?;
        }
        let words = |cell: &Cell| -> Vec<String> {
            cell.iter().map(|(col, c)| condition_text(col, c)).collect()
        };
        match (&self.except, self.cell.is_empty()) {
            (None, true) => f.write_str(" of all records"),
            (None, false) => write!(f, " where {}", words(&self.cell).join(", ")),
            (Some(except), _) => {
                if !self.cell.is_empty() {
                    write!(f, " where {}", words(&self.cell).join(", "))?;
                }
                if except.values().all(|c| *c == Condition::Recorded) {
                    let cols: Vec<&str> = except.keys().map(String::as_str).collect();
                    write!(f, " of records missing any of {}", cols.join(", "))
                } else {
                    write!(f, " except where {}", words(except).join(", "))
                }
            }
        }
    }
}

/// One condition in words: `sex=F`, `region in {east, west}`, `bmi in
/// [18.5, 25)`, `age >= 65`, `age < 40`.
fn condition_text(col: &str, c: &Condition) -> String {
    match c {
        Condition::Recorded => format!("{col} recorded"),
        Condition::Levels(levels) if levels.len() == 1 => {
            format!("{col}={}", levels.iter().next().map_or("", String::as_str))
        }
        Condition::Levels(levels) => {
            let list: Vec<&str> = levels.iter().map(String::as_str).collect();
            format!("{col} in {{{}}}", list.join(", "))
        }
        Condition::Range { places, lo, hi } => {
            let v = |x: i64| format_scaled(i128::from(x), *places);
            match (lo, hi) {
                (Some(l), Some(h)) => format!("{col} in [{}, {})", v(*l), v(*h)),
                (Some(l), None) => format!("{col} >= {}", v(*l)),
                (None, Some(h)) => format!("{col} < {}", v(*h)),
                (None, None) => format!("{col} any"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_words() {
        let mut cell = Cell::new();
        assert_eq!(
            LinearValue::new(vec![], cell.clone()).to_string(),
            "count of all records"
        );
        cell.insert(
            "region".into(),
            Condition::Levels(["west".to_string()].into()),
        );
        let range = |lo, hi| Condition::Range { places: 1, lo, hi };
        cell.insert("bmi".into(), range(Some(185), Some(250)));
        let v = LinearValue::new(vec!["sbp".into(), "age".into()], cell.clone());
        assert_eq!(
            v.to_string(),
            "sum of age*sbp where bmi in [18.5, 25.0), region=west"
        );
        cell.insert("bmi".into(), range(None, Some(250)));
        let levels = ["east".to_string(), "west".to_string()].into();
        cell.insert("region".into(), Condition::Levels(levels));
        let v = LinearValue::new(vec!["sbp".into()], cell);
        assert_eq!(
            v.to_string(),
            "sum of sbp where bmi < 25.0, region in {east, west}"
        );
    }
}
