//! Seeded synthetic data sets: numeric and 0/1 predictors within declared
//! bounds, an outcome from a known logistic model, and padded rows.

use duet_core::{FixedPoint, Z64};
use duet_stats::secure::logistic::{logistic, Standardization};
use rand::{Rng, SeedableRng};

/// One predictor's kind and declared bounds.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Uniform on a sub-range of [min, max].
    Numeric { min: f64, max: f64 },
    /// 0 or 1 with this prevalence.
    Binary(f64),
    /// Uniform on [lo, hi], a narrow band of the declared [min, max].
    Band {
        min: f64,
        max: f64,
        lo: f64,
        hi: f64,
    },
}

impl Kind {
    fn bounds(self) -> (f64, f64) {
        match self {
            Kind::Numeric { min, max } | Kind::Band { min, max, .. } => (min, max),
            Kind::Binary(_) => (0.0, 1.0),
        }
    }
}

/// A data set with its padding: rows where `used` is false are all zero.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub kinds: Vec<Kind>,
    /// Raw predictor values, row-major (p - 1 per row).
    pub x: Vec<Vec<f64>>,
    pub y: Vec<f64>,
    pub used: Vec<bool>,
}

impl Dataset {
    /// `n` rows of which a fraction `pad` are padding, outcome drawn with
    /// standardised coefficients `beta_std` (intercept first).
    pub fn generate(seed: u64, n: usize, kinds: &[Kind], beta_std: &[f64], pad: f64) -> Self {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut d = Dataset {
            kinds: kinds.to_vec(),
            x: Vec::new(),
            y: Vec::new(),
            used: Vec::new(),
        };
        for _ in 0..n {
            if rng.gen::<f64>() < pad {
                d.x.push(vec![0.0; kinds.len()]);
                d.y.push(0.0);
                d.used.push(false);
                continue;
            }
            let row: Vec<f64> = kinds.iter().map(|k| draw(&mut rng, *k)).collect();
            let eta = beta_std[0]
                + d.standardize(&row)
                    .iter()
                    .zip(&beta_std[1..])
                    .map(|(x, b)| x * b)
                    .sum::<f64>();
            d.y.push(f64::from(u8::from(rng.gen::<f64>() < logistic(eta))));
            d.x.push(row);
            d.used.push(true);
        }
        d
    }

    pub fn standardization(&self) -> Vec<Standardization> {
        self.kinds
            .iter()
            .map(|k| {
                let (lo, hi) = k.bounds();
                Standardization::from_bounds(lo, hi)
            })
            .collect()
    }

    /// Standardised predictors of one raw row.
    pub fn standardize(&self, row: &[f64]) -> Vec<f64> {
        row.iter()
            .zip(self.standardization())
            .map(|(x, s)| (x - s.center) / s.scale)
            .collect()
    }

    /// Design columns (mask first) in fixed point.
    pub fn encoded_columns(&self, f: u32) -> Vec<Vec<Z64>> {
        let fp = FixedPoint::new(f).unwrap();
        let enc = |v: f64| fp.encode_f64::<Z64>(v).unwrap();
        let mut cols = vec![self
            .used
            .iter()
            .map(|&u| enc(f64::from(u8::from(u))))
            .collect()];
        for j in 0..self.kinds.len() {
            cols.push(self.x.iter().map(|r| enc(r[j])).collect());
        }
        cols
    }

    pub fn encoded_y(&self, f: u32) -> Vec<Z64> {
        let fp = FixedPoint::new(f).unwrap();
        self.y
            .iter()
            .map(|&v| fp.encode_f64::<Z64>(v).unwrap())
            .collect()
    }

    /// The used rows, standardised, with a leading 1, and their outcomes.
    pub fn used_rows(&self) -> (Vec<Vec<f64>>, Vec<f64>) {
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for i in 0..self.y.len() {
            if self.used[i] {
                let mut r = vec![1.0];
                r.extend(self.standardize(&self.x[i]));
                xs.push(r);
                ys.push(self.y[i]);
            }
        }
        (xs, ys)
    }
}

fn draw(rng: &mut impl Rng, k: Kind) -> f64 {
    match k {
        Kind::Numeric { min, max } => {
            // Data in the middle 80% of the declared range, on a 1/64 grid
            // (exact in fixed point, like decimal data with few places).
            let w = max - min;
            let v = min + w * (0.1 + 0.8 * rng.gen::<f64>());
            (v * 64.0).round() / 64.0
        }
        Kind::Binary(prev) => f64::from(u8::from(rng.gen::<f64>() < prev)),
        Kind::Band { lo, hi, .. } => ((lo + (hi - lo) * rng.gen::<f64>()) * 64.0).round() / 64.0,
    }
}
