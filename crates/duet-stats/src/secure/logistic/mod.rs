//! Logistic regression fitted on secret shares: only the final
//! coefficients and their standard errors are ever opened.
//!
//! # Input
//! `n` records (public), a design of `p` columns of Z_2^64 fixed-point
//! shares with `f` fractional bits ([`LogisticOptions::frac_bits`], default
//! 20) and the outcome `y` in {0, 1}. Column 0 is the record mask `m` in
//! {0, 1}: it is the intercept, and an unused, padded or unlinked record is
//! an all-zero row (`m = 0`, every `x = 0`, `y = 0`). Each column `j >= 1`
//! has a public [`Standardization`] from the job's declared bounds; the fit
//! runs on `x_std = (x - center m) / scale`, which must lie in [-1, 1]
//! ([`Standardization::from_bounds`] gives exactly that for in-bounds data).
//! Both conditions are the caller's to guarantee (checking them would need
//! comparisons on shares): a row with `m = 0` but some `x != 0` would count
//! in the fit, and `|x_std| > 1` voids the range proofs below.
//!
//! # Algorithm (semi-honest; the control flow depends only on `n`, `p` and
//! the options)
//! Newton-Raphson from `beta = 0` for a fixed [`LogisticOptions::iterations`]
//! (default 10). How 10 was chosen: Newton converges quadratically from 0;
//! the plaintext reference (steps until the update is below 1e-10) needs 5
//! to 7 steps on typical data and 8 to 11 with strong effects
//! (standardised coefficients of 3 to 7). The fit is within [`ACCURACY`]
//! whenever the reference needs at most `iterations` steps (the covariance
//! is that of the last step's starting point, so it lags one step). With 8,
//! 4 of 44 random strong-effect fits erred by up to 1.5e-2; with 10, all
//! are within tolerance, the two needing 11 reference steps by 8e-5 at
//! worst (see the ignored `stress` test). Each step:
//! 1. Z_2^64, per record: `eta = X beta` (Beaver products, one truncation),
//!    `prob = sigmoid(eta)` ([`sigmoid`]: the sign, then one batched
//!    comparison of `|eta|` against 9 breakpoints, piecewise quintic, max
//!    error 1e-6), and the sums
//!    `g = X'(y - prob)`, `H = X' diag(prob (1 - prob)) X` (upper triangle)
//!    at scale 2^(2f), untruncated (`H` from `w = prob (1 - prob)` times
//!    the data-only products `x_j x_k`, computed once per fit). Every
//!    product has a design entry as a factor, so all-zero rows contribute
//!    exactly 0 whatever their `prob`.
//! 2. The `p + p(p+1)/2` sums are lifted to Z_2^128 (40 fractional bits) and
//!    divided by 2^s with `2^s >= n`, so `A = H / 2^s` has eigenvalues at
//!    most `p / 4` (`|x_std| <= 1`, `prob (1 - prob) <= 1/4`); a ridge
//!    `p 2^-18` is added to A's diagonal. It dominates the rounding of A
//!    (whose spectrum could otherwise dip below 0 on near-singular designs
//!    and make Newton-Schulz diverge); the gradient is untouched, so the
//!    fixed point is still the maximum-likelihood estimate, and after the
//!    correction below variances change by a relative
//!    `(p 2^-18 / lambda_min(A))^3` at most.
//! 3. `A^-1` by Newton-Schulz `X <- X (2I - A X)`: first from `(4/p) I`
//!    (eigenvalues of `(4/p) A` in (0, 1]) for
//!    [`LogisticOptions::inverse_first`] steps (default 20, enough down to
//!    `lambda_min(A) ~ 1e-5 p`), later warm-started from the previous
//!    inverse for [`LogisticOptions::inverse_warm`] steps (default 8). The
//!    warm start converges while the new A is less than twice the old one
//!    in every direction; in the usual course A shrinks (the weights fall
//!    from their maximum 1/4 at `beta = 0`), but a step that more than
//!    doubles some weights would make that inverse diverge and the result
//!    wrong, undetected (detecting it would take an opening). The tests'
//!    and stress test's data never did.
//! 4. `beta += A^-1 g / 2^s`, clamped to [-1024, 1024] per coefficient.
//!
//! On more than twice [`LogisticOptions::warm_up`] records (default
//! 32,768), the first steps (at most [`LogisticOptions::warm_up_steps`],
//! default 7, keeping at least [`MIN_FULL_STEPS`] = 3 for the rest) run on
//! a sample of that many records, evenly spaced over all of them
//! ([`warm_up_rows`]: public positions, picked locally from the shares,
//! nothing opened), each with the sample's own `2^s`; the remaining steps
//! run on every record, their inverse started afresh from `(4/p) I`. The
//! sample's estimate lies about `1 / sqrt(sample)` from the full one on
//! the standardised scale, so the full steps start where Newton converges
//! quadratically: the second lands at the fixed-point floor and the third
//! is the small last step the convergence rule checks. A fit of 400,000
//! records thus costs 3.6 full steps' work instead of 10. With padding,
//! the sample holds fewer real records (a fit padded tenfold samples
//! about 3,300), so the start is rougher; a fit the full steps did not
//! finish opens its convergence bit as 0, and more iterations add full
//! steps.
//!
//! Afterwards the ridge is taken out of the inverse by a Neumann series
//! of four products (`A^-1 ~ X (I + M (I + M (I + M (I + M))))` for
//! `X = (A + rI)^-1`, `M = rX`, relative error `(r / lambda_min)^5`), and with the public `T` of the standardisation
//! the parties compute `beta_orig = T beta` and `diag(T (A^-1 / 2^s) T')` on
//! shares and open those `2p` values (in fact `D beta_orig` and `D^2 diag(Cov_orig)`
//! with the public `D = diag(1, scale_1, ..)`, a public bijection of them,
//! for precision). The covariance is the inverse Hessian at the last
//! step's starting point.
//!
//! # What each party learns
//! Both learn `n`, `p`, the options and standardisations (public inputs),
//! and the `2p + 1` opened values: the estimates and the variances in
//! original units (standard errors are their square roots), and the
//! convergence bit (see [`STEP_TOLERANCE`] and "Convergence" below).
//! Nothing else is opened: not `eta`, the probabilities, H, its inverse,
//! the last step, the number of saturated records, nor any intermediate
//! beta. Every other message is a masked value or share, uniform given the
//! inputs.
//!
//! Around the fit, a study opens (`per_record`, `release::models`): before
//! it, one bit per category predictor ([`separated`]: does some level have
//! no events or no non-events); after it, in a pooled study, the residual
//! deviance at the released coefficients. Each side evaluates its own
//! records' log-likelihood in plaintext (the coefficients are public once
//! released), the two parts are added on shares and only the total is
//! opened: with its own part, each side learns the other's part, the
//! deviance of the other side's records at the released coefficients (a
//! sum over at least `min_cell_per_party` records: the two-party limit
//! the release gate's design states). A linked study has no side holding
//! whole records, so it opens no deviance. The null deviance is computed
//! from the released `n` and events and opens nothing.
//!
//! # Convergence
//! The number of Newton steps is fixed (the message pattern must not
//! depend on the data), so convergence is checked after the last step and
//! reported, not used to stop: the last step's Euclidean norm on the
//! standardised scale below [`STEP_TOLERANCE`] (1e-3), and no record's
//! fitted probability exactly 0 or 1 (`|eta| >= 14`, where the secure
//! sigmoid saturates, which is how separation by numeric predictors
//! shows). One comparison, one opened bit; a fit that fails is released
//! and flagged "not converged" with a note suggesting separation.
//!
//! # Ranges (why nothing overflows)
//! - Z_2^64 with `f` bits: products before truncation hold `|v| 2^(2f)`, and
//!   truncation needs `|v| < 2^(62 - 2f)` (2^22 for f = 20). Per-record
//!   products are at most `2^10` (clamped beta, `|x| <= 1`) and `|eta| <= p
//!   2^10`; the sums `g <= n` and `H <= n / 4`, so `n < 2^(61 - 2f)`
//!   ([`LogisticError::TooManyRecords`]). Standardisation multiplies by
//!   public integers `~2^(60-f) / scale`: wraps of the intermediate terms
//!   cancel modulo 2^64; only `|x_std| 2^60 < 2^62` matters.
//! - Z_2^128 with 40 bits: `A <= p/4 + p 2^-18`, `0 < A^-1 <= 2^18 / p`
//!   (ridge; Newton-Schulz from below keeps `X <= A^-1`), so matrix
//!   products stay below `p 2^20 2^80 < 2^126` for `p <= 16`; `|beta| <=
//!   2^10` and the step `|A^-1 g / 2^s| <= 2^18` before clamping.
//! - Truncation (duet-core's `trunc`): result `floor` or `floor + 1` of the
//!   exact quotient, with probability 1 for values in range (no failure
//!   probability), exact when the value is a multiple of the divisor (so
//!   zero rows stay zero).
//!
//! # Degenerate data
//! A constant outcome or separated data has no finite maximum: the fit
//! returns finite estimates that stop growing once the fitted
//! probabilities reach 0 or 1 (or at the clamp 1024 on the standardised
//! scale), with large standard errors bounded through the ridge (at most
//! `sqrt(3 2^18 / (p n))` on the standardised scale). Such a fit opens
//! its convergence bit as 0 (saturated probabilities, or a step that does
//! not shrink). In a study, a constant outcome never reaches the fit (the
//! gate requires events and non-events to pass its thresholds), nor does
//! separation by a category predictor ([`separated`]); separation by a
//! numeric predictor or a combination is what the convergence bit is left
//! to flag. A variance that opens as zero, negative or not finite gives
//! [`LogisticError::DegenerateVariance`].
//!
//! # Accuracy
//! Checked by the `logistic` test binary against a plaintext IRLS fit in
//! f64 run to convergence: coefficients and standard errors within
//! [`ACCURACY`] = 1e-4 absolute on the standardised scale (the intercept in
//! original units), for data the reference fits in at most `iterations`
//! Newton steps. The worst seen over the tests' data sets (n up to 2000, p
//! up to 5, 90% padding, a 3% outcome, data in a tenth of the declared
//! range, odds ratios up to e^3 per half-range, random small sets) is 5e-6
//! for coefficients and 4e-6 for standard errors, and 2.6e-5 / 6.5e-6 over
//! 44 random strong-effect sets (1.4e-5 / 1.3e-5 before the sigmoid's
//! comparisons were narrowed to 8 fractional bits). With the default
//! warm-up sample, at 100,000 and 400,000 records (half of them padding):
//! 7.1e-7 / 3.5e-9 and 1.2e-6 / 2.9e-9 (the ignored
//! `the_default_warm_up_on_100000_and_400000_records`; the truncations'
//! rounding follows the random material drawn, so builds that draw it
//! differently land elsewhere below 1e-4). Sources: the sigmoid (1e-6),
//! truncation (2^-20 per record product), the ridge after its correction,
//! and the fixed number of Newton steps.
//!
//! # Reproducibility
//! Each truncation rounds up or down by one unit of 2^-f depending on the
//! random shares, so two runs on the same data release slightly different
//! fits: both lie within [`ACCURACY`] of the exact fit, hence within `2
//! ACCURACY` of each other on the standardised scale (in practice they
//! differ near the 7th significant digit, far inside that). A run is
//! reproducible bit for bit only with both parties' randomness fixed, as
//! the tests do. The deviance is computed exactly (f64 per side, 2^-40 on
//! shares) at the released coefficients, so it varies only through them;
//! being at the maximum, where the log-likelihood is flat, it moves by
//! far less than they do (the known-answer test's is 2e-11 from
//! statsmodels', its coefficients up to 1e-6). The null deviance, a function of released counts, and
//! the convergence bit (unless the last step's norm lies within rounding
//! of the tolerance) are the same in every run.
//!
//! # Cost
//! Per fit with `N` Newton steps (default 10), `n` records, `p` columns and
//! `q = p (p + 1) / 2` ([`needs`] gives the exact [`duet_core::Needs`];
//! with a warm-up, read `N n` as `W m + (N - W) n` for `W` steps on `m`
//! sampled records):
//! - Z_2^64: `n (p - 1) p / 2 + N n (2p + 6 + q)` Beaver triples (24 per
//!   record and step at p = 4: 4 for `eta`, 5 for the sigmoid's Horner
//!   products, 15 for the sums, with the data-only products `x_j x_k`
//!   computed once), `10 N n` comparisons (LTZ: the sign and 9
//!   breakpoints) and about `6 N n` bit-OLE pairs (eight truncations at
//!   half a pair each, and the sigmoid's two bit products, `|eta|` and the
//!   reflection); a pair costs about 12 bytes of OT traffic where a triple
//!   costs 1,032 (SoftSpoken k = 4);
//! - Z_2^128: `p^3 + p^2 (p + 1) / 2` triples per Newton-Schulz step and
//!   `p^2` for the step, a few thousand per fit; bit-OLE pairs for the
//!   lifting, the truncations and the clamping; and `2 p N` comparisons;
//! - rounds: about 85 per Newton step (29 sigmoid, 2 `eta`, 3 sums, 2
//!   lifting, 4 per Newton-Schulz step, 2 step, 10 clamping), 870 per fit,
//!   the per-record ones (about 34) once per batch;
//! - batches: the per-record work runs [`LogisticOptions::batch`] records
//!   at a time (default 8,192), each batch topping up its Z_2^64
//!   preprocessing first ([`needs_ahead`] is what a caller stocks before
//!   the fit), so memory is that of one batch: `duet bench` peaked at 188
//!   MB resident for 5,000 records (one batch) and 194 MB for 20,000
//!   (three), both parties in one process;
//! - convergence (after the last step): `p + 1` Z_2^128 triples and one
//!   Z_2^128 comparison, about 12 rounds; its bit is opened with the
//!   estimates (no extra opening round). The saturated-record count is a
//!   local sum of comparison bits the sigmoid already computes.
//!
//! Measured for n = 2000, p = 4, defaults (2-core Xeon, load average 5
//! to 6 with a mutation-testing run beside it; both parties on one
//! thread, in memory, release build, OT preprocessing with IKNP as in the
//! test; `cargo test --release -p duet-stats --test stats -- --ignored
//! --nocapture --test-threads 1 logistic::ot::timing`; before the bit-OLE
//! pairs and the 25-bit comparisons in brackets):
//!
//! | | |
//! |---|---|
//! | Z_2^64 Beaver triples | 492,000 (710,000) |
//! | Z_2^64 LTZ (daBits) | 200,000: 204,100 AND-triple words = 13.1 M AND gates (568,340 words, 36.4 M) |
//! | Z_2^64 bit-OLE pairs | 159,000 (none) |
//! | Z_2^128 triples / AND words / pairs | 9,892 / 4,092 / 1,487 (15,500 / 3,720 / none) |
//! | messages per party (about the rounds) | 876, input sharing included (871) |
//! | online bytes per party | 12.9 MB (21.1 MB) |
//! | online time, test dealer stocked ahead | 0.10 s (0.20 to 0.21 s; stocking 0.12 s) |
//! | OT preprocessing (duet-ot, in memory) | 3.9 s, 0.88 GB per party: Z_2^64 triples 2.8 s / 0.63 GB, LTZ material and pairs 1.0 s / 0.22 GB, Z_2^128 0.13 s / 35 MB (6.0 to 8.8 s, 1.55 GB) |
//!
//! Over QUIC with the default SoftSpoken k = 4 (`duet bench
//! --logistic-records 500`, two predictors): 245,751 bytes per record
//! both directions since the comparisons' leaf OTs (286,988 after the
//! bit-OLE pairs, 449,001 before), of which the 18 Z_2^64 triples per
//! record and step are about 77%.
//!
//! With the warm-up sample, the bundled analyses job on 200,000 records
//! per side (400,000 in the fit, p = 4) ran in 326 s on the quiet 2-core
//! machine, both sides over loopback QUIC, moving 52,992 bytes per record
//! each way (`bash benches/registry-scale.sh 200000 sealed`; docs/BENCHMARKS.md).
//!
//! One LTZ on 25 bits (6 leaves: 3 leaf-OT pairs and 7 AND gates) costs
//! about a sixth of the OT traffic of a Z_2^64 triple; the
//! sign-then-magnitude sigmoid still pays: comparing `eta` with all 19
//! signed breakpoints in one call would save 10 rounds per step but cost
//! 19 LTZ per record and step instead of 10.
//!
//! # Example
//! ```
//! use duet_core::{Engine, FixedPoint, InsecureDealer, MemoryChannel, Role, Shared, Z64};
//! use duet_stats::secure::logistic::{fit_logistic, LogisticInput, LogisticOptions, Standardization};
//! use rand::SeedableRng;
//!
//! // P0 holds every value here; in a study each side shares its own columns.
//! let fp = FixedPoint::new(20).unwrap();
//! let enc = |v: &[f64]| v.iter().map(|&x| fp.encode_f64::<Z64>(x).unwrap()).collect::<Vec<_>>();
//! let mask = enc(&[1.0; 8]);
//! let age = enc(&[30.0, 42.0, 55.0, 61.0, 35.0, 70.0, 48.0, 66.0]);
//! let y = enc(&[0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0]);
//! let options = LogisticOptions::default();
//! let party = async |e: &mut Engine<MemoryChannel, InsecureDealer>| {
//!     let mut cols = Vec::new();
//!     for v in [&mask, &age, &y] {
//!         cols.push(match e.role() {
//!             Role::P0 => e.share_input(v).await?,
//!             Role::P1 => e.receive_input::<Z64>(v.len()).await?,
//!         });
//!     }
//!     let y: Shared<Z64> = cols.pop().unwrap();
//!     let input = LogisticInput::new(cols, y, vec![Standardization::from_bounds(18.0, 90.0)])?;
//!     fit_logistic(e, &input, &options).await
//! };
//! let (c0, c1) = MemoryChannel::pair();
//! let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
//! let mut e0 = Engine::new(Role::P0, c0, InsecureDealer::new(Role::P0, [7; 32]), &mut rng);
//! let mut e1 = Engine::new(Role::P1, c1, InsecureDealer::new(Role::P1, [7; 32]), &mut rng);
//! let (a, b) = futures::executor::block_on(futures::future::join(party(&mut e0), party(&mut e1)));
//! let (a, b) = (a?, b?);
//! assert_eq!(a, b);
//! assert_eq!(a.estimates.len(), 2);
//! assert!(a.estimates[1] > 0.0 && a.std_errors[1] > 0.0);
//! # Ok::<(), duet_stats::secure::logistic::LogisticError>(())
//! ```

mod convergence;
mod fit;
pub(crate) mod matrix;
mod opened;
mod records;
mod separation;
mod sigmoid;

pub use convergence::STEP_TOLERANCE;
pub use fit::fit_logistic;
pub use opened::{fit_opened, OpenedFit, OwnRecords, OPENED_TOLERANCE};
pub use options::{needs, needs_ahead, preprocess, warm_up_rows, FitNeeds, MIN_FULL_STEPS};
pub use separation::separated;
pub(crate) use separation::upper;
pub use sigmoid::{logistic, logistic_approx, sigmoid};

use duet_core::{EngineError, FixedError, Shared, Z64};

/// The stated accuracy: coefficients and standard errors within this
/// absolute error of a plaintext fit on the standardised scale (see
/// "Accuracy" in the module docs).
pub const ACCURACY: f64 = 1e-4;

/// The most columns (intercept included) a fit accepts.
pub const MAX_COLUMNS: usize = 16;

/// Why a fit could not run or its result could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogisticError {
    /// The design has no columns (column 0, the mask, is required).
    #[error("the design has no columns; column 0 must be the record mask")]
    NoColumns,
    /// More columns than [`MAX_COLUMNS`].
    #[error("{found} columns exceed the maximum of {max}")]
    TooManyColumns {
        /// Columns given.
        found: usize,
        /// The maximum.
        max: usize,
    },
    /// A column or the outcome has the wrong number of records.
    #[error("column {column} has {found} records, the outcome has {expected}")]
    ColumnLength {
        /// The column (`p` for the outcome itself is never reported).
        column: usize,
        /// Records of the outcome.
        expected: usize,
        /// Records of the column.
        found: usize,
    },
    /// Not one standardisation per column after the first.
    #[error("{found} standardisations for {expected} columns after the mask")]
    StandardizationCount {
        /// Columns after the mask.
        expected: usize,
        /// Standardisations given.
        found: usize,
    },
    /// A standardisation with a non-finite center or a scale not above 0.
    #[error("column {column}: center {center} and scale {scale} must be finite, scale > 0")]
    BadStandardization {
        /// The column.
        column: usize,
        /// Its center.
        center: f64,
        /// Its scale.
        scale: f64,
    },
    /// An opened fit's record with a standardised predictor outside [-1, 1]
    /// (a value beyond the column's declared bounds; the value is not
    /// named, it is a record's).
    #[error("column {column}: a record's standardised value lies outside [-1, 1] (beyond the declared bounds)")]
    OutOfRange {
        /// The design column (0 is the intercept).
        column: usize,
    },
    /// An opened fit's record with the wrong number of predictors.
    #[error("a record has {found} design columns, the fit has {expected}")]
    RecordWidth {
        /// Columns of the fit, the intercept included.
        expected: usize,
        /// Columns of the record, the intercept included.
        found: usize,
    },
    /// No records (`n = 0`, public): there is nothing to fit.
    #[error("no records to fit")]
    NoRecords,
    /// More records than the fixed-point ranges allow.
    #[error("{n} records exceed the {max} that {frac_bits} fractional bits allow")]
    TooManyRecords {
        /// Records given.
        n: usize,
        /// The maximum, `2^(61 - 2 frac_bits)`.
        max: usize,
        /// Fractional bits.
        frac_bits: u32,
    },
    /// An option outside its range.
    #[error("option {name} = {value}: {reason}")]
    BadOption {
        /// The option.
        name: &'static str,
        /// Its value.
        value: u32,
        /// The allowed range.
        reason: &'static str,
    },
    /// A public constant could not be encoded.
    #[error("encoding a public constant: {0}")]
    Fixed(#[source] FixedError),
    /// An opened variance is not a positive finite number.
    #[error("term {term}: the opened variance {variance} is not positive (degenerate data)")]
    DegenerateVariance {
        /// The term (0 is the intercept).
        term: usize,
        /// The opened variance.
        variance: f64,
    },
    /// The opened convergence bit is neither 0 nor 1 (a deviating peer).
    #[error("the opened convergence bit is {value}, not 0 or 1")]
    BadBit {
        /// The bit as opened.
        value: u128,
    },
    /// The engine failed (link, preprocessing, peer message).
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// The public affine standardisation of one column: `(x - center) / scale`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Standardization {
    /// Subtracted first.
    pub center: f64,
    /// Divided by next (above 0).
    pub scale: f64,
}

impl Standardization {
    /// The map of `[min, max]` onto `[-1, 1]` (center the midpoint, scale
    /// half the width; a zero width gets scale 1).
    pub fn from_bounds(min: f64, max: f64) -> Self {
        let half = (max - min) / 2.0;
        Standardization {
            center: (min + max) / 2.0,
            scale: if half > 0.0 { half } else { 1.0 },
        }
    }
}

/// One party's shares of the data of a fit (the same shape on both sides).
#[derive(Debug, Clone)]
pub struct LogisticInput {
    design: Vec<Shared<Z64>>,
    y: Shared<Z64>,
    standardization: Vec<Standardization>,
}

impl LogisticInput {
    /// Checks the shapes: `design[0]` is the mask, every column and `y`
    /// have `n` records, and `standardization` has one entry per column
    /// after the mask.
    pub fn new(
        design: Vec<Shared<Z64>>,
        y: Shared<Z64>,
        standardization: Vec<Standardization>,
    ) -> Result<Self, LogisticError> {
        if design.is_empty() {
            return Err(LogisticError::NoColumns);
        }
        if design.len() > MAX_COLUMNS {
            return Err(LogisticError::TooManyColumns {
                found: design.len(),
                max: MAX_COLUMNS,
            });
        }
        if let Some((column, c)) = design.iter().enumerate().find(|(_, c)| c.len() != y.len()) {
            return Err(LogisticError::ColumnLength {
                column,
                expected: y.len(),
                found: c.len(),
            });
        }
        if standardization.len() + 1 != design.len() {
            return Err(LogisticError::StandardizationCount {
                expected: design.len() - 1,
                found: standardization.len(),
            });
        }
        for (j, s) in standardization.iter().enumerate() {
            if !(s.center.is_finite() && s.scale.is_finite() && s.scale > 0.0) {
                return Err(LogisticError::BadStandardization {
                    column: j + 1,
                    center: s.center,
                    scale: s.scale,
                });
            }
        }
        Ok(LogisticInput {
            design,
            y,
            standardization,
        })
    }

    /// Number of records `n`.
    pub fn records(&self) -> usize {
        self.y.len()
    }

    /// Number of columns `p`, the mask included.
    pub fn columns(&self) -> usize {
        self.design.len()
    }
}

/// A fit in original units, intercept first.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticFit {
    /// Coefficients (log odds per unit of each column).
    pub estimates: Vec<f64>,
    /// Their standard errors.
    pub std_errors: Vec<f64>,
    /// Newton steps run.
    pub iterations: u32,
    /// Whether the fit converged: the last Newton step's norm on the
    /// standardised scale below [`STEP_TOLERANCE`] and no fitted
    /// probability at exactly 0 or 1 (one opened bit; see the module
    /// docs' "Convergence").
    pub converged: bool,
}

mod options;
pub use options::LogisticOptions;
