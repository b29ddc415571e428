//! The per-record part of a Newton step, in Z_2^64 with `f` fractional
//! bits: standardisation, the linear predictor, the fitted probabilities,
//! and the sums that make the gradient and the Hessian.

use duet_core::{Channel, Engine, Needs, Preprocessing, Ring, Shared, Z64};

use super::sigmoid::{encode, length, sigmoid_counted};
use super::{LogisticError, Standardization};

/// Shares of `v` repeated `times` times.
pub(crate) fn repeat(v: &Shared<Z64>, times: usize) -> Shared<Z64> {
    Shared::concat(&vec![v; times])
}

/// Shares of element `i` of `v` repeated `n` times (each party repeats its
/// own share, which shares the repeated value).
fn broadcast(v: &Shared<Z64>, i: usize, n: usize) -> Shared<Z64> {
    let s = v.shares().get(i).copied().unwrap_or(Z64::ZERO);
    Shared::from_shares(vec![s; n])
}

/// Shares of the sums of `blocks` consecutive blocks of `len` elements.
pub(crate) fn block_sums<R: Ring>(v: &Shared<R>, blocks: usize, len: usize) -> Shared<R> {
    let s = v.shares();
    let sums = (0..blocks)
        .map(|b| {
            let part = s.get(b * len..(b + 1) * len).unwrap_or(&[]);
            part.iter().fold(R::ZERO, |acc, &x| acc + x)
        })
        .collect();
    Shared::from_shares(sums)
}

/// Records per batch of the per-record work, by default
/// ([`super::LogisticOptions::batch`]). Every per-record step is either
/// elementwise or summed over records, so working batch by batch, with
/// the preprocessing topped up before each batch, computes the same
/// values while the shares and material in flight stay bounded (about
/// 37 KB per record for a whole fit at once, measured at 5,000 records).
pub(crate) const BATCH: usize = 8192;

/// `engine.trunc` of `v`, `batch` elements at a time, each topped up first.
async fn trunc_batched<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    v: &Shared<Z64>,
    bits: u32,
    batch: usize,
) -> Result<Shared<Z64>, LogisticError> {
    let mut out = Vec::with_capacity(v.len());
    for start in (0..v.len()).step_by(batch.max(1)) {
        let part = v
            .slice(start..(start + batch).min(v.len()))
            .ok_or(LogisticError::NoColumns)?;
        engine.top_up::<Z64>(Needs::for_trunc(part.len())).await?;
        out.extend_from_slice(engine.trunc(&part, bits).await?.shares());
    }
    Ok(Shared::from_shares(out))
}

/// `engine.mul_fixed` of `a` and `b`, `batch` elements at a time, each
/// topped up first.
async fn mul_fixed_batched<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    (a, b): (&Shared<Z64>, &Shared<Z64>),
    frac_bits: u32,
    batch: usize,
) -> Result<Shared<Z64>, LogisticError> {
    let mut out = Vec::with_capacity(a.len());
    for start in (0..a.len()).step_by(batch.max(1)) {
        let range = start..(start + batch).min(a.len());
        let (x, y) = (a.slice(range.clone()), b.slice(range));
        let (Some(x), Some(y)) = (x, y) else {
            return Err(LogisticError::NoColumns);
        };
        engine.top_up::<Z64>(Needs::for_mul_fixed(x.len())).await?;
        out.extend_from_slice(engine.mul_fixed(&x, &y, frac_bits).await?.shares());
    }
    Ok(Shared::from_shares(out))
}

/// Rows `range` of `columns` column-major columns of `n` rows each.
fn rows(v: &Shared<Z64>, columns: usize, n: usize, range: &std::ops::Range<usize>) -> Shared<Z64> {
    let s = v.shares();
    let part = (0..columns)
        .flat_map(|j| s.get(j * n + range.start..j * n + range.end).unwrap_or(&[]))
        .copied()
        .collect();
    Shared::from_shares(part)
}

/// Bits of precision of the public constants of a standardisation: the
/// product `x * 2^f * 2^g` then holds `x_std * 2^(f+g)` with `|x_std| <= 1`
/// below 2^60, within truncation's range 2^62.
fn constant_bits(frac_bits: u32) -> u32 {
    60 - frac_bits
}

/// The standardised design: column 0 (the mask) as given, column `j >= 1`
/// as `(x - center_j m) / scale_j`, computed as `x a_j - m b_j` with public
/// integers `a_j ~ 2^g / scale_j`, `b_j ~ 2^g center_j / scale_j`, then
/// truncated by `g` bits. Rows with `m = 0` and `x = 0` stay exactly 0
/// (truncation of a multiple of 2^g is exact).
pub(crate) async fn standardize<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    design: &[Shared<Z64>],
    columns: &[Standardization],
    frac_bits: u32,
    batch: usize,
) -> Result<Vec<Shared<Z64>>, LogisticError> {
    let Some((mask, rest)) = design.split_first() else {
        return Err(LogisticError::NoColumns);
    };
    let g = constant_bits(frac_bits);
    let unit = 2f64.powi(g as i32);
    let mut scaled = Vec::with_capacity(rest.len());
    for (x, st) in rest.iter().zip(columns) {
        let a = Z64::from_i128((unit / st.scale).round() as i128);
        let b = Z64::from_i128((unit * st.center / st.scale).round() as i128);
        let z = x
            .mul_scalar(a)
            .sub(&mask.mul_scalar(b))
            .map_err(length("standardisation"))?;
        scaled.push(z);
    }
    let n = mask.len();
    let all = Shared::concat(&scaled.iter().collect::<Vec<_>>());
    let std = trunc_batched(engine, &all, g, batch).await?;
    let mut out = vec![mask.clone()];
    for j in 0..rest.len() {
        let col = std
            .slice(j * n..(j + 1) * n)
            .ok_or(LogisticError::NoColumns)?;
        out.push(col);
    }
    Ok(out)
}

/// Shares of `sum_j x_j beta_j` per record (fixed point).
async fn linear_predictor<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    xs: &Shared<Z64>,
    beta: &Shared<Z64>,
    n: usize,
    frac_bits: u32,
) -> Result<Shared<Z64>, LogisticError> {
    let p = beta.len();
    let reps: Vec<Shared<Z64>> = (0..p).map(|j| broadcast(beta, j, n)).collect();
    let prods = engine
        .mul(xs, &Shared::concat(&reps.iter().collect::<Vec<_>>()))
        .await?;
    let s = prods.shares();
    let eta = (0..n)
        .map(|r| (0..p).fold(Z64::ZERO, |acc, j| acc + s[j * n + r]))
        .collect();
    Ok(engine.trunc(&Shared::from_shares(eta), frac_bits).await?)
}

/// The standardised design and outcome of one fit, column-major.
pub(crate) struct Records {
    /// All `p` columns concatenated (`p n` elements).
    xs: Shared<Z64>,
    /// The products `x_j x_k` for `j <= k` (row-major upper triangle,
    /// `n` each), data only, so computed once per fit.
    pairs: Shared<Z64>,
    /// The outcome, 0 or 1 in fixed point (0 on unused rows).
    y: Shared<Z64>,
    n: usize,
    p: usize,
    frac_bits: u32,
    /// Records per batch.
    batch: usize,
}

impl Records {
    /// Prepares the standardised `design` and `y` of `n` records: the
    /// pairwise products cost `n (p - 1) p / 2` products and truncations,
    /// as the mask column needs none (`m m = m`, `m x_k = x_k`).
    pub(crate) async fn new<C: Channel, P: Preprocessing>(
        engine: &mut Engine<C, P>,
        design: &[Shared<Z64>],
        y: &Shared<Z64>,
        frac_bits: u32,
        batch: usize,
    ) -> Result<Self, LogisticError> {
        let (n, p) = (y.len(), design.len());
        let (mut left, mut right) = (Vec::new(), Vec::new());
        for j in 1..p {
            for k in j..p {
                left.extend([&design[j]]);
                right.extend([&design[k]]);
            }
        }
        let (left, right) = (Shared::concat(&left), Shared::concat(&right));
        let prods = mul_fixed_batched(engine, (&left, &right), frac_bits, batch).await?;
        let mut pairs: Vec<&Shared<Z64>> = design.iter().collect();
        pairs.push(&prods);
        Ok(Records {
            xs: Shared::concat(&design.iter().collect::<Vec<_>>()),
            pairs: Shared::concat(&pairs),
            y: y.clone(),
            n,
            p,
            frac_bits,
            batch,
        })
    }

    /// Shares of `[g_0..g_{p-1}, H_jk for j <= k]` at scale 2^(2f), where
    /// `g = X'(y - prob)` and `H = X' diag(prob (1 - prob)) X` at `beta`,
    /// and of the number of records whose fitted probability is exactly 0
    /// or 1 (`|eta|` at or beyond the sigmoid's last breakpoint; an
    /// all-zero row has `eta = 0` and never counts). Every product has a
    /// design entry as a factor, so all-zero rows add exactly 0 to the
    /// sums whatever their probability.
    ///
    /// Works `batch` records at a time, topping up the preprocessing before
    /// each, and adds the batches' sums.
    pub(crate) async fn curvature<C: Channel, P: Preprocessing>(
        &self,
        engine: &mut Engine<C, P>,
        beta: &Shared<Z64>,
    ) -> Result<(Shared<Z64>, Shared<Z64>), LogisticError> {
        let size = self.batch.max(1);
        let starts: Vec<usize> = (0..self.n.max(1)).step_by(size).collect();
        let mut total: Option<(Shared<Z64>, Shared<Z64>)> = None;
        for start in starts {
            let range = start..(start + size).min(self.n);
            engine
                .top_up::<Z64>(super::options::batch_needs(range.len(), self.p))
                .await?;
            let part = self.rows(&range).curvature_of_all(engine, beta).await?;
            total = Some(match total {
                None => part,
                Some((sums, sat)) => (
                    sums.add(&part.0).map_err(length("gradient"))?,
                    sat.add(&part.1).map_err(length("gradient"))?,
                ),
            });
        }
        total.ok_or(LogisticError::NoRecords)
    }

    /// Records `range` alone.
    fn rows(&self, range: &std::ops::Range<usize>) -> Records {
        let (n, p) = (self.n, self.p);
        Records {
            xs: rows(&self.xs, p, n, range),
            pairs: rows(&self.pairs, p * (p + 1) / 2, n, range),
            y: rows(&self.y, 1, n, range),
            n: range.len(),
            p,
            frac_bits: self.frac_bits,
            batch: self.batch,
        }
    }

    /// Records `at` alone (local: each party picks its own shares).
    pub(crate) fn pick(&self, at: &[usize]) -> Records {
        let (n, p) = (self.n, self.p);
        let select = |v: &Shared<Z64>, columns: usize| {
            let s = v.shares();
            let part = (0..columns)
                .flat_map(|j| at.iter().filter_map(move |&r| s.get(j * n + r)))
                .copied()
                .collect();
            Shared::from_shares(part)
        };
        Records {
            xs: select(&self.xs, p),
            pairs: select(&self.pairs, p * (p + 1) / 2),
            y: select(&self.y, 1),
            n: at.len(),
            p,
            frac_bits: self.frac_bits,
            batch: self.batch,
        }
    }

    /// [`Records::curvature`] of every record at once.
    async fn curvature_of_all<C: Channel, P: Preprocessing>(
        &self,
        engine: &mut Engine<C, P>,
        beta: &Shared<Z64>,
    ) -> Result<(Shared<Z64>, Shared<Z64>), LogisticError> {
        let (n, p, f) = (self.n, self.p, self.frac_bits);
        let eta = linear_predictor(engine, &self.xs, beta, n, f).await?;
        let (prob, saturated) = sigmoid_counted(engine, &eta, f).await?;
        let one = engine.constant(&vec![encode(1.0, f)?; n]);
        let resid = self.y.sub(&prob).map_err(length("gradient"))?;
        let rest = one.sub(&prob).map_err(length("gradient"))?;
        let left = Shared::concat(&[&self.xs, &prob]);
        let right = Shared::concat(&[&repeat(&resid, p), &rest]);
        let prods = engine.mul(&left, &right).await?;
        let grad = block_sums(&prods, p, n);
        let w = prods
            .slice(p * n..(p + 1) * n)
            .ok_or(LogisticError::NoColumns)?;
        let w = engine.trunc(&w, f).await?;
        let tri = p * (p + 1) / 2;
        let hess = engine.mul(&repeat(&w, tri), &self.pairs).await?;
        let sums = Shared::concat(&[&grad, &block_sums(&hess, tri, n)]);
        Ok((sums, saturated))
    }
}
