//! Utility measures (lower is better for all of them) and their lower
//! bounds, which depend only on the transformation, never on suppression,
//! and only grow with generalisation: what lets the search prune.
//! Definitions and sources are in the crate README ("Measures").

use serde::{Deserialize, Serialize};

use crate::classes::{Classes, Problem};
use crate::model::Assessment;

/// The utility measure the search minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Measure {
    /// ARX's Loss (MetricMDNMLoss, gs-factor 0.5, geometric mean over
    /// attributes); after Iyengar 2002.
    #[default]
    Loss,
    /// Non-uniform entropy in bits, summed over attributes (Gionis, Tassa).
    NonUniformEntropy,
    /// Discernibility (Bayardo, Agrawal 2005).
    Discernibility,
    /// Average equivalence class size (LeFevre et al. 2006).
    Aecs,
    /// Precision (Sweeney 2002), mean over attributes.
    Precision,
}

/// All measures for one transformation, for reports.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Utility {
    /// ARX Loss in [0, 1].
    pub loss: f64,
    /// Non-uniform entropy, bits.
    pub non_uniform_entropy: f64,
    /// Discernibility.
    pub discernibility: f64,
    /// Average equivalence class size.
    pub aecs: f64,
    /// Precision in [0, 1].
    pub precision: f64,
}

/// Per attribute and level, the sums a measure needs, precomputed once.
#[derive(Debug, Clone)]
pub struct Scorer {
    n: f64,
    /// `share[a][level][code]`: ARX domain share of the generalised value.
    share: Vec<Vec<Vec<f64>>>,
    /// `loss_sum[a][level]`: sum over records of the share.
    loss_sum: Vec<Vec<f64>>,
    /// `nue[a][level][code]`: -log2(freq(value) / freq(generalised value)).
    nue: Vec<Vec<Vec<f64>>>,
    nue_sum: Vec<Vec<f64>>,
    heights: Vec<usize>,
    domains: Vec<f64>,
}

impl Scorer {
    /// Precomputes the per-level tables for `problem`.
    pub fn new(p: &Problem) -> Self {
        let mut s = Self {
            n: p.n as f64,
            share: Vec::new(),
            loss_sum: Vec::new(),
            nue: Vec::new(),
            nue_sum: Vec::new(),
            heights: p.heights(),
            domains: p.gens.iter().map(|g| g.domain as f64).collect(),
        };
        for (a, g) in p.gens.iter().enumerate() {
            let freq = code_frequencies(p, a, g.map.first().map_or(0, Vec::len));
            let per_level = g.map.iter().zip(&g.shares).map(|(map, shares)| {
                let share: Vec<f64> = map
                    .iter()
                    .map(|&c| shares.get(c as usize).copied().unwrap_or(1.0))
                    .collect();
                let nue = nue_terms(map, &freq);
                (share, nue)
            });
            let (share, nue): (Vec<Vec<f64>>, Vec<Vec<f64>>) = per_level.unzip();
            s.loss_sum
                .push(share.iter().map(|v| dot(v, &freq)).collect());
            s.nue_sum.push(nue.iter().map(|v| dot(v, &freq)).collect());
            s.share.push(share);
            s.nue.push(nue);
        }
        s
    }

    /// Lower bound of `measure` at `levels`: the value if nothing were
    /// suppressed (Loss, entropy, precision); trivial for the class-size
    /// measures, whose value needs the data.
    pub fn lower_bound(&self, measure: Measure, levels: &[usize]) -> f64 {
        match measure {
            Measure::Loss => self.loss_value(levels, &vec![(0.0, 0.0); levels.len()]),
            Measure::NonUniformEntropy => self.nue_value(levels, &vec![(0.0, 0.0); levels.len()]),
            Measure::Precision => self.precision_value(levels, 0.0),
            Measure::Discernibility => self.n,
            Measure::Aecs => 1.0,
        }
    }

    /// Value of `measure` for a checked transformation.
    pub fn value(
        &self,
        measure: Measure,
        p: &Problem,
        levels: &[usize],
        c: &Classes,
        a: &Assessment,
    ) -> f64 {
        match measure {
            Measure::Loss => {
                self.loss_value(levels, &self.suppressed_share_by_class(p, levels, c, a))
            }
            Measure::NonUniformEntropy => {
                self.nue_value(levels, &self.suppressed_shares(p, levels, c, a, &self.nue))
            }
            Measure::Precision => self.precision_value(levels, a.suppressed as f64),
            Measure::Discernibility => discernibility(c, a, self.n),
            Measure::Aecs => aecs(c, a, self.n),
        }
    }

    /// Every measure, for reports.
    pub fn all(&self, p: &Problem, levels: &[usize], c: &Classes, a: &Assessment) -> Utility {
        Utility {
            loss: self.value(Measure::Loss, p, levels, c, a),
            non_uniform_entropy: self.value(Measure::NonUniformEntropy, p, levels, c, a),
            discernibility: self.value(Measure::Discernibility, p, levels, c, a),
            aecs: self.value(Measure::Aecs, p, levels, c, a),
            precision: self.value(Measure::Precision, p, levels, c, a),
        }
    }

    /// As [`Self::suppressed_shares`] for the domain shares, which are equal
    /// within a class: one lookup per suppressed class, not per record.
    fn suppressed_share_by_class(
        &self,
        p: &Problem,
        levels: &[usize],
        c: &Classes,
        a: &Assessment,
    ) -> Vec<(f64, f64)> {
        let mut out = vec![(0.0, 0.0); levels.len()];
        if a.suppressed == 0 {
            return out;
        }
        let outliers = c.sizes.iter().zip(&c.representative).zip(&a.outlier);
        for ((&size, &rep), _) in outliers.filter(|(_, o)| **o) {
            let w = size as f64;
            for (attr, slot) in out.iter_mut().enumerate() {
                let code = p
                    .cols
                    .get(attr)
                    .and_then(|col| col.get(rep as usize))
                    .copied()
                    .unwrap_or(0);
                let level = levels.get(attr).copied().unwrap_or(0);
                let top = self.heights.get(attr).copied().unwrap_or(0);
                slot.0 += w * term(&self.share, attr, level, code);
                slot.1 += w * term(&self.share, attr, top, code);
            }
        }
        out
    }

    /// Per attribute, over records in suppressed classes: the sum of the
    /// per-record term at `levels` and at the root (where they end up).
    fn suppressed_shares(
        &self,
        p: &Problem,
        levels: &[usize],
        c: &Classes,
        a: &Assessment,
        table: &[Vec<Vec<f64>>],
    ) -> Vec<(f64, f64)> {
        let mut out = vec![(0.0, 0.0); levels.len()];
        if a.suppressed == 0 {
            return out;
        }
        for (r, &class) in c.class_of_row.iter().enumerate() {
            if !a.outlier.get(class as usize).copied().unwrap_or(false) {
                continue;
            }
            let w = p.weight.get(r).copied().unwrap_or(0) as f64;
            let codes = p.cols.iter().map(|col| col.get(r).copied().unwrap_or(0));
            for (attr, (code, slot)) in codes.zip(out.iter_mut()).enumerate() {
                let level = levels.get(attr).copied().unwrap_or(0);
                let top = self.heights.get(attr).copied().unwrap_or(0);
                slot.0 += w * term(table, attr, level, code);
                slot.1 += w * term(table, attr, top, code);
            }
        }
        out
    }

    /// ARX Loss: per attribute `(sum - n/|D|) / (n - n/|D|)` where a kept
    /// record adds its value's domain share and a suppressed record adds 1;
    /// combined as the geometric mean of `1 + v`, minus 1.
    fn loss_value(&self, levels: &[usize], supp: &[(f64, f64)]) -> f64 {
        let q = levels.len().max(1) as f64;
        let mut product = 1.0;
        for (attr, (&level, &(share, root))) in levels.iter().zip(supp).enumerate() {
            let sum = self
                .loss_sum
                .get(attr)
                .and_then(|v| v.get(level))
                .copied()
                .unwrap_or(0.0);
            let agg = if root == 0.0 && share == 0.0 {
                sum
            } else {
                sum - share + root
            };
            let domain = self.domains.get(attr).copied().unwrap_or(1.0);
            let min = self.n / domain;
            let v = if self.n - min > 0.0 {
                ((agg - min) / (self.n - min)).max(0.0)
            } else {
                0.0
            };
            product *= (1.0 + v).powf(1.0 / q);
        }
        product - 1.0
    }

    /// Non-uniform entropy: each record adds `-log2(freq(value) /
    /// freq(generalised value))`; a suppressed record counts as generalised
    /// to the root, i.e. `-log2(freq(value) / n)`.
    fn nue_value(&self, levels: &[usize], supp: &[(f64, f64)]) -> f64 {
        let mut total = 0.0;
        for (attr, (&level, &(terms, root))) in levels.iter().zip(supp).enumerate() {
            let sums = self.nue_sum.get(attr);
            let sum = sums.and_then(|v| v.get(level)).copied().unwrap_or(0.0);
            total += if root == 0.0 && terms == 0.0 {
                sum
            } else {
                sum - terms + root
            };
        }
        total
    }

    /// Precision: per attribute, level / height for kept records and 1 for
    /// suppressed ones, averaged over records, then over attributes.
    fn precision_value(&self, levels: &[usize], suppressed: f64) -> f64 {
        let q = levels.len().max(1) as f64;
        let kept = self.n - suppressed;
        let per_attr = levels.iter().zip(&self.heights).map(|(&l, &h)| {
            let frac = if h == 0 { 0.0 } else { l as f64 / h as f64 };
            if self.n == 0.0 {
                0.0
            } else {
                (kept * frac + suppressed) / self.n
            }
        });
        per_attr.sum::<f64>() / q
    }
}

fn term(table: &[Vec<Vec<f64>>], attr: usize, level: usize, code: u32) -> f64 {
    table
        .get(attr)
        .and_then(|t| t.get(level))
        .and_then(|t| t.get(code as usize))
        .copied()
        .unwrap_or(0.0)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Records holding each column code of quasi-identifier `a`.
fn code_frequencies(p: &Problem, a: usize, n_codes: usize) -> Vec<f64> {
    let mut freq = vec![0.0; n_codes];
    let col = p.cols.get(a).map_or(&[][..], Vec::as_slice);
    for (&code, &w) in col.iter().zip(&p.weight) {
        if let Some(f) = freq.get_mut(code as usize) {
            *f += w as f64;
        }
    }
    freq
}

fn nue_terms(map: &[u32], freq: &[f64]) -> Vec<f64> {
    let mut gen_freq = vec![0.0; map.iter().map(|&g| g as usize + 1).max().unwrap_or(0)];
    for (&g, &f) in map.iter().zip(freq) {
        if let Some(s) = gen_freq.get_mut(g as usize) {
            *s += f;
        }
    }
    map.iter()
        .zip(freq)
        .map(|(&g, &f)| {
            let gf = gen_freq.get(g as usize).copied().unwrap_or(0.0);
            if f > 0.0 && gf > 0.0 {
                -(f / gf).log2()
            } else {
                0.0
            }
        })
        .collect()
}

/// Discernibility: kept classes add `|E|^2`, suppressed records add `n` each.
fn discernibility(c: &Classes, a: &Assessment, n: f64) -> f64 {
    c.sizes
        .iter()
        .zip(&a.outlier)
        .map(|(&s, &o)| {
            if o {
                s as f64 * n
            } else {
                (s as f64) * (s as f64)
            }
        })
        .sum()
}

/// AECS as ARX computes it: n over the number of kept classes, plus one
/// class for all suppressed records if there are any.
fn aecs(c: &Classes, a: &Assessment, n: f64) -> f64 {
    let kept = c
        .sizes
        .iter()
        .zip(&a.outlier)
        .filter(|(&s, &o)| s > 0 && !o)
        .count();
    let groups = kept + usize::from(a.suppressed > 0);
    if groups == 0 {
        0.0
    } else {
        n / groups as f64
    }
}
