//! Linear regression and Pearson correlation computed on the shares of a
//! cross block's pooled sums: only the values the analysis reports are
//! ever opened, never `n`'s companions (the sums, cross-products, means or
//! variances).
//!
//! # Input
//! One party's shares, in the plan's ring (Z_2^64 or Z_2^128), of a cross
//! block laid out as `stats.rs`'s `Cross`: element 0 `n`, then `S_i =
//! sum(t_i)` for the `m` terms, then the upper triangle of `S_ij =
//! sum(t_i t_j)`, exact integers in each term's units. Public: `n`
//! (released separately) and each term's declared bounds
//! ([`LinearShape`], [`TermBounds`]; `[0, 1]` for an indicator). The
//! caller guarantees the data lie within the bounds; [`LinearShape`]
//! checks `n s_max^2 < 2^(k-2)` for the ring (`s` the bounds' half-width).
//!
//! # Algorithm (semi-honest; the message pattern depends only on `n`, `m`
//! and the bounds)
//! 1. Exact centring and scaling (`moments`): with the bounds' integer
//!    midpoint `c_i` and half-width `s_i`, the sums of `t_i - c_i` and of
//!    their products are formed locally and exactly, lifted to Z_2^128 and
//!    divided by the public `n s_i` (`n s_i s_j`) onto a grid of 2^-62:
//!    means and second moments of `u_i = (t_i - c_i) / s_i` in [-1, 1],
//!    then the covariances `V_ij` (one product round).
//! 2. Secret normalisation (`normalize`): the variances are compared with
//!    `4^-j`, `j = 1..=`[`SCALE_BITS`], giving each term a secret `T_i =
//!    2^k_i` with `T_i^2 V_ii` in `[1/4, 1)`; `y_i = (T_i^2 V_ii)^-1/2` by
//!    Newton's iteration; the correlations are `r_ij = V_ij T_i T_j y_i
//!    y_j`. A term whose variance is below `4^-SCALE_BITS` (standard
//!    deviation below `2^-24` of its half-width, constants included) is
//!    flagged constant: its row of `r` is 0. A term whose variance lies
//!    in `[4^-SCALE_BITS, 4^-`[`PRECISION_BITS`]`)` (standard deviation
//!    between `2^-24` and `2^-20`, about 6e-8 and 9.5e-7, of its
//!    half-width) is flagged narrow: the moments' grid leaves too few
//!    digits of its variance for [`ACCURACY`] (the comparison with
//!    `4^-PRECISION_BITS` is one of the above, no extra cost).
//! 3. Correlation ([`correlation_shares`]): the upper triangle of `r`,
//!    `UNDEFINED` (4) where a term is constant.
//! 4. Regression ([`regression_shares`], the outcome the last term, `k =
//!    m - 1` predictors, `p = m` coefficients): `(R_xx + 2^-30 I)^-1` by
//!    [`schulz_steps`] Newton-Schulz steps from `I / (k + 1)`, each scaled
//!    by a public factor so that small eigenvalues grow fourfold per step
//!    (Pan and Schreiber's acceleration), the ridge
//!    taken out by four Neumann products (logistic's `unridge`), the
//!    standardised slopes `b = R_xx^-1 r_xy` and `R^2 = r_xy' b`. The
//!    design is singular when some variance inflation factor (diagonal of
//!    `R_xx^-1`) exceeds `2^`[`VIF_LIMIT_BITS`]: a constant predictor (an
//!    empty level, a zero row of `r`) has one near `5 2^30`, exact
//!    collinearity one near `2^30 / k`. The slopes and variances are
//!    scaled back by `y_i`, `sqrt(W_y)` and the exact ratio `T_i / T_y` (an
//!    integer `max(T_i / T_y, 1)` applied last and a fixed-point
//!    `min(T_i / T_y, 1)` applied first: k more comparisons), so that the
//!    outcome's spread enters only through exact powers of two and values
//!    near 1; the values opened are public bijections of the coefficients
//!    in bound-standardised units. The design is refused as narrow when
//!    some term (predictor or outcome) is flagged narrow: one more
//!    comparison, on the count of narrow terms, batched with the singular
//!    flag's.
//!
//! 5. Robust standard errors (HC1, on request: [`LocalMeat`],
//!    [`robust_shares`], [`decode_robust`]), a second pass once the fit is
//!    released: each side forms its part of the meat `sum e_i^2 z_i z_i'`
//!    from its own records at the public coefficients, centred at its own
//!    mean; the parts enter as additive shares without a message, are
//!    centred at the pooled mean and scaled into the correlation scale on
//!    shares, and the sandwich `R_xx^-1 M R_xx^-1` is formed with the
//!    solver's inverse (recomputed). Only the `p` robust variances open.
//!    Algebra, ranges, accuracy, what it reveals and cost: `sandwich.rs`.
//!
//! # What each party learns
//! Besides the public inputs, exactly the opened values:
//! - correlation: `m (m + 1) / 2` values, the upper triangle of the
//!   reported matrix (each `r_ij`, or "undefined" where a term is constant;
//!   the diagonal says which terms are constant, as the report does);
//! - regression: `2p + 4` values: the singular flag; the narrow-spread
//!   flag, which says only whether some term (which one is not opened)
//!   has a standard deviation below `2^-20` of its declared half-width
//!   without being below `2^-24` (constant); then (all 0 when either flag
//!   is 1) the `p` coefficients, their `p` variances (standard errors are
//!   their square roots), R^2 ("undefined" when the outcome is
//!   constant) and the residual sum of squares over `n s_y^2` (the
//!   residual standard error `sigma = sqrt(RSS / (n - p))`, R's
//!   `sigma`), each through a public bijection (the bounds' `c_i`, `s_i`,
//!   `n`, `n - p`). The residual degrees of freedom `n - p` are public.
//! - robust standard errors (on request, a second pass): `p + 2` values,
//!   the two flags again (0: the fit was released) and the `p` HC0
//!   robust variances in the units of the ordinary ones; what they add
//!   for a reader is in `sandwich.rs`.
//!
//! What the residual standard error adds: the variances are `sigma^2`
//! times the diagonal of `(X'X)^-1`, and R^2 gives `sigma` relative to the
//! outcome's spread; without `sigma` those fix only ratios. With it, a
//! reader learns the outcome's variance `(n - p) sigma^2 / ((1 - R^2) n)`
//! and the diagonal of `(X'X)^-1` (for one numeric predictor: its variance
//! and, up to sign, its mean, hence the outcome's mean through the
//! intercept). These are aggregates over the model's whole cell, which
//! passed the same rules as the rest of the regression (every category
//! level at least `min_cell`, each side's part 0 or at least
//! `min_cell_per_party`, dominance on the outcome overall and per level);
//! a category indicator's mean is its level's count, released anyway.
//! Like every pooled value it can be differenced with a side's own data
//! (that side then learns the other side's part of those aggregates): the
//! two-party limit the release gate's design states. A suppressed or
//! withheld regression opens none of it.
//!
//! Nothing else is opened: not the sums, means, variances, `T_i`, nor any
//! flag but the ones above. Every other message is a masked value or share.
//!
//! # Ranges (why nothing overflows)
//! - Plan ring: `|sum(t_i - c_i)| <= n s_i`, `|sum((t_i - c_i)(t_j - c_j))|
//!   <= n s_i s_j < 2^(k-2)` (checked), so lifting (Z_2^64, below 2^62) and
//!   truncation (below 2^126) apply; wraps of intermediate terms cancel.
//! - Moments: operands below 2^64 times public factors below 2^124 / 2^63
//!   make products below 2^125; means, moments and covariances lie in
//!   `[-1 - 2^-59, 1 + 2^-59]`, their products below 2^124 at 62 bits.
//! - Normalisation: `|V_ij| T_i T_j <= (T_i^2 V_ii T_j^2 V_jj)^1/2 < 1`,
//!   `T_i <= 2^24`, `W` in `[1/4, 1]`, `y` in `[1, 2]`.
//! - Inverse: `R_xx` has unit diagonal, eigenvalues in `[0, k]`; the ridge
//!   bounds the inverse by `2^30` (`5 2^30` after the correction), so the
//!   products of Newton-Schulz stay below `k 2^(4 + 30 + 80) < 2^118`.
//! - Release: for a non-singular design (every VIF below 2^16, so
//!   `lambda_min(R_xx) >= 2^-20` and `|b_i| <= 2^10`) the slopes are below
//!   `2^35` and the intercept's terms below `2^116` before truncation
//!   (`mean(t_i) / s_i` is taken in units of `2^l` so that it is at most
//!   32, [`LinearShape`] refusing an origin more than 2^25 half-widths
//!   from the bounds). A singular design's values may wrap; they are
//!   multiplied by 0 before opening.
//!
//! # Accuracy
//! See [`ACCURACY`] (1e-6). Regressions with a narrow term are refused
//! ([`LinearError::NarrowSpread`]); correlations are not guarded, so an
//! entry of a term spread between 6e-8 and 1e-6 of its half-width may
//! miss it (about `2^-59 / V_ii`). Sources: the moments' grid (2^-59 absolute on
//! a covariance of the `u_i`, so relatively `2^-59 / V_ii` on a term's
//! variance: a term spread over a small part of its declared range loses
//! digits), the 2^-40 grid of the matrix work, amplified by the condition
//! of `R_xx` (up to `k 2^16`), and `1 - R^2`, known to about 2^-36
//! absolutely, which scales every variance (a near-perfect fit has
//! standard errors known only to about `2^-18 sd_y`). Measured by the
//! `linear` test binary against plaintext f64 from the records: about
//! 1e-12 on typical data (numeric and category predictors, n from 10^3
//! to 10^5 near the bounds, negative values, both rings, 16 predictors, a
//! VIF of 500), up to 1e-10 for p + 2 records or a term spread over 2e-4
//! of its half-width, 3.4e-8 for terms spread over 1.2e-6 of it.
//!
//! # Cost
//! All in Z_2^128. The residual standard error adds 3 triples and no
//! round. Comparisons: `m SCALE_BITS` (64-bit) for the scales,
//! `k` (32-bit) for the ratios and `k + 2` for the two flags (none for
//! correlation's last three). Beaver triples: `k^3 + k^2 + (k^2 + k)(k +
//! 1) / 2` per Newton-Schulz step ([`schulz_steps`]: 16 for k = 4 or 5,
//! 18 for k = 16; the unscaled iteration took 28, 29 and 32), plus
//! `(k^2 + k)(k + 1) / 2` per Neumann product (four), plus `O(m^2)`.
//!
//! Measured for a regression with p = 6 (k = 5, n = 10^4, the plan ring
//! Z_2^64), both parties on one thread in memory, the test dealer
//! generating on demand, input sharing of the cross block included:
//! 3,888 Z_2^128 triples and 613 bit-OLE pairs (truncations and lifts),
//! 156 comparisons (156 daBits, 22 AND-triple words, 56 AND pairs, 1,236
//! leaf OTs), 194 messages and 142 kB sent per party. Before bit-OLE
//! pairs and leaf OTs: 5,016 triples, 198 messages, 176 kB; before the
//! scaled iteration and the upper-triangle Neumann products: 8,376
//! triples, 250 messages. Command: `cargo test --release -p duet-stats
//! --test stats linear::cost -- --nocapture`.

mod correlation;
mod fixed;
mod inverse;
mod meat;
mod moments;
mod normalize;
mod regression;
mod release;
mod sandwich;
mod shape;

pub use correlation::{correlation_shares, decode_correlation};
pub use inverse::schulz_steps;
pub use meat::{LocalMeat, MAX_ROBUST_BITS};
pub use regression::{decode_regression, regression_shares, VIF_LIMIT_BITS};
pub use sandwich::{decode_robust, robust_shares};
pub use shape::{LinearShape, TermBounds};

use duet_core::{EngineError, LengthMismatch};

use super::logistic::LogisticError;

/// Comparisons per term in the normalisation: a variance below
/// `4^-SCALE_BITS` of the squared half-width counts as constant.
pub const SCALE_BITS: u32 = 24;

/// The narrowest spread [`ACCURACY`] holds for: a term whose standard
/// deviation is below `2^-PRECISION_BITS` (about 9.5e-7) of its
/// half-width, but not constant, makes a regression refuse
/// ([`LinearError::NarrowSpread`]) rather than release a value that may
/// be off.
pub const PRECISION_BITS: u32 = 20;

/// The most predictors of a regression (the inverse's ranges assume it).
pub const MAX_PREDICTORS: usize = 16;

/// The most terms of a correlation.
pub const MAX_CORRELATION_TERMS: usize = 64;

/// The stated accuracy, checked by the `linear` test binary against a
/// plaintext f64 computation from the records: correlations within this
/// absolute error; regression coefficients and standard errors within
/// this error relative to `1 + |value|` on the bound-standardised scale
/// (a slope in units of `s_y / s_i`, the intercept in units of `s_y`),
/// R^2 within it absolutely, for designs whose variance inflation factors
/// are below 10^3, whose terms' standard deviations are at least
/// `2^-PRECISION_BITS` (about 9.5e-7) of their half-widths (a regression
/// with a term below that, not constant, is refused), and whose fit is not near-perfect (`1 - R^2` above
/// 10^-4).
pub const ACCURACY: f64 = 1e-6;

/// Why a linear analysis could not run or its result could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinearError {
    /// Fewer terms than the analysis needs.
    #[error("{found} terms; at least {min} needed")]
    TooFewTerms {
        /// Terms given.
        found: usize,
        /// The minimum.
        min: usize,
    },
    /// More terms than the analysis allows.
    #[error("{found} terms exceed the maximum of {max}")]
    TooManyTerms {
        /// Terms given.
        found: usize,
        /// The maximum.
        max: usize,
    },
    /// A term's bounds with `min > max`.
    #[error("term {term}: bounds [{min}, {max}] are empty")]
    BadBounds {
        /// The term.
        term: usize,
        /// Declared minimum.
        min: i64,
        /// Declared maximum.
        max: i64,
    },
    /// `n = 0`.
    #[error("no records")]
    NoRecords,
    /// Not more records than coefficients: no residual degrees of freedom.
    #[error("{n} records for {p} coefficients leave no residual degrees of freedom")]
    TooFewRecords {
        /// Records.
        n: u64,
        /// Coefficients.
        p: usize,
    },
    /// `n s^2` does not fit the plan's ring below 2^(k-2).
    #[error("n times the squared half-width of a term exceeds the range of Z_2^{ring_bits}")]
    OutOfRange {
        /// The ring's bits.
        ring_bits: u32,
    },
    /// A term's bounds lie too far from 0 for the intercept's fixed point.
    #[error("a term's bounds lie more than 2^{max_bits} half-widths from 0")]
    InterceptRange {
        /// The limit, in bits.
        max_bits: u32,
    },
    /// The cross block has the wrong number of elements.
    #[error("cross block of {found} elements, expected {expected}")]
    CrossLength {
        /// `1 + m + m (m + 1) / 2`.
        expected: usize,
        /// Given.
        found: usize,
    },
    /// The opened vector has the wrong number of values.
    #[error("{found} opened values, expected {expected}")]
    OpenedLength {
        /// What the analysis opens.
        expected: usize,
        /// Given.
        found: usize,
    },
    /// The opened singular flag is neither 0 nor 1.
    #[error("the opened singular flag is {value}, not 0 or 1")]
    BadFlag {
        /// The flag as opened.
        value: i128,
    },
    /// The design is singular: a predictor is constant or (nearly)
    /// collinear with the others (a variance inflation factor above
    /// `2^VIF_LIMIT_BITS`). Nothing else was learned.
    #[error("singular design: a predictor is constant or collinear")]
    SingularDesign,
    /// Some term of a regression (a predictor or the outcome) is spread
    /// over less than `2^-PRECISION_BITS` (about 1e-6) of its declared
    /// half-width without being constant: the values could not be
    /// computed within [`ACCURACY`], so none was opened. Nothing else was
    /// learned (not which term).
    #[error(
        "a term's values spread over less than a millionth of its declared range: \
         declare tighter bounds (min, max) for the regression's columns"
    )]
    NarrowSpread,
    /// A robust fit's records do not fit the shape: more rows than `n`, or
    /// a row without one value per term.
    #[error("{rows} records for a model of {n}, or a row of the wrong width")]
    RecordCount {
        /// Rows given.
        rows: u64,
        /// The model's `n`.
        n: u64,
    },
    /// Robust standard errors were not computed: `n` reaches
    /// `2^MAX_ROBUST_BITS`, or `n - p` times an opened variance reaches
    /// the robust values' fixed-point range (decided on public values).
    #[error(
        "the model's size or its standard errors exceed the fixed-point range of the \
         robust computation"
    )]
    RobustRange,
    /// Shares of mismatched lengths (an internal layout error).
    #[error("share vectors of different lengths")]
    Layout {
        /// The lengths.
        #[source]
        source: LengthMismatch,
    },
    /// The matrix routines failed (shared with logistic regression).
    #[error(transparent)]
    Matrix(#[from] LogisticError),
    /// The engine failed (link, preprocessing, peer message).
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// A least-squares fit, intercept first, in the terms' units.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearFit {
    /// Coefficients: outcome units per predictor unit, the intercept in
    /// outcome units.
    pub coefficients: Vec<f64>,
    /// Their standard errors.
    pub std_errors: Vec<f64>,
    /// R^2, `None` when the outcome is constant.
    pub r_squared: Option<f64>,
    /// `n - p`.
    pub residual_df: u64,
    /// The residual standard error `sqrt(RSS / (n - p))` in the
    /// outcome's units (0 for a constant outcome).
    pub residual_std_error: f64,
}

/// A Pearson correlation matrix, `None` where a term is constant.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationMatrix {
    /// `m x m`, symmetric.
    pub matrix: Vec<Vec<Option<f64>>>,
}
