//! Privacy models checked per equivalence class, and the policy that
//! combines them with a record-suppression limit the way ARX does: every
//! class failing a model is suppressed, and a transformation is accepted when
//! at most `floor(limit * n)` records are suppressed.

use serde::{Deserialize, Serialize};

use crate::classes::{Classes, Problem};
use crate::error::{AnonError, Result};
use crate::hierarchy::Generalizer;

/// Relative tolerance for comparisons of entropies and distances, so that
/// exact cases (a class with entropy exactly ln 5) pass despite rounding.
pub const TOLERANCE: f64 = 1e-9;

/// Ground distance between sensitive values for t-closeness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GroundDistance {
    /// Every two distinct values are at distance 1: EMD is half the L1 distance.
    Equal,
    /// Distance by the height of the lowest common ancestor in the sensitive
    /// attribute's hierarchy (Li, Li, Venkatasubramanian 2007, Section 4.2).
    Hierarchical,
}

/// A privacy model evaluated on each equivalence class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PrivacyModel {
    /// Every class holds at least `k` records (Sweeney 2002).
    KAnonymity {
        /// Minimum class size.
        k: u64,
    },
    /// Every class holds at least `l` distinct sensitive values.
    DistinctL {
        /// Minimum number of distinct values.
        l: u64,
    },
    /// Every class's sensitive entropy (natural log) is at least `ln l`.
    EntropyL {
        /// The l of entropy l-diversity (real, at least 1).
        l: f64,
    },
    /// Recursive (c,l)-diversity: with counts sorted `r1 >= r2 >= ... >= rm`,
    /// `r1 < c (r_l + ... + r_m)` (Machanavajjhala et al. 2007).
    RecursiveCl {
        /// The constant c (positive).
        c: f64,
        /// The l (at least 2).
        l: u64,
    },
    /// Earth mover's distance between each class's sensitive distribution
    /// and the whole input's is at most `t`.
    TCloseness {
        /// The threshold in [0, 1].
        t: f64,
        /// Ground distance.
        distance: GroundDistance,
    },
}

impl PrivacyModel {
    /// Whether the model needs a sensitive attribute.
    pub fn needs_sensitive(&self) -> bool {
        !matches!(self, Self::KAnonymity { .. })
    }

    /// Short name for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Self::KAnonymity { .. } => "k-anonymity",
            Self::DistinctL { .. } => "distinct l-diversity",
            Self::EntropyL { .. } => "entropy l-diversity",
            Self::RecursiveCl { .. } => "recursive (c,l)-diversity",
            Self::TCloseness { .. } => "t-closeness",
        }
    }

    fn validate(&self) -> Result<()> {
        let bad = |name, value: String, reason| {
            Err(AnonError::InvalidParameter {
                name,
                value,
                reason,
            })
        };
        match *self {
            Self::KAnonymity { k: 0 } => bad("k", "0".into(), "k must be at least 1"),
            Self::DistinctL { l: 0 } => bad("l", "0".into(), "l must be at least 1"),
            Self::EntropyL { l } if l.is_nan() || l < 1.0 => {
                bad("l", l.to_string(), "l must be at least 1")
            }
            Self::RecursiveCl { c, l } if c.is_nan() || c <= 0.0 || l < 2 => bad(
                "c, l",
                format!("{c}, {l}"),
                "c must be positive and l at least 2",
            ),
            Self::TCloseness { t, .. } if !(0.0..=1.0).contains(&t) => {
                bad("t", t.to_string(), "t must be in [0, 1]")
            }
            _ => Ok(()),
        }
    }

    /// Whether the set of accepted transformations is closed under further
    /// generalisation when up to `limit > 0` of the records may be suppressed.
    /// Without suppression every model here is monotone.
    pub fn monotone_with_suppression(&self) -> bool {
        matches!(self, Self::KAnonymity { .. } | Self::DistinctL { .. })
    }
}

/// The privacy models, the suppression limit, and what the checks need
/// from the data (global sensitive distribution, sensitive hierarchy).
#[derive(Debug, Clone)]
pub struct Policy {
    models: Vec<PrivacyModel>,
    suppression_limit: f64,
    max_outliers: u64,
    global: Vec<f64>,
    tree: Option<SensitiveTree>,
}

/// Outcome of checking one transformation.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Whether the transformation satisfies the policy.
    pub anonymous: bool,
    /// Records in classes failing a model.
    pub suppressed: u64,
    /// Per class: true when the class is suppressed.
    pub outlier: Vec<bool>,
}

impl Policy {
    /// Builds a policy for `problem`. `sensitive_hierarchy` is required for
    /// hierarchical t-closeness. `suppression_limit` is a fraction in [0, 1].
    pub fn new(
        problem: &Problem,
        models: Vec<PrivacyModel>,
        suppression_limit: f64,
        sensitive_hierarchy: Option<&Generalizer>,
    ) -> Result<Self> {
        if !(0.0..=1.0).contains(&suppression_limit) {
            return Err(AnonError::InvalidParameter {
                name: "suppression_limit",
                value: suppression_limit.to_string(),
                reason: "give a fraction of the records in [0, 1]",
            });
        }
        for m in &models {
            m.validate()?;
            if m.needs_sensitive() && !problem.has_sensitive {
                return Err(AnonError::NoSensitiveAttribute { model: m.name() });
            }
            if let PrivacyModel::KAnonymity { k } = m {
                if *k > problem.n {
                    return Err(AnonError::ImpossibleK {
                        k: *k,
                        records: problem.n,
                    });
                }
            }
        }
        let tree = match sensitive_hierarchy {
            Some(g) => Some(SensitiveTree::new(g)),
            None if models.iter().any(needs_tree) => {
                return Err(AnonError::InvalidParameter {
                    name: "distance",
                    value: "hierarchical".into(),
                    reason:
                        "hierarchical t-closeness needs a hierarchy for the sensitive attribute",
                })
            }
            None => None,
        };
        Ok(Self {
            models,
            suppression_limit,
            max_outliers: (suppression_limit * problem.n as f64).floor() as u64,
            global: global_distribution(problem),
            tree,
        })
    }

    /// The models checked.
    pub fn models(&self) -> &[PrivacyModel] {
        &self.models
    }

    /// The suppression limit as a fraction of the input.
    pub fn suppression_limit(&self) -> f64 {
        self.suppression_limit
    }

    /// Largest number of records that may be suppressed.
    pub fn max_outliers(&self) -> u64 {
        self.max_outliers
    }

    /// Whether the models need per-class sensitive histograms.
    pub fn needs_histograms(&self) -> bool {
        self.models.iter().any(PrivacyModel::needs_sensitive)
    }

    /// Whether accepted transformations stay accepted when generalised further.
    pub fn monotone(&self) -> bool {
        self.max_outliers == 0
            || self
                .models
                .iter()
                .all(PrivacyModel::monotone_with_suppression)
    }

    /// Checks every class and sums the suppressed records.
    pub fn assess(&self, classes: &Classes) -> Assessment {
        let outlier: Vec<bool> = (0..classes.len())
            .map(|c| {
                !self.class_ok(
                    classes.sizes.get(c).copied().unwrap_or(0),
                    classes.histogram(c),
                )
            })
            .collect();
        let suppressed = outlier
            .iter()
            .zip(&classes.sizes)
            .filter(|(o, _)| **o)
            .map(|(_, s)| s)
            .sum();
        Assessment {
            anonymous: suppressed <= self.max_outliers,
            suppressed,
            outlier,
        }
    }

    /// Whether one class (size and sensitive histogram) satisfies every model.
    pub fn class_ok(&self, size: u64, hist: &[(u32, u64)]) -> bool {
        self.models.iter().all(|m| match *m {
            PrivacyModel::KAnonymity { k } => size >= k,
            PrivacyModel::DistinctL { l } => hist.len() as u64 >= l,
            PrivacyModel::EntropyL { l } => entropy(hist) >= l.ln() - TOLERANCE * l.ln().max(1.0),
            PrivacyModel::RecursiveCl { c, l } => recursive_ok(hist, c, l),
            PrivacyModel::TCloseness { t, distance } => {
                self.emd(size, hist, distance) <= t + TOLERANCE
            }
        })
    }

    fn emd(&self, size: u64, hist: &[(u32, u64)], distance: GroundDistance) -> f64 {
        match (distance, &self.tree) {
            (GroundDistance::Hierarchical, Some(tree)) => tree.emd(size, hist, &self.global),
            _ => equal_emd(size, hist, &self.global),
        }
    }
}

fn needs_tree(m: &PrivacyModel) -> bool {
    matches!(
        m,
        PrivacyModel::TCloseness {
            distance: GroundDistance::Hierarchical,
            ..
        }
    )
}

fn global_distribution(p: &Problem) -> Vec<f64> {
    let mut counts = vec![0u64; p.sens_values];
    for (&s, &w) in p.sens.iter().zip(&p.weight) {
        if let Some(c) = counts.get_mut(s as usize) {
            *c += w;
        }
    }
    let n = p.n.max(1) as f64;
    counts.into_iter().map(|c| c as f64 / n).collect()
}

/// Shannon entropy in nats: `ln N - (sum c ln c) / N`, which is exact for
/// integer counts up to rounding.
pub fn entropy(hist: &[(u32, u64)]) -> f64 {
    let n: u64 = hist.iter().map(|(_, c)| c).sum();
    if n == 0 {
        return 0.0;
    }
    let s: f64 = hist.iter().map(|&(_, c)| c as f64 * (c as f64).ln()).sum();
    (n as f64).ln() - s / n as f64
}

fn recursive_ok(hist: &[(u32, u64)], c: f64, l: u64) -> bool {
    let mut counts: Vec<u64> = hist.iter().map(|&(_, n)| n).collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let l = l as usize;
    if counts.len() < l {
        return false;
    }
    let top = counts.first().copied().unwrap_or(0) as f64;
    let tail: u64 = counts.iter().skip(l - 1).sum();
    top < c * tail as f64
}

/// EMD under the equal ground distance: half the L1 distance.
fn equal_emd(size: u64, hist: &[(u32, u64)], global: &[f64]) -> f64 {
    let size = size.max(1) as f64;
    let mut present = 0.0;
    let mut diff = 0.0;
    for &(s, c) in hist {
        let q = global.get(s as usize).copied().unwrap_or(0.0);
        diff += (c as f64 / size - q).abs();
        present += q;
    }
    // Values absent from the class contribute their global share.
    (diff + (1.0 - present).max(0.0)) / 2.0
}

/// The sensitive hierarchy as parent links per level, for hierarchical EMD.
#[derive(Debug, Clone)]
struct SensitiveTree {
    /// `leaf[code]`: level-0 code of each sensitive column code.
    leaf: Vec<u32>,
    /// `parent[l][code at l]`: code at level l + 1.
    parent: Vec<Vec<u32>>,
    sizes: Vec<usize>,
}

impl SensitiveTree {
    fn new(g: &Generalizer) -> Self {
        let levels = g.map.len();
        let sizes: Vec<usize> = (0..levels).map(|l| g.level_size(l)).collect();
        let mut parent: Vec<Vec<u32>> = sizes
            .iter()
            .take(levels.saturating_sub(1))
            .map(|&s| vec![0; s])
            .collect();
        for (l, up) in parent.iter_mut().enumerate() {
            if let (Some(lo), Some(hi)) = (g.map.get(l), g.map.get(l + 1)) {
                for (&a, &b) in lo.iter().zip(hi) {
                    if let Some(p) = up.get_mut(a as usize) {
                        *p = b;
                    }
                }
            }
        }
        Self {
            leaf: g.map.first().cloned().unwrap_or_default(),
            parent,
            sizes,
        }
    }

    /// Li et al.'s hierarchical EMD: each internal node at level `l` of a
    /// tree of height `H` moves `min(positive, negative extra)` of its
    /// children's surplus at cost `l / H`.
    fn emd(&self, size: u64, hist: &[(u32, u64)], global: &[f64]) -> f64 {
        let height = self.parent.len();
        if height == 0 {
            return 0.0;
        }
        let size = size.max(1) as f64;
        let mut extra = vec![0.0; self.sizes.first().copied().unwrap_or(0)];
        for (code, &q) in global.iter().enumerate() {
            if let Some(e) = self.leaf.get(code).and_then(|&l| extra.get_mut(l as usize)) {
                *e -= q;
            }
        }
        for &(s, c) in hist {
            if let Some(e) = self
                .leaf
                .get(s as usize)
                .and_then(|&l| extra.get_mut(l as usize))
            {
                *e += c as f64 / size;
            }
        }
        let mut cost = 0.0;
        for (l, up) in self.parent.iter().enumerate() {
            let n_up = self.sizes.get(l + 1).copied().unwrap_or(0);
            let (mut pos, mut neg, mut next) = (vec![0.0; n_up], vec![0.0; n_up], vec![0.0; n_up]);
            for (child, &e) in extra.iter().enumerate() {
                let p = up.get(child).copied().unwrap_or(0) as usize;
                let (Some(ps), Some(ng), Some(nx)) =
                    (pos.get_mut(p), neg.get_mut(p), next.get_mut(p))
                else {
                    continue;
                };
                if e > 0.0 {
                    *ps += e
                } else {
                    *ng -= e
                }
                *nx += e;
            }
            let level_cost = (l + 1) as f64 / height as f64;
            cost += pos
                .iter()
                .zip(&neg)
                .map(|(a, b)| f64::min(*a, *b))
                .sum::<f64>()
                * level_cost;
            extra = next;
        }
        cost
    }
}
