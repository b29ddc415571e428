//! Logistic regression on shares against a plaintext IRLS fit in f64, both
//! parties in memory (test dealer, and once OT preprocessing).

mod accuracy;
mod data;
mod degenerate;
mod needs;
mod opened;
mod ot;
mod reference;
mod sigmoid;
mod stress;

use duet_core::{Engine, MemoryChannel, Preprocessing, Role, Shared, Z64};
use duet_stats::secure::logistic::{
    fit_logistic, LogisticError, LogisticFit, LogisticInput, LogisticOptions,
};
use futures::executor::block_on;

use data::Dataset;

pub use crate::{engines, TestEngine};

/// Shares `values` owned by `owner`; both parties call it alike.
pub async fn input<P: Preprocessing>(
    e: &mut Engine<MemoryChannel, P>,
    owner: Role,
    values: &[Z64],
) -> Result<Shared<Z64>, duet_core::EngineError> {
    if e.role() == owner {
        e.share_input(values).await
    } else {
        e.receive_input(values.len()).await
    }
}

/// Shares the data set (even columns and y from P0, odd columns from P1)
/// and fits it.
pub async fn share_and_fit<P: Preprocessing>(
    e: &mut Engine<MemoryChannel, P>,
    d: &Dataset,
    options: &LogisticOptions,
) -> Result<LogisticFit, LogisticError> {
    let f = options.frac_bits;
    let mut design = Vec::new();
    for (j, col) in d.encoded_columns(f).iter().enumerate() {
        let owner = if j % 2 == 0 { Role::P0 } else { Role::P1 };
        design.push(input(e, owner, col).await?);
    }
    let y = input(e, Role::P0, &d.encoded_y(f)).await?;
    let inp = LogisticInput::new(design, y, d.standardization())?;
    fit_logistic(e, &inp, options).await
}

/// Both parties' fits of `d`, checked equal, returned once.
pub fn secure_fit(
    seed: u64,
    d: &Dataset,
    options: &LogisticOptions,
) -> Result<LogisticFit, LogisticError> {
    let (mut e0, mut e1) = engines(seed);
    let (a, b) = block_on(futures::future::join(
        share_and_fit(&mut e0, d, options),
        share_and_fit(&mut e1, d, options),
    ));
    match (a, b) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "the parties got different fits");
            Ok(a)
        }
        (Err(a), Err(_)) => Err(a),
        (a, b) => panic!("one party failed: {a:?} / {b:?}"),
    }
}
