//! The evidence for the default number of Newton steps (ignored: about a
//! minute in a release build):
//! `cargo test --release -p duet-stats --test stats -- --ignored --nocapture logistic::stress`.
//!
//! 60 random data sets with standardised coefficients up to ±4 (odds
//! ratios up to e^8 across a column's declared range), rare binary
//! predictors and padding. Every fit whose plaintext reference converges
//! in at most `iterations` steps is within the stated tolerance. With 8
//! steps, four fits needing 10 or 11 reference steps erred by up to 1.5e-2
//! (standard errors; the covariance is that of the last step's start);
//! with 10 steps the two needing 11 reference steps erred by 8e-5 at most.

use duet_stats::secure::logistic::{LogisticOptions, ACCURACY};
use rand::{Rng, SeedableRng};

use crate::logistic::data::{Dataset, Kind};
use crate::logistic::reference::{irls, max_error};
use crate::logistic::secure_fit;

fn random_case(rng: &mut impl Rng, case: u64) -> Dataset {
    let p = rng.gen_range(2..6);
    let kinds: Vec<Kind> = (1..p)
        .map(|_| {
            if rng.gen::<bool>() {
                Kind::Binary(rng.gen_range(0.05..0.5))
            } else {
                Kind::Numeric {
                    min: 0.0,
                    max: 100.0,
                }
            }
        })
        .collect();
    let beta: Vec<f64> = (0..p).map(|_| rng.gen_range(-4.0..4.0)).collect();
    let n = rng.gen_range(100..800);
    Dataset::generate(case, n, &kinds, &beta, rng.gen_range(0.0..0.5))
}

#[test]
#[ignore]
fn stress_strong_effects() {
    let options = LogisticOptions::default();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(99);
    let (mut compared, mut worst) = (0, (0f64, 0f64));
    for case in 0..60u64 {
        let d = random_case(&mut rng, case);
        // Separated or singular samples have no finite reference.
        let Some(r) = irls(&d).filter(|r| r.beta.iter().all(|b| b.abs() < 12.0)) else {
            continue;
        };
        let fit = secure_fit(case, &d, &options).unwrap();
        let (eb, es) = max_error(&d, &fit, &r);
        if !fit.converged {
            eprintln!(
                "case {case}: not converged (reference {} steps, errors {eb:.1e} {es:.1e})",
                r.steps
            );
        }
        if r.steps as u32 <= options.iterations {
            assert!(eb < ACCURACY && es < ACCURACY, "case {case}: {eb:e} {es:e}");
            assert!(fit.converged, "case {case}: {fit:?}");
            compared += 1;
            worst = (worst.0.max(eb), worst.1.max(es));
        } else {
            eprintln!(
                "case {case}: reference needs {} steps, errors {eb:.1e} {es:.1e}",
                r.steps
            );
        }
    }
    eprintln!("{compared} fits compared, worst errors {worst:?}");
}
