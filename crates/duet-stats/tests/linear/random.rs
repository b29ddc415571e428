//! Random small data sets: the secure fit and correlations agree with the
//! references within [`ACCURACY`], or the design is reported singular
//! exactly when the reference finds it (nearly) so.

use duet_core::Z64;
use duet_stats::secure::linear::{LinearError, ACCURACY, VIF_LIMIT_BITS};
use proptest::prelude::*;

use crate::linear::accuracy::{correlation_error, regression_errors};
use crate::linear::data::{Gen, Outcome, Records};
use crate::linear::oracle::ols;
use crate::linear::{secure_correlation, secure_regression};

fn dataset() -> impl Strategy<Value = Records> {
    (
        any::<u64>(),
        1usize..=3,
        0usize..=20,
        prop::collection::vec(-50.0f64..50.0, 3),
        prop::bool::ANY,
    )
        .prop_map(|(seed, k, extra, slopes, cat)| {
            let mut gens: Vec<Gen> = (0..k)
                .map(|i| {
                    let min = -((i as i64 + 1) * 37);
                    Gen::Uniform {
                        min,
                        max: 500,
                        lo: min,
                        hi: 500,
                    }
                })
                .collect();
            let mut sl = slopes[..k].to_vec();
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
            Records::generate(seed, p + 2 + extra, &gens, &sl, y)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_small_sets(d in dataset()) {
        let reference = ols(&d);
        let vif = reference.as_ref().map_or(f64::INFINITY, |o| o.max_vif);
        match secure_regression::<Z64>(9, &d) {
            Ok(fit) => {
                prop_assert!(vif < 2f64.powi(VIF_LIMIT_BITS as i32 + 1), "vif {vif}");
                if vif < 1e3 {
                    let (c, s, r) = regression_errors(&d, &fit);
                    prop_assert!(c <= ACCURACY && s <= ACCURACY && r <= ACCURACY, "{c} {s} {r}");
                }
            }
            Err(LinearError::SingularDesign) => {
                prop_assert!(vif > 2f64.powi(VIF_LIMIT_BITS as i32 - 1), "vif {vif}");
            }
            Err(e) => prop_assert!(false, "{e}"),
        }
        let c = secure_correlation::<Z64>(9, &d).unwrap();
        prop_assert!(correlation_error(&d, &c) <= ACCURACY);
    }
}
