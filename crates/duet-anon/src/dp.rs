//! Exact samplers for differential privacy over the integers: the discrete
//! Laplace and discrete Gaussian distributions of Canonne, Kamath and Steinke,
//! "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020),
//! Algorithms 1 to 3. Every random decision is a Bernoulli trial with a
//! rational probability decided by a uniform integer draw, so no
//! floating-point number ever shapes a sample (Mironov 2012).

use rand::{CryptoRng, Rng, RngCore};

use crate::error::{AnonError, Result};

fn overflow(what: &'static str) -> AnonError {
    AnonError::SamplerOverflow { what }
}

/// Bernoulli(num / den), for `0 <= num <= den`, `den > 0`.
fn bernoulli<R: RngCore + CryptoRng>(rng: &mut R, num: u128, den: u128) -> bool {
    den > 0 && rng.gen_range(0..den) < num
}

/// Bernoulli(exp(-num/den)) for `num/den` in [0, 1] (CKS Algorithm 1, first part).
fn bernoulli_exp_unit<R: RngCore + CryptoRng>(rng: &mut R, num: u128, den: u128) -> Result<bool> {
    let mut k: u128 = 1;
    loop {
        let d = den
            .checked_mul(k)
            .ok_or(overflow("Bernoulli(exp) denominator"))?;
        if !bernoulli(rng, num, d) {
            return Ok(k % 2 == 1);
        }
        k += 1;
    }
}

/// Bernoulli(exp(-num/den)) for any `num/den >= 0` (CKS Algorithm 1).
pub fn bernoulli_exp<R: RngCore + CryptoRng>(
    rng: &mut R,
    mut num: u128,
    den: u128,
) -> Result<bool> {
    if den == 0 {
        return Err(overflow("zero denominator"));
    }
    while num > den {
        if !bernoulli_exp_unit(rng, 1, 1)? {
            return Ok(false);
        }
        num -= den;
    }
    bernoulli_exp_unit(rng, num, den)
}

/// The discrete Laplace distribution on the integers with scale `b = num/den`:
/// `P(x) = (e^{1/b} - 1) / (e^{1/b} + 1) * e^{-|x|/b}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscreteLaplace {
    num: u64,
    den: u64,
}

impl DiscreteLaplace {
    /// Scale `num / den`; both must be positive.
    pub fn new(num: u64, den: u64) -> Result<Self> {
        if num == 0 || den == 0 {
            return Err(AnonError::InvalidParameter {
                name: "scale",
                value: format!("{num}/{den}"),
                reason: "the scale must be a positive fraction",
            });
        }
        Ok(Self { num, den })
    }

    /// The scale for an epsilon-DP release of an integer with the given
    /// sensitivity: `b = sensitivity / epsilon`, with `epsilon = eps_num / eps_den`.
    pub fn for_epsilon(sensitivity: u64, eps_num: u64, eps_den: u64) -> Result<Self> {
        let num = sensitivity
            .checked_mul(eps_den)
            .ok_or(overflow("scale numerator"))?;
        Self::new(num, eps_num)
    }

    /// One exact sample (CKS Algorithm 2 with `t = num`, `s = den`).
    pub fn sample<R: RngCore + CryptoRng>(&self, rng: &mut R) -> Result<i64> {
        let (t, s) = (u128::from(self.num), u128::from(self.den));
        loop {
            let u = rng.gen_range(0..t);
            if !bernoulli_exp(rng, u, t)? {
                continue;
            }
            let mut v: u128 = 0;
            while bernoulli_exp(rng, 1, 1)? {
                v += 1;
            }
            let x = u
                .checked_add(t.checked_mul(v).ok_or(overflow("laplace magnitude"))?)
                .ok_or(overflow("laplace magnitude"))?
                / s;
            let negative = rng.gen::<bool>();
            if negative && x == 0 {
                continue;
            }
            let x = i64::try_from(x).map_err(|_| overflow("laplace sample"))?;
            return Ok(if negative { -x } else { x });
        }
    }

    /// The probability of `x` (for tests and documentation; never used to sample).
    pub fn pmf(&self, x: i64) -> f64 {
        let inv_b = self.den as f64 / self.num as f64;
        (inv_b.exp() - 1.0) / (inv_b.exp() + 1.0) * (-(x.unsigned_abs() as f64) * inv_b).exp()
    }
}

/// The discrete Gaussian on the integers with variance parameter
/// `sigma^2 = num/den`: `P(x)` proportional to `exp(-x^2 / (2 sigma^2))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscreteGaussian {
    num: u64,
    den: u64,
}

impl DiscreteGaussian {
    /// `sigma^2 = num / den`; both must be positive.
    pub fn new(num: u64, den: u64) -> Result<Self> {
        if num == 0 || den == 0 {
            return Err(AnonError::InvalidParameter {
                name: "sigma2",
                value: format!("{num}/{den}"),
                reason: "sigma^2 must be a positive fraction",
            });
        }
        Ok(Self { num, den })
    }

    /// One exact sample (CKS Algorithm 3): a discrete Laplace proposal with
    /// integer scale `t = floor(sigma) + 1`, accepted with probability
    /// `exp(-(|y| - sigma^2/t)^2 / (2 sigma^2))`.
    pub fn sample<R: RngCore + CryptoRng>(&self, rng: &mut R) -> Result<i64> {
        let (a, b) = (u128::from(self.num), u128::from(self.den));
        let t = isqrt(a / b) + 1;
        let proposal =
            DiscreteLaplace::new(u64::try_from(t).map_err(|_| overflow("gaussian scale"))?, 1)?;
        loop {
            let y = proposal.sample(rng)?;
            // gamma = (|y| b t - a)^2 / (2 a b t^2), all in integers.
            let ybt = u128::from(y.unsigned_abs())
                .checked_mul(b * t)
                .ok_or(overflow("gaussian acceptance"))?;
            let diff = ybt.abs_diff(a);
            let num = diff
                .checked_mul(diff)
                .ok_or(overflow("gaussian acceptance"))?;
            let den = (2 * a)
                .checked_mul(b)
                .and_then(|d| d.checked_mul(t * t))
                .ok_or(overflow("gaussian acceptance"))?;
            if bernoulli_exp(rng, num, den)? {
                return Ok(y);
            }
        }
    }

    /// The probability of `x`, normalised over `|x| <= 50 sigma + 50`.
    pub fn pmf(&self, x: i64) -> f64 {
        let s2 = self.num as f64 / self.den as f64;
        let reach = (50.0 * s2.sqrt()) as i64 + 50;
        let weight = |y: i64| (-((y * y) as f64) / (2.0 * s2)).exp();
        let total: f64 = (-reach..=reach).map(weight).sum();
        weight(x) / total
    }
}

/// Floor of the square root.
fn isqrt(x: u128) -> u128 {
    if x < 2 {
        return x;
    }
    let mut r = (x as f64).sqrt() as u128;
    while r.checked_mul(r).is_none_or(|rr| rr > x) {
        r -= 1;
    }
    while (r + 1).checked_mul(r + 1).is_some_and(|rr| rr <= x) {
        r += 1;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn isqrt_is_exact() {
        for x in 0..2000u128 {
            let r = isqrt(x);
            assert!(r * r <= x && (r + 1) * (r + 1) > x, "{x}");
        }
        assert_eq!(isqrt(u128::from(u64::MAX)), u128::from(u32::MAX));
    }

    #[test]
    fn bernoulli_exp_mean_is_close_to_exp() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let n = 20_000;
        let hits = (0..n)
            .filter(|_| bernoulli_exp(&mut rng, 3, 2).unwrap())
            .count();
        let p = (-1.5f64).exp();
        let sd = (p * (1.0 - p) / n as f64).sqrt();
        assert!((hits as f64 / n as f64 - p).abs() < 5.0 * sd);
    }

    #[test]
    fn rejects_zero_parameters() {
        assert!(DiscreteLaplace::new(0, 1).is_err());
        assert!(DiscreteGaussian::new(1, 0).is_err());
        assert_eq!(
            DiscreteLaplace::for_epsilon(1, 1, 2).unwrap(),
            DiscreteLaplace::new(2, 1).unwrap()
        );
    }
}
