//! Optimal search over the generalisation lattice.
//!
//! Nodes are visited best-first by the measure's lower bound (as in OLA and
//! ARX's pruning by information-loss bounds), and stop as soon as the next
//! bound cannot beat the best value found. When the policy is monotone,
//! each check also tags whole sub-lattices (Flash's predictive tagging):
//! an accepted node accepts all its successors, a rejected node rejects all
//! its predecessors; a node of unknown status is resolved by binary search
//! on a chain from it to the top, so high rejected nodes prune widely.

use std::collections::HashMap;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::classes::{Classes, Problem};
use crate::error::{AnonError, Result};
use crate::lattice::Lattice;
use crate::measure::{Measure, Scorer};
use crate::model::Policy;

/// The result of one transformation's check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NodeEval {
    /// Whether the policy accepts it.
    pub anonymous: bool,
    /// Records suppressed.
    pub suppressed: u64,
    /// Value of the measure.
    pub value: f64,
}

/// The optimum and what it cost to find.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResult {
    /// Generalisation level per quasi-identifier.
    pub levels: Vec<usize>,
    /// Value of the measure at the optimum.
    pub value: f64,
    /// Records suppressed at the optimum.
    pub suppressed: u64,
    /// Transformations evaluated on the data.
    pub checked: u64,
    /// Size of the lattice.
    pub nodes: u64,
    /// Wall time of the search, milliseconds.
    pub millis: f64,
}

/// Checks one transformation: group, assess, score.
pub fn evaluate(
    p: &Problem,
    policy: &Policy,
    scorer: &Scorer,
    measure: Measure,
    levels: &[usize],
) -> NodeEval {
    evaluate_from(p, policy, scorer, measure, levels, None).0
}

/// As [`evaluate`], rolling up from `finer` (classes of a transformation
/// below `levels`) when given; also returns the classes.
fn evaluate_from(
    p: &Problem,
    policy: &Policy,
    scorer: &Scorer,
    measure: Measure,
    levels: &[usize],
    finer: Option<&Classes>,
) -> (NodeEval, Classes) {
    let hist = policy.needs_histograms();
    let classes = match finer {
        Some(f) => p.classes_from(f, levels, hist),
        None => p.classes(levels, hist),
    };
    let a = policy.assess(&classes);
    let eval = NodeEval {
        anonymous: a.anonymous,
        suppressed: a.suppressed,
        value: scorer.value(measure, p, levels, &classes, &a),
    };
    (eval, classes)
}

/// Largest lattice searched: the search keeps a few bytes per node.
pub const MAX_NODES: usize = 1 << 24;

fn lattice_for(p: &Problem) -> Result<Lattice> {
    let lat = Lattice::new(&p.heights())?;
    if lat.size() > MAX_NODES {
        return Err(AnonError::LatticeTooLarge {
            nodes: lat.size() as u64,
            limit: MAX_NODES as u64,
        });
    }
    Ok(lat)
}

/// How far down the visiting order a batch of parallel checks may reach.
const LOOKAHEAD: usize = 32;

/// Memory for the classes kept for roll-up (class numbers per row), and
/// the bounds on how many are kept.
const SNAPSHOT_BYTES: usize = 64 << 20;
const SNAPSHOTS_MIN: usize = 16;
const SNAPSHOTS_MAX: usize = 256;

/// Visiting order: by lower bound, then height, then node number. The
/// optimum is the first accepted node of minimal value in this order.
fn candidate_order(lat: &Lattice, bounds: &[f64]) -> Vec<usize> {
    let heights: Vec<usize> = (0..lat.size()).map(|i| lat.height_of(i)).collect();
    let mut order: Vec<usize> = (0..lat.size()).collect();
    let key = |i: usize| {
        let b = bounds.get(i).copied().unwrap_or(0.0);
        (b, heights.get(i).copied().unwrap_or(0))
    };
    order.sort_by(|&a, &b| {
        let (ka, kb) = (key(a), key(b));
        ka.0.total_cmp(&kb.0).then(ka.1.cmp(&kb.1)).then(a.cmp(&b))
    });
    order
}

fn bounds(lat: &Lattice, scorer: &Scorer, measure: Measure) -> Vec<f64> {
    (0..lat.size())
        .map(|i| scorer.lower_bound(measure, &lat.levels(i)))
        .collect()
}

/// Evaluates every node (in parallel); for tests and small lattices.
pub fn exhaustive(
    p: &Problem,
    policy: &Policy,
    measure: Measure,
) -> Result<(Option<SearchResult>, Vec<NodeEval>)> {
    let start = Instant::now();
    let lat = lattice_for(p)?;
    let scorer = Scorer::new(p);
    let evals: Vec<NodeEval> = (0..lat.size())
        .into_par_iter()
        .map(|i| evaluate(p, policy, &scorer, measure, &lat.levels(i)))
        .collect();
    let order = candidate_order(&lat, &bounds(&lat, &scorer, measure));
    let best = order
        .iter()
        .filter_map(|&i| evals.get(i).filter(|e| e.anonymous).map(|e| (i, *e)))
        .fold(None::<(usize, NodeEval)>, |best, (i, e)| match best {
            Some((_, b)) if b.value <= e.value => best,
            _ => Some((i, e)),
        });
    let result = best.map(|(i, e)| SearchResult {
        levels: lat.levels(i),
        value: e.value,
        suppressed: e.suppressed,
        checked: lat.size() as u64,
        nodes: lat.size() as u64,
        millis: start.elapsed().as_secs_f64() * 1e3,
    });
    Ok((result, evals))
}

/// Finds the accepted transformation of least `measure`.
pub fn search(p: &Problem, policy: &Policy, measure: Measure) -> Result<SearchResult> {
    let start = Instant::now();
    let lat = lattice_for(p)?;
    let scorer = Scorer::new(p);
    let bounds = bounds(&lat, &scorer, measure);
    let mut s = State::new(p, policy, &scorer, measure, &lat);
    let (best, eval) =
        s.run(&candidate_order(&lat, &bounds), &bounds)
            .ok_or(AnonError::NoSolution {
                checked: s.checked,
                nodes: lat.size() as u64,
            })?;
    Ok(SearchResult {
        levels: lat.levels(best),
        value: eval.value,
        suppressed: eval.suppressed,
        checked: s.checked,
        nodes: lat.size() as u64,
        millis: start.elapsed().as_secs_f64() * 1e3,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Unknown,
    Accepted,
    Rejected,
}

struct State<'a> {
    p: &'a Problem,
    policy: &'a Policy,
    scorer: &'a Scorer,
    measure: Measure,
    lat: &'a Lattice,
    tags: Vec<Tag>,
    dominated: Vec<bool>,
    cache: HashMap<usize, NodeEval>,
    snapshots: Vec<(Vec<usize>, Classes)>,
    snapshot_cap: usize,
    checked: u64,
}

impl<'a> State<'a> {
    fn new(
        p: &'a Problem,
        policy: &'a Policy,
        scorer: &'a Scorer,
        measure: Measure,
        lat: &'a Lattice,
    ) -> Self {
        Self {
            p,
            policy,
            scorer,
            measure,
            lat,
            tags: vec![Tag::Unknown; lat.size()],
            dominated: vec![false; lat.size()],
            cache: HashMap::new(),
            snapshots: Vec::new(),
            snapshot_cap: (SNAPSHOT_BYTES / (4 * p.n_distinct().max(1)))
                .clamp(SNAPSHOTS_MIN, SNAPSHOTS_MAX),
            checked: 0,
        }
    }

    fn run(&mut self, order: &[usize], bounds: &[f64]) -> Option<(usize, NodeEval)> {
        let mut best: Option<(usize, NodeEval)> = None;
        for (pos, &c) in order.iter().enumerate() {
            let lb = bounds.get(c).copied().unwrap_or(0.0);
            if best.is_some_and(|(_, b)| lb >= b.value) {
                break;
            }
            if self.dominated.get(c).copied().unwrap_or(false) || !self.accepted(c) {
                continue;
            }
            let eval = self.value_of(
                c,
                lb,
                order.get(pos..).unwrap_or(&[]),
                bounds,
                best.map(|b| b.1.value),
            );
            if !eval.anonymous {
                continue;
            }
            if best.is_none_or(|(_, b)| eval.value < b.value) {
                best = Some((c, eval));
            }
            if self.policy.max_outliers() == 0 {
                self.spread(c, Tag::Accepted, true);
            }
        }
        best
    }

    /// Whether node `c` is accepted, resolving its tag if needed.
    fn accepted(&mut self, c: usize) -> bool {
        if !self.policy.monotone() {
            return true; // unknown until checked; value_of checks it
        }
        if self.tag(c) == Tag::Unknown {
            self.resolve(c);
        }
        self.tag(c) == Tag::Accepted
    }

    fn tag(&self, i: usize) -> Tag {
        self.tags.get(i).copied().unwrap_or(Tag::Unknown)
    }

    /// Binary search for the lowest accepted node on a chain from `c` to the top.
    fn resolve(&mut self, c: usize) {
        let chain = self.lat.chain_to_top(c);
        let (mut lo, mut hi) = (0, chain.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            let node = chain.get(mid).copied().unwrap_or(c);
            if self.tag(node) == Tag::Unknown {
                self.check(node);
            }
            if self.tag(node) == Tag::Accepted {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
    }

    /// The evaluation of accepted-or-unknown node `c`. Without suppression
    /// an accepted node's value equals its bound for the bound-exact
    /// measures, so no check is needed. Otherwise upcoming candidates that
    /// need a check anyway are checked together, in parallel.
    fn value_of(
        &mut self,
        c: usize,
        lb: f64,
        upcoming: &[usize],
        bounds: &[f64],
        best: Option<f64>,
    ) -> NodeEval {
        if let Some(e) = self.cache.get(&c) {
            return *e;
        }
        if self.policy.max_outliers() == 0
            && self.tag(c) == Tag::Accepted
            && bound_is_exact(self.measure)
        {
            return NodeEval {
                anonymous: true,
                suppressed: 0,
                value: lb,
            };
        }
        let batch = self.batch(upcoming, bounds, best);
        self.check_all(&batch);
        self.cache.get(&c).copied().unwrap_or(NodeEval {
            anonymous: false,
            suppressed: 0,
            value: f64::INFINITY,
        })
    }

    /// Up to one node per thread, starting with the current candidate.
    fn batch(&self, upcoming: &[usize], bounds: &[f64], best: Option<f64>) -> Vec<usize> {
        let width = rayon::current_num_threads().max(1);
        let worth = |i: &usize| {
            let lb = bounds.get(*i).copied().unwrap_or(0.0);
            best.is_none_or(|b| lb < b)
                && !self.dominated.get(*i).copied().unwrap_or(false)
                && !self.cache.contains_key(i)
                && self.tag(*i) != Tag::Rejected
                && (self.tag(*i) == Tag::Accepted || !self.policy.monotone())
        };
        // Look a bounded distance ahead: speculation far down the order
        // rarely pays, and scanning it for every candidate would be quadratic.
        upcoming
            .iter()
            .take(LOOKAHEAD)
            .copied()
            .filter(worth)
            .take(width)
            .collect()
    }

    fn check(&mut self, i: usize) {
        self.check_all(&[i]);
    }

    /// The snapshot with fewest classes among those below `levels`, if it
    /// is clearly coarser than the distinct rows.
    fn finer_snapshot(&self, levels: &[usize]) -> Option<&Classes> {
        self.snapshots
            .iter()
            .filter(|(l, _)| l.iter().zip(levels).all(|(a, b)| a <= b))
            .map(|(_, c)| c)
            .min_by_key(|c| c.len())
            .filter(|c| c.len() * 4 < self.p.n_distinct() * 3)
    }

    fn check_all(&mut self, nodes: &[usize]) {
        let this = &*self;
        let evals: Vec<(usize, NodeEval, Classes)> = nodes
            .par_iter()
            .map(|&i| {
                let levels = this.lat.levels(i);
                let finer = this.finer_snapshot(&levels);
                let (e, c) = evaluate_from(
                    this.p,
                    this.policy,
                    this.scorer,
                    this.measure,
                    &levels,
                    finer,
                );
                (i, e, c)
            })
            .collect();
        for (i, e, classes) in evals {
            self.checked += 1;
            self.cache.insert(i, e);
            if self.snapshots.len() >= self.snapshot_cap {
                self.snapshots.remove(0);
            }
            self.snapshots.push((self.lat.levels(i), classes));
            if self.policy.monotone() {
                let tag = if e.anonymous {
                    Tag::Accepted
                } else {
                    Tag::Rejected
                };
                self.spread(i, tag, false);
            }
        }
    }

    /// Tags `i` and its successors (accepted) or predecessors (rejected);
    /// with `dominate`, marks the strict successors as unable to win.
    fn spread(&mut self, i: usize, tag: Tag, dominate: bool) {
        let mut stack = vec![i];
        while let Some(x) = stack.pop() {
            if dominate {
                if x != i && self.dominated.get(x).copied().unwrap_or(true) {
                    continue;
                }
                if let Some(d) = self.dominated.get_mut(x).filter(|_| x != i) {
                    *d = true;
                }
                stack.extend(self.lat.successors(x));
                continue;
            }
            if self.tag(x) == tag && x != i {
                continue;
            }
            if let Some(t) = self.tags.get_mut(x) {
                *t = tag;
            }
            match tag {
                Tag::Accepted => stack.extend(
                    self.lat
                        .successors(x)
                        .filter(|&s| self.tags.get(s) != Some(&tag)),
                ),
                _ => stack.extend(
                    self.lat
                        .predecessors(x)
                        .filter(|&s| self.tags.get(s) != Some(&tag)),
                ),
            }
        }
    }
}

/// Measures whose value equals the lower bound when nothing is suppressed.
fn bound_is_exact(m: Measure) -> bool {
    matches!(
        m,
        Measure::Loss | Measure::NonUniformEntropy | Measure::Precision
    )
}
