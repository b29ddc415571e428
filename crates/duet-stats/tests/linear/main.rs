//! Linear regression and correlation on the shares of a cross block,
//! against plaintext f64 computations from the records, both parties in
//! memory with the test dealer.

mod accuracy;
mod cost;
mod data;
mod degenerate;
mod narrow;
mod oracle;
mod random;
mod robust;
mod robust_kat;
mod stress;

use duet_core::{Channel, Engine, Preprocessing, Ring, Role, Shared, Z128};
use duet_stats::secure::linear::{
    correlation_shares, decode_correlation, decode_regression, regression_shares,
    CorrelationMatrix, LinearError, LinearFit, LinearShape,
};
use futures::executor::block_on;

use data::Records;

pub use crate::engines;

/// Shares of the pooled cross block: each party aggregates its half of
/// the records, both share, and the shares are added.
pub async fn pooled<R: Ring, C: Channel, P: Preprocessing>(
    e: &mut Engine<C, P>,
    d: &Records,
) -> Result<Shared<R>, duet_core::EngineError> {
    let (first, second) = d.split();
    pooled_parts(e, &first, &second).await
}

/// Shares of the pooled cross block of `first` (P0's rows) and `second`.
pub async fn pooled_parts<R: Ring, C: Channel, P: Preprocessing>(
    e: &mut Engine<C, P>,
    first: &Records,
    second: &Records,
) -> Result<Shared<R>, duet_core::EngineError> {
    let d = first;
    let enc = |v: Vec<i128>| v.into_iter().map(R::from_i128).collect::<Vec<R>>();
    let len = d.cross_len();
    let mine = match e.role() {
        Role::P0 => enc(first.cross()),
        Role::P1 => enc(second.cross()),
    };
    let (a, b) = if e.role() == Role::P0 {
        let a = e.share_input(&mine).await?;
        let b = e.receive_input::<R>(len).await?;
        (a, b)
    } else {
        let a = e.receive_input::<R>(len).await?;
        let b = e.share_input(&mine).await?;
        (a, b)
    };
    Ok(a.add(&b).expect("same lengths"))
}

/// Which analysis to run.
#[derive(Debug, Clone, Copy)]
pub enum Analysis {
    Regression,
    Correlation,
}

/// One party: pool, compute the shares, open them (as the gate would).
pub async fn party<R: Ring, C: Channel, P: Preprocessing>(
    e: &mut Engine<C, P>,
    d: &Records,
    shape: &LinearShape,
    what: Analysis,
) -> Result<Vec<Z128>, LinearError> {
    let cross = pooled::<R, C, P>(e, d).await?;
    let shares = match what {
        Analysis::Regression => regression_shares(e, &cross, shape).await?,
        Analysis::Correlation => correlation_shares(e, &cross, shape).await?,
    };
    Ok(e.open(&shares).await?)
}

/// Both parties' opened values, checked equal.
pub fn opened<R: Ring>(seed: u64, d: &Records, what: Analysis) -> Result<Vec<Z128>, LinearError> {
    let shape = d.shape();
    let (mut e0, mut e1) = engines(seed);
    let (a, b) = block_on(futures::future::join(
        party::<R, _, _>(&mut e0, d, &shape, what),
        party::<R, _, _>(&mut e1, d, &shape, what),
    ));
    match (a, b) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "the parties opened different values");
            Ok(a)
        }
        (Err(a), Err(_)) => Err(a),
        (a, b) => panic!("one party failed: {a:?} / {b:?}"),
    }
}

/// The secure regression of `d` in ring `R`, decoded.
pub fn secure_regression<R: Ring>(seed: u64, d: &Records) -> Result<LinearFit, LinearError> {
    let v = opened::<R>(seed, d, Analysis::Regression)?;
    decode_regression(&v, &d.shape())
}

/// The secure correlation matrix of `d` in ring `R`, decoded.
pub fn secure_correlation<R: Ring>(
    seed: u64,
    d: &Records,
) -> Result<CorrelationMatrix, LinearError> {
    let v = opened::<R>(seed, d, Analysis::Correlation)?;
    decode_correlation(&v, &d.shape())
}
