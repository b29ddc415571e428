//! HC1 robust standard errors on shares (`robust_shares`), against an
//! independent plaintext f64 sandwich: the design centred at its means,
//! `(Z'Z)^-1 Z' diag(e^2) Z (Z'Z)^-1` by Gauss-Jordan, the intercept's
//! variance by the change back to the uncentred intercept, times `n / (n -
//! p)`. Both parties in memory: pool, fit, open, then each side's meat from
//! its own rows and the sandwich on shares.

use duet_core::{Channel, Engine, Preprocessing, Ring, Role, Z128, Z64};
use duet_stats::secure::linear::{
    decode_regression, decode_robust, regression_shares, robust_shares, LinearError, LinearFit,
    LocalMeat, ACCURACY,
};
use futures::executor::block_on;
use proptest::prelude::*;

use crate::linear::data::{Gen, Outcome, Records};
use crate::linear::engines;
use crate::linear::oracle::inverse;

/// HC1 standard errors of the OLS fit of `d`, intercept first, in f64.
pub fn hc1(d: &Records) -> Option<Vec<f64>> {
    let (n, k) = (d.n(), d.terms() - 1);
    let col = |j: usize| d.rows.iter().map(move |r| r[j] as f64);
    let means: Vec<f64> = (0..k).map(|j| col(j).sum::<f64>() / n as f64).collect();
    let z: Vec<Vec<f64>> = d
        .rows
        .iter()
        .map(|r| {
            let mut v = vec![1.0];
            v.extend((0..k).map(|j| r[j] as f64 - means[j]));
            v
        })
        .collect();
    let y: Vec<f64> = col(k).collect();
    let p = k + 1;
    let ztz: Vec<Vec<f64>> = (0..p)
        .map(|a| {
            (0..p)
                .map(|b| z.iter().map(|r| r[a] * r[b]).sum())
                .collect()
        })
        .collect();
    let inv = inverse(&ztz)?;
    let zty: Vec<f64> = (0..p)
        .map(|a| z.iter().zip(&y).map(|(r, y)| r[a] * y).sum())
        .collect();
    let beta: Vec<f64> = (0..p)
        .map(|a| (0..p).map(|b| inv[a][b] * zty[b]).sum())
        .collect();
    let e2: Vec<f64> = z
        .iter()
        .zip(&y)
        .map(|(r, y)| (y - (0..p).map(|a| r[a] * beta[a]).sum::<f64>()).powi(2))
        .collect();
    let meat: Vec<Vec<f64>> = (0..p)
        .map(|a| {
            (0..p)
                .map(|b| z.iter().zip(&e2).map(|(r, w)| w * r[a] * r[b]).sum())
                .collect()
        })
        .collect();
    let mul = |x: &Vec<Vec<f64>>, y: &Vec<Vec<f64>>| -> Vec<Vec<f64>> {
        (0..p)
            .map(|a| {
                (0..p)
                    .map(|b| (0..p).map(|c| x[a][c] * y[c][b]).sum())
                    .collect()
            })
            .collect()
    };
    let v = mul(&mul(&inv, &meat), &inv);
    let hc = n as f64 / (n - p) as f64;
    // beta_0 = alpha - means' beta: L = [1, -means].
    let l: Vec<f64> = std::iter::once(1.0)
        .chain(means.iter().map(|m| -m))
        .collect();
    let v0: f64 = (0..p)
        .map(|a| (0..p).map(|b| l[a] * v[a][b] * l[b]).sum::<f64>())
        .sum();
    let mut out = vec![(v0 * hc).max(0.0).sqrt()];
    out.extend((1..p).map(|j| (v[j][j] * hc).max(0.0).sqrt()));
    Some(out)
}

/// How the rows are split between the parties.
#[derive(Debug, Clone, Copy)]
pub enum Split {
    /// Alternating rows.
    Alternate,
    /// The first `r` rows to P0, the rest to P1.
    First(usize),
}

fn halves(d: &Records, split: Split) -> (Records, Records) {
    match split {
        Split::Alternate => d.split(),
        Split::First(r) => {
            let part = |rows: &[Vec<i64>]| Records {
                bounds: d.bounds.clone(),
                rows: rows.to_vec(),
            };
            let r = r.min(d.n());
            (part(&d.rows[..r]), part(&d.rows[r..]))
        }
    }
}

/// One party: the fit as the gate opens it, then the robust pass.
async fn party<R: Ring, C: Channel, P: Preprocessing>(
    e: &mut Engine<C, P>,
    d: &Records,
    split: Split,
) -> Result<(LinearFit, Vec<f64>), LinearError> {
    let shape = d.shape();
    let (first, second) = halves(d, split);
    let cross = crate::linear::pooled_parts::<R, C, P>(e, &first, &second).await?;
    let ordinary = regression_shares(e, &cross, &shape).await?;
    let fit = decode_regression(&e.open(&ordinary).await?, &shape)?;
    let own = if e.role() == Role::P0 {
        &first
    } else {
        &second
    };
    let rows: Vec<Vec<i128>> = own
        .rows
        .iter()
        .map(|r| r.iter().map(|&v| i128::from(v)).collect())
        .collect();
    let meat = LocalMeat::new(&shape, &fit, rows.iter().map(Vec::as_slice), e.role())?;
    let shares = robust_shares(e, &cross, &shape, &fit, &meat).await?;
    let robust = decode_robust(&e.open(&shares).await?, &shape)?;
    Ok((fit, robust))
}

/// The secure fit and HC1 standard errors of `d`, both parties' checked equal.
pub fn secure_robust<R: Ring>(
    seed: u64,
    d: &Records,
    split: Split,
) -> Result<(LinearFit, Vec<f64>), LinearError> {
    let (mut e0, mut e1) = engines(seed);
    let (a, b) = block_on(futures::future::join(
        party::<R, _, _>(&mut e0, d, split),
        party::<R, _, _>(&mut e1, d, split),
    ));
    match (a, b) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "the parties decoded different values");
            Ok(a)
        }
        (Err(a), Err(_)) => Err(a),
        (a, b) => panic!("one party failed: {a:?} / {b:?}"),
    }
}

/// The worst error of robust standard errors on the bound-standardised
/// scale (as `accuracy::regression_errors`), relative to `1 + |value|`.
pub fn robust_error(d: &Records, got: &[f64]) -> f64 {
    let want = hc1(d).expect("the reference fits");
    let k = d.terms() - 1;
    let sy = d.half(k);
    let scale = |i: usize| if i == 0 { 1.0 / sy } else { d.half(i - 1) / sy };
    (0..=k)
        .map(|i| (got[i] - want[i]).abs() * scale(i) / (1.0 + want[i].abs() * scale(i)))
        .fold(0.0, f64::max)
}

fn check<R: Ring>(name: &str, seed: u64, d: &Records, split: Split) -> f64 {
    let (fit, got) = secure_robust::<R>(seed, d, split).unwrap();
    let err = robust_error(d, &got);
    let rel = relative_error(d, &got);
    let o = crate::linear::oracle::ols(d).unwrap();
    let plain = fit
        .std_errors
        .iter()
        .zip(&o.std_errors)
        .map(|(g, w)| (g - w).abs() / w.abs())
        .fold(0.0, f64::max);
    println!(
        "{name}: robust standard errors {err:.2e} (relative {rel:.2e}; the ordinary ones \
         {plain:.2e} relative): {got:?}"
    );
    assert!(err <= ACCURACY, "{name}: {got:?} vs {:?}", hc1(d));
    err
}

/// The worst plain relative error (for the record; the stated accuracy is
/// the scaled one above).
fn relative_error(d: &Records, got: &[f64]) -> f64 {
    let want = hc1(d).expect("the reference fits");
    got.iter()
        .zip(&want)
        .map(|(g, w)| (g - w).abs() / w.abs().max(1e-300))
        .fold(0.0, f64::max)
}

/// Heteroskedastic noise: the outcome's spread grows with the first
/// predictor (generated by hand: `Records::generate` draws constant noise).
fn heteroskedastic(seed: u64, n: usize, category: bool) -> Records {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut gens = vec![Gen::Uniform {
        min: 0,
        max: 1000,
        lo: 0,
        hi: 1000,
    }];
    let mut slopes = vec![3.0];
    if category {
        gens.push(Gen::Category { levels: 3 });
        slopes.extend([500.0, -300.0]);
    }
    let y = Outcome {
        min: -100_000,
        max: 100_000,
        intercept: 50.0,
        noise: 1.0,
    };
    let mut d = Records::generate(seed, n, &gens, &slopes, y);
    for r in &mut d.rows {
        let x = r[0] as f64;
        let noise: f64 = (0..12).map(|_| rng.gen::<f64>()).sum::<f64>() - 6.0;
        let k = r.len() - 1;
        r[k] = (r[k] as f64 + noise * (5.0 + 2.0 * x))
            .round()
            .clamp(-1e5, 1e5) as i64;
    }
    d
}

#[test]
fn heteroskedastic_with_a_category_both_rings() {
    let d = heteroskedastic(3, 400, true);
    check::<Z64>("hetero cat Z64", 5, &d, Split::Alternate);
    check::<Z128>("hetero cat Z128", 6, &d, Split::First(90));
}

#[test]
fn one_side_holds_every_record() {
    let d = heteroskedastic(4, 60, true);
    check::<Z64>("all on P0", 7, &d, Split::First(60));
    check::<Z64>("all on P1", 8, &d, Split::First(0));
}

/// Harder designs: many records near the bounds with a wide outcome,
/// eight predictors, a predictor spread over 1e-4 of wide bounds, an
/// outcome spread over 1e-4 of its bounds, and a design whose `n` needs
/// the meat's `2^-g` scale.
#[test]
fn harder_designs_stay_within_the_accuracy() {
    let wide = |min: i64, max: i64| Gen::Uniform {
        min,
        max,
        lo: min,
        hi: max,
    };
    let y = |noise: f64| Outcome {
        min: -1_000_000,
        max: 1_000_000,
        intercept: 20.0,
        noise,
    };
    let edges = [
        Gen::Edges {
            min: -500,
            max: 500,
            jitter: 5,
        },
        Gen::Category { levels: 4 },
    ];
    let d = Records::generate(31, 3000, &edges, &[40.0, 900.0, -400.0, 250.0], y(3000.0));
    check::<Z64>("edges, n 3000", 12, &d, Split::First(1000));
    let eight: Vec<Gen> = (0..8).map(|i| wide(-100 - i, 200 + 3 * i)).collect();
    let slopes: Vec<f64> = (0..8).map(|i| 5.0 - 1.5 * i as f64).collect();
    let d = Records::generate(32, 400, &eight, &slopes, y(800.0));
    check::<Z128>("eight predictors", 13, &d, Split::Alternate);
    let narrow = [Gen::Uniform {
        min: -1_000_000,
        max: 1_000_000,
        lo: 5_000,
        hi: 5_400,
    }];
    let d = Records::generate(33, 200, &narrow, &[2.0], y(300.0));
    check::<Z128>("predictor spread 1e-4", 14, &d, Split::First(60));
    let mut d = heteroskedastic(34, 200, true);
    d.bounds[3] = duet_stats::secure::linear::TermBounds {
        min: -50_000_000,
        max: 50_000_000,
    };
    check::<Z128>("outcome spread 1e-5", 15, &d, Split::First(50));
    let far = [Gen::Uniform {
        min: 10_000,
        max: 10_100,
        lo: 10_000,
        hi: 10_100,
    }];
    let far_y = Outcome {
        min: 0,
        max: 200_000,
        intercept: -900_000.0,
        noise: 40.0,
    };
    let d = Records::generate(36, 300, &far, &[100.0], far_y);
    assert!(d.shape().terms() == 2);
    check::<Z64>(
        "bounds 200 half-widths from 0 (l = 3)",
        17,
        &d,
        Split::First(100),
    );
    let d = heteroskedastic(35, 70_000, false);
    check::<Z64>("n 70,000 (g = 1)", 16, &d, Split::Alternate);
}

#[test]
fn a_perfect_fit_has_zero_robust_errors() {
    let mut d = heteroskedastic(5, 30, false);
    for r in &mut d.rows {
        r[1] = 7 + 3 * r[0];
    }
    // The residual error is 0 up to the rounding of 1 - R^2 (2^-36, see
    // the linear module's accuracy): 0 or about 1.5e-8 of the half-width,
    // depending on the shares' random roundings.
    for seed in 6..10 {
        let (fit, got) = secure_robust::<Z64>(seed, &d, Split::Alternate).unwrap();
        assert!(fit.residual_std_error < 1e-6 * d.half(1), "{fit:?}");
        assert!(got.iter().all(|&v| v < 1e-6 * d.half(1)), "{got:?}");
    }
}

fn dataset() -> impl Strategy<Value = (Records, usize)> {
    (
        any::<u64>(),
        1usize..=3,
        0usize..=6,
        prop::bool::ANY,
        prop::bool::ANY,
        0usize..=100,
    )
        .prop_map(|(seed, k, extra, cat, edges, cut)| {
            let mut gens: Vec<Gen> = (0..k)
                .map(|i| {
                    let (min, max) = (-((i as i64 + 1) * 37), 500);
                    match edges {
                        true => Gen::Edges {
                            min,
                            max,
                            jitter: 3,
                        },
                        false => Gen::Uniform {
                            min,
                            max,
                            lo: min,
                            hi: max,
                        },
                    }
                })
                .collect();
            let mut sl: Vec<f64> = (0..k).map(|i| 7.0 - 5.0 * i as f64).collect();
            if cat {
                gens.push(Gen::Category { levels: 3 });
                sl.extend([200.0, -100.0]);
            }
            let p = sl.len() + 1;
            let y = Outcome {
                min: -200_000,
                max: 200_000,
                intercept: 10.0,
                noise: 400.0,
            };
            let mut d = Records::generate(seed, p + 2 + extra, &gens, &sl, y);
            // A duplicated record now and then.
            if seed % 3 == 0 {
                let first = d.rows[0].clone();
                d.rows.push(first);
            }
            let n = d.n();
            (d, cut * n / 100)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Random small designs (p + 2 to p + 8 records, values at the bounds,
    /// duplicates, any split): within [`ACCURACY`] of the oracle whenever
    /// the fit is released and its VIFs are below 10^3.
    #[test]
    fn random_small_sets((d, cut) in dataset()) {
        let vif = crate::linear::oracle::ols(&d).map_or(f64::INFINITY, |o| o.max_vif);
        match secure_robust::<Z64>(11, &d, Split::First(cut)) {
            Ok((_, got)) if vif < 1e3 => {
                let err = robust_error(&d, &got);
                prop_assert!(err <= ACCURACY, "{err:e}: {got:?} vs {:?}", hc1(&d));
            }
            Ok(_) | Err(LinearError::SingularDesign) => {}
            Err(e) => prop_assert!(false, "{e}"),
        }
    }
}

/// Refusals decided on public values or local input, before any message,
/// and decoding of malformed openings.
#[test]
fn bad_inputs_are_refused_with_their_error() {
    use duet_stats::secure::linear::{LinearShape, MAX_ROBUST_BITS};
    let d = heteroskedastic(6, 20, false);
    let (fit, _) = secure_robust::<Z64>(17, &d, Split::Alternate).unwrap();
    let shape = d.shape();
    let rows: Vec<Vec<i128>> = vec![vec![1, 2, 3]];
    let wide = LocalMeat::new(&shape, &fit, rows.iter().map(Vec::as_slice), Role::P0);
    assert!(matches!(wide, Err(LinearError::RecordCount { .. })));
    let many: Vec<Vec<i128>> = vec![vec![1, 2]; 21];
    let over = LocalMeat::new(&shape, &fit, many.iter().map(Vec::as_slice), Role::P1);
    assert!(matches!(
        over,
        Err(LinearError::RecordCount { rows: 21, n: 20 })
    ));
    let big = LinearShape::new(1 << MAX_ROBUST_BITS, d.bounds.clone()).unwrap();
    let none: Vec<Vec<i128>> = vec![];
    let range = LocalMeat::new(&big, &fit, none.iter().map(Vec::as_slice), Role::P0);
    assert!(matches!(range, Err(LinearError::RobustRange)));
    let mut huge = fit.clone();
    huge.std_errors[1] = 1e30;
    let range = LocalMeat::new(&shape, &huge, none.iter().map(Vec::as_slice), Role::P0);
    assert!(matches!(range, Err(LinearError::RobustRange)));
    let mut nan = fit.clone();
    nan.std_errors[0] = f64::NAN;
    let range = LocalMeat::new(&shape, &nan, none.iter().map(Vec::as_slice), Role::P0);
    assert!(matches!(range, Err(LinearError::RobustRange)));
    let zero = Z128::ZERO;
    assert!(matches!(
        decode_robust(&[zero; 3], &shape),
        Err(LinearError::OpenedLength {
            expected: 4,
            found: 3
        })
    ));
    let flagged = [Z128::ONE, zero, zero, zero];
    assert!(matches!(
        decode_robust(&flagged, &shape),
        Err(LinearError::SingularDesign)
    ));
    let narrow = [zero, Z128::ONE, zero, zero];
    assert!(matches!(
        decode_robust(&narrow, &shape),
        Err(LinearError::NarrowSpread)
    ));
    let bad = [Z128::from_u64(2), zero, zero, zero];
    assert!(matches!(
        decode_robust(&bad, &shape),
        Err(LinearError::BadFlag { value: 2 })
    ));
}
