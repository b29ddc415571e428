//! Provenance of released values: each one is a sum, over the records of a
//! cell, of a quantity (1 for a count, a column for a sum, a product of two
//! columns for a cross-product). Cells are written in job-independent terms
//! (column names, level names, numeric intervals in the column's units),
//! so that values of different jobs on the same data can be compared by
//! the differencing test and kept in the ledger.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

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
}

/// A set of records: those satisfying every condition (no condition: all
/// records of the population).
pub type Cell = BTreeMap<String, Condition>;

/// One released (or withheld) linear value: `sum over records r in cell of
/// prod_{c in quantity} value_c(r)`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LinearValue {
    /// Numeric columns multiplied (sorted, repeated for squares); empty for
    /// a count.
    pub quantity: Vec<String>,
    /// The records summed over.
    pub cell: Cell,
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
            Condition::Range { .. } => false,
        }
    }
}

impl LinearValue {
    /// The value summing `quantity` (in any order) over `cell`.
    pub fn new(mut quantity: Vec<String>, cell: Cell) -> Self {
        quantity.sort();
        LinearValue { quantity, cell }
    }

    /// Whether the value is zero whatever the data, because some condition
    /// of its cell can hold for no record; such a value is public.
    pub fn is_structurally_zero(&self) -> bool {
        self.cell.values().any(Condition::is_empty)
    }
}
