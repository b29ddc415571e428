//! Chi-square goodness of fit of the exact samplers against their pmf.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use duet_anon::dp::{DiscreteGaussian, DiscreteLaplace};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

const N: usize = 40_000;

/// Chi-square statistic and degrees of freedom: one bin per integer whose
/// expected count is at least 5, plus the two merged tails.
fn chi_square(samples: &[i64], pmf: impl Fn(i64) -> f64) -> (f64, usize) {
    let n = samples.len() as f64;
    let mut reach = 0i64;
    while pmf(reach + 1) * n >= 5.0 {
        reach += 1;
    }
    let mut stat = 0.0;
    let mut inner_p = 0.0;
    for x in -reach..=reach {
        let observed = samples.iter().filter(|&&s| s == x).count() as f64;
        let expected = pmf(x) * n;
        inner_p += pmf(x);
        stat += (observed - expected).powi(2) / expected;
    }
    for side in [-1i64, 1] {
        let observed = samples.iter().filter(|&&s| s * side > reach).count() as f64;
        let expected = (1.0 - inner_p) / 2.0 * n;
        stat += (observed - expected).powi(2) / expected;
    }
    (stat, (2 * reach + 3) as usize - 1)
}

/// Upper 0.1% point of chi-square (Wilson-Hilferty approximation).
fn critical(df: usize) -> f64 {
    let k = df as f64;
    let z = 3.090;
    k * (1.0 - 2.0 / (9.0 * k) + z * (2.0 / (9.0 * k)).sqrt()).powi(3)
}

fn laplace_samples(num: u64, den: u64, seed: u64) -> Vec<i64> {
    let d = DiscreteLaplace::new(num, den).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..N).map(|_| d.sample(&mut rng).unwrap()).collect()
}

fn gaussian_samples(num: u64, den: u64, seed: u64) -> Vec<i64> {
    let d = DiscreteGaussian::new(num, den).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..N).map(|_| d.sample(&mut rng).unwrap()).collect()
}

#[test]
fn discrete_laplace_fits_its_pmf() {
    for (num, den, seed) in [(3, 1, 1), (5, 2, 2), (1, 3, 3)] {
        let d = DiscreteLaplace::new(num, den).unwrap();
        let (stat, df) = chi_square(&laplace_samples(num, den, seed), |x| d.pmf(x));
        assert!(
            stat < critical(df),
            "scale {num}/{den}: chi2 {stat} df {df}"
        );
    }
}

#[test]
fn discrete_gaussian_fits_its_pmf() {
    for (num, den, seed) in [(4, 1, 4), (10, 3, 5), (1, 4, 6), (400, 1, 7)] {
        let d = DiscreteGaussian::new(num, den).unwrap();
        let (stat, df) = chi_square(&gaussian_samples(num, den, seed), |x| d.pmf(x));
        assert!(
            stat < critical(df),
            "sigma2 {num}/{den}: chi2 {stat} df {df}"
        );
    }
}

#[test]
fn the_test_rejects_a_wrong_distribution() {
    // Samples of scale 3 judged against scale 3.5, and a Gaussian against
    // a Laplace of similar spread: both must fail, or the test above proves nothing.
    let wrong = DiscreteLaplace::new(7, 2).unwrap();
    let (stat, df) = chi_square(&laplace_samples(3, 1, 1), |x| wrong.pmf(x));
    assert!(stat > critical(df), "chi2 {stat} df {df}");
    let lap = DiscreteLaplace::new(2, 1).unwrap();
    let (stat, df) = chi_square(&gaussian_samples(4, 1, 4), |x| lap.pmf(x));
    assert!(stat > critical(df), "chi2 {stat} df {df}");
}

#[test]
fn mean_is_zero_and_variance_matches() {
    let s = gaussian_samples(9, 1, 8);
    let mean = s.iter().sum::<i64>() as f64 / N as f64;
    let var = s.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / N as f64;
    assert!(mean.abs() < 0.1, "mean {mean}");
    // The discrete Gaussian's variance is below sigma^2, and very close for sigma = 3.
    assert!((var - 9.0).abs() < 0.4, "variance {var}");
}
