//! Records of integer terms within declared bounds, and their cross block
//! (the layout of `stats.rs`'s `Cross`).

use duet_stats::secure::linear::{LinearShape, TermBounds};
use rand::{Rng, SeedableRng};

/// Rows of `m` terms in units; the last term is the outcome.
#[derive(Debug, Clone)]
pub struct Records {
    pub bounds: Vec<TermBounds>,
    pub rows: Vec<Vec<i64>>,
}

/// How a predictor is drawn.
#[derive(Debug, Clone, Copy)]
pub enum Gen {
    /// Uniform on [lo, hi] (within the declared bounds).
    Uniform {
        min: i64,
        max: i64,
        lo: i64,
        hi: i64,
    },
    /// Near the bounds: min or max plus or minus up to `jitter`.
    Edges { min: i64, max: i64, jitter: i64 },
    /// A category of `levels` levels (level 0 the reference), one-hot
    /// without it: `levels - 1` indicator terms.
    Category { levels: usize },
    /// Always this value (a constant or empty-level term).
    Constant { min: i64, max: i64, value: i64 },
}

impl Gen {
    fn width(&self) -> usize {
        match self {
            Gen::Category { levels } => levels - 1,
            _ => 1,
        }
    }

    fn bounds(&self) -> Vec<TermBounds> {
        match *self {
            Gen::Uniform { min, max, .. }
            | Gen::Edges { min, max, .. }
            | Gen::Constant { min, max, .. } => vec![TermBounds { min, max }],
            Gen::Category { levels } => vec![TermBounds::INDICATOR; levels - 1],
        }
    }

    fn draw(&self, rng: &mut impl Rng, out: &mut Vec<i64>) {
        match *self {
            Gen::Uniform { lo, hi, .. } => out.push(rng.gen_range(lo..=hi)),
            Gen::Edges { min, max, jitter } => {
                let j = rng.gen_range(0..=jitter);
                out.push(if rng.gen::<bool>() { min + j } else { max - j });
            }
            Gen::Category { levels } => {
                let level = rng.gen_range(0..levels);
                out.extend((1..levels).map(|l| i64::from(l == level)));
            }
            Gen::Constant { value, .. } => out.push(value),
        }
    }
}

/// The outcome: `y = intercept + sum slope_j x_j + noise`, clamped to its
/// bounds and rounded to units.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    pub min: i64,
    pub max: i64,
    pub intercept: f64,
    pub noise: f64,
}

impl Records {
    /// `n` rows from the generators, the outcome from `slopes` (one per
    /// predictor term).
    pub fn generate(seed: u64, n: usize, gens: &[Gen], slopes: &[f64], y: Outcome) -> Self {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut bounds: Vec<TermBounds> = gens.iter().flat_map(Gen::bounds).collect();
        let k: usize = gens.iter().map(Gen::width).sum();
        assert_eq!(k, slopes.len(), "one slope per predictor term");
        bounds.push(TermBounds {
            min: y.min,
            max: y.max,
        });
        let mut rows = Vec::with_capacity(n);
        for _ in 0..n {
            let mut row = Vec::with_capacity(k + 1);
            for g in gens {
                g.draw(&mut rng, &mut row);
            }
            let noise: f64 = (0..12).map(|_| rng.gen::<f64>()).sum::<f64>() - 6.0;
            let mean: f64 = y.intercept
                + row
                    .iter()
                    .zip(slopes)
                    .map(|(&x, b)| x as f64 * b)
                    .sum::<f64>();
            let v = (mean + y.noise * noise).round() as i64;
            row.push(v.clamp(y.min, y.max));
            rows.push(row);
        }
        Records { bounds, rows }
    }

    pub fn terms(&self) -> usize {
        self.bounds.len()
    }

    pub fn n(&self) -> usize {
        self.rows.len()
    }

    pub fn shape(&self) -> LinearShape {
        LinearShape::new(self.n() as u64, self.bounds.clone()).unwrap()
    }

    pub fn cross_len(&self) -> usize {
        let m = self.terms();
        1 + m + m * (m + 1) / 2
    }

    /// The two parties' halves (rows alternate).
    pub fn split(&self) -> (Records, Records) {
        let half = |r: usize| Records {
            bounds: self.bounds.clone(),
            rows: self.rows.iter().skip(r).step_by(2).cloned().collect(),
        };
        (half(0), half(1))
    }

    /// n, the sums, the upper triangle of the sums of products (exact).
    pub fn cross(&self) -> Vec<i128> {
        let m = self.terms();
        let mut v = vec![0i128; self.cross_len()];
        for row in &self.rows {
            v[0] += 1;
            let mut at = 1 + m;
            for i in 0..m {
                v[1 + i] += i128::from(row[i]);
                for j in i..m {
                    v[at] += i128::from(row[i]) * i128::from(row[j]);
                    at += 1;
                }
            }
        }
        v
    }

    /// The half-width of term `i`'s bounds (as the module computes it).
    pub fn half(&self, i: usize) -> f64 {
        let b = self.bounds[i];
        let c = (i128::from(b.min) + i128::from(b.max)).div_euclid(2);
        let s = (i128::from(b.max) - c).max(c - i128::from(b.min)).max(1);
        s as f64
    }
}
