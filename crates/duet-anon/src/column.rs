//! A dictionary-encoded column: distinct values once, a `u32` code per row.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// The type a column's values share, inferred from its distinct values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ColumnKind {
    /// Every value is a 64-bit integer.
    Integer,
    /// Every value is a finite decimal number.
    Decimal,
    /// Every value is a `YYYY-MM-DD` date.
    Date,
    /// Anything else (codes, categories, free text).
    Text,
}

/// One column: a dictionary of distinct values and one code per row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    name: String,
    dict: Vec<String>,
    codes: Vec<u32>,
}

impl Column {
    /// Builds a column by interning `values` in order of first appearance.
    pub fn from_values<S: AsRef<str>>(name: &str, values: &[S]) -> Self {
        let mut col = Self::empty(name);
        col.set_values(values.iter().map(|v| v.as_ref().to_owned()).collect());
        col
    }

    pub(crate) fn empty(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            dict: Vec::new(),
            codes: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, index: &mut HashMap<String, u32>, value: &str) {
        let code = match index.get(value) {
            Some(&c) => c,
            None => {
                let c = self.dict.len() as u32;
                index.insert(value.to_owned(), c);
                self.dict.push(value.to_owned());
                c
            }
        };
        self.codes.push(code);
    }

    /// The narrowest kind all values fit; an empty column is `Text`.
    pub fn kind(&self) -> ColumnKind {
        let all =
            |f: &dyn Fn(&str) -> bool| !self.dict.is_empty() && self.dict.iter().all(|v| f(v));
        if all(&|v| v.trim().parse::<i64>().is_ok()) {
            ColumnKind::Integer
        } else if all(&|v| v.trim().parse::<f64>().is_ok_and(f64::is_finite)) {
            ColumnKind::Decimal
        } else if all(&|v| crate::dates::Date::parse(v).is_some()) {
            ColumnKind::Date
        } else {
            ColumnKind::Text
        }
    }

    /// The column name from the header.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Distinct values, indexed by code.
    pub fn dictionary(&self) -> &[String] {
        &self.dict
    }

    /// One code per row.
    pub fn codes(&self) -> &[u32] {
        &self.codes
    }

    /// The value in `row`, or `None` past the end.
    pub fn get(&self, row: usize) -> Option<&str> {
        let code = *self.codes.get(row)?;
        self.dict.get(code as usize).map(String::as_str)
    }

    /// Replaces each distinct value by `f(value)`, merging values that map to
    /// the same result. `f` sees each distinct value once, with the index of
    /// the first row holding it.
    pub fn map_distinct<F>(&mut self, mut f: F) -> Result<()>
    where
        F: FnMut(&str, usize) -> Result<String>,
    {
        let first = first_rows(&self.codes, self.dict.len());
        let mut mapped = Vec::with_capacity(self.dict.len());
        for (value, row) in self.dict.iter().zip(first) {
            mapped.push(f(value, row)?);
        }
        self.replace_dictionary(mapped);
        Ok(())
    }

    fn replace_dictionary(&mut self, mapped: Vec<String>) {
        let mut index: HashMap<String, u32> = HashMap::new();
        let mut dict = Vec::new();
        let remap: Vec<u32> = mapped
            .into_iter()
            .map(|v| {
                *index.entry(v.clone()).or_insert_with(|| {
                    dict.push(v);
                    (dict.len() - 1) as u32
                })
            })
            .collect();
        for c in &mut self.codes {
            *c = remap.get(*c as usize).copied().unwrap_or(0);
        }
        self.dict = dict;
    }

    /// Keeps the rows whose `keep` entry is true.
    pub(crate) fn retain_rows(&mut self, keep: &[bool]) {
        let codes = self.codes.iter().zip(keep).filter(|(_, k)| **k);
        self.codes = codes.map(|(c, _)| *c).collect();
    }

    /// Replaces every row's value (used by per-row transforms).
    pub fn set_values(&mut self, values: Vec<String>) {
        let mut index: HashMap<String, u32> = HashMap::new();
        self.dict.clear();
        self.codes.clear();
        for v in values {
            let next = index.len() as u32;
            let code = *index.entry(v.clone()).or_insert(next);
            if code == next {
                self.dict.push(v);
            }
            self.codes.push(code);
        }
    }
}

/// First row index holding each code (rows past the end if unused).
fn first_rows(codes: &[u32], n_codes: usize) -> Vec<usize> {
    let mut first = vec![usize::MAX; n_codes];
    for (row, &c) in codes.iter().enumerate().rev() {
        if let Some(slot) = first.get_mut(c as usize) {
            *slot = row;
        }
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_kinds_are_inferred() {
        let kinds = |vals: &[&str]| Column::from_values("c", vals).kind();
        assert_eq!(kinds(&["1", "-20", " 3"]), ColumnKind::Integer);
        assert_eq!(kinds(&["1", "2.5"]), ColumnKind::Decimal);
        assert_eq!(kinds(&["2020-01-01", "1999-12-31"]), ColumnKind::Date);
        assert_eq!(kinds(&["1", "x"]), ColumnKind::Text);
        assert_eq!(kinds(&["inf"]), ColumnKind::Text);
        assert_eq!(kinds(&[] as &[&str]), ColumnKind::Text);
    }
}
