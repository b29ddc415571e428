//! Population class sizes for the journalist and marketer risk models:
//! the population table (a superset of the released records, e.g. a
//! registry extract) is generalised exactly like the release, and each
//! released class is matched to the number of population records that an
//! attacker could not tell apart from it.

use std::collections::HashMap;

use crate::error::Result;
use crate::hierarchy::Hierarchy;
use crate::recode::SUPPRESSED;
use crate::rules::Rule;
use crate::table::Table;

/// How a quasi-identifier is generalised: a hierarchy file or a rule
/// (rules are re-applied to the population's own values).
#[derive(Debug, Clone)]
pub enum Generalisation {
    /// A fixed hierarchy.
    Hierarchy(Hierarchy),
    /// A rule.
    Rule(Rule),
}

/// Number of population records per generalised quasi-identifier tuple.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Population {
    counts: HashMap<Vec<String>, u64>,
    total: u64,
}

impl Population {
    /// Generalises `table`'s quasi-identifiers `qis` to `levels` and counts
    /// each tuple.
    pub fn build(
        table: &Table,
        qis: &[(String, Generalisation)],
        levels: &[usize],
    ) -> Result<Self> {
        let mut labels: Vec<Vec<String>> = Vec::with_capacity(qis.len());
        for ((column, how), &level) in qis.iter().zip(levels) {
            let hierarchy = match how {
                Generalisation::Hierarchy(h) => h.clone(),
                Generalisation::Rule(rule) => rule.hierarchy(table, column)?,
            };
            let g = hierarchy.bind(table, column)?;
            let codes = table.column(column)?.codes();
            labels.push(
                codes
                    .iter()
                    .map(|&c| g.label(level, c).unwrap_or(SUPPRESSED).to_owned())
                    .collect(),
            );
        }
        let mut counts: HashMap<Vec<String>, u64> = HashMap::new();
        for r in 0..table.n_rows() {
            let key = labels
                .iter()
                .map(|col| col.get(r).cloned().unwrap_or_default())
                .collect();
            *counts.entry(key).or_insert(0) += 1;
        }
        Ok(Self {
            counts,
            total: table.n_rows() as u64,
        })
    }

    /// Population records matching a released tuple; a fully masked tuple
    /// matches everyone.
    pub fn size_of(&self, key: &[&str]) -> u64 {
        if key.iter().all(|v| *v == SUPPRESSED) {
            return self.total;
        }
        let owned: Vec<String> = key.iter().map(|s| (*s).to_owned()).collect();
        self.counts.get(&owned).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_generalised_tuples_and_masked_rows_match_all() {
        let rows = vec![vec!["34", "x"], vec!["36", "y"], vec!["51", "x"]];
        let pop = Table::from_rows("pop.csv", &["age", "other"], &rows).unwrap();
        let qis = vec![(
            "age".to_string(),
            Generalisation::Rule(Rule::Intervals { widths: vec![10] }),
        )];
        let p = Population::build(&pop, &qis, &[1]).unwrap();
        assert_eq!(p.size_of(&["[30, 40)"]), 2);
        assert_eq!(p.size_of(&["[50, 60)"]), 1);
        assert_eq!(p.size_of(&["[90, 100)"]), 0);
        assert_eq!(p.size_of(&["*"]), 3);
    }
}
