//! One call for a whole study on a connected engine: link first when the
//! job is a linked study, then the secure aggregates, disclosure control,
//! DP noise and openings of [`run_study`], then the per-record fits.

use core::fmt;

use duet_core::{Channel, Engine, Preprocessing};
use rand_core::{CryptoRng, RngCore};

use crate::data::LinkLog;
use crate::job::Job;
use crate::linked::{link, summary, LinkError};
use crate::per_record::{fit_all, FitError, Source};
use crate::prepare::{Prepared, StudyInput};
use crate::protocol::{run_study_with, ProtocolError};
use crate::release::Earlier;
use crate::results::Results;
use crate::robust::{robust_all, RobustError};

/// Why a study failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StudyError {
    /// The record linkage failed.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// The secure aggregation failed.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// A per-record fit failed.
    #[error(transparent)]
    Fit(#[from] FitError),
    /// A robust standard error pass failed.
    #[error(transparent)]
    Robust(#[from] RobustError),
}

/// What a study gave this side: the results (the same on both sides) and,
/// in a linked study, this side's private facts of the linkage.
#[derive(Debug)]
pub struct Studied {
    /// The released results.
    pub results: Results,
    /// This side's linkage log (linked studies).
    pub link: Option<LinkLog>,
}

/// A step of a study, reported as it begins by [`run_prepared_with`]: the
/// long ones (a linkage, a fit on per-record shares) are worth showing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Phase {
    /// The private join of a linked study.
    Linking,
    /// The secure aggregates, their disclosure checks and openings.
    Aggregates,
    /// A regression fitted on per-record shares (or opened iterates).
    Fit {
        /// The statistic's label.
        statistic: String,
    },
    /// A regression's robust standard errors, from per-record shares.
    RobustErrors {
        /// The statistic's label.
        statistic: String,
    },
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Phase::Linking => f.write_str("linking the records (private join)"),
            Phase::Aggregates => f.write_str("secure aggregates and disclosure checks"),
            Phase::Fit { statistic } => write!(f, "fitting {statistic}"),
            Phase::RobustErrors { statistic } => {
                write!(f, "robust standard errors of {statistic}")
            }
        }
    }
}

/// Runs `prepared` (from [`crate::prepare`]) for this side. Both sides call
/// it with the same job and `session_id` (the link's, so every sub-protocol
/// is bound to this run); `rng` seeds the join's secrets (the OS generator
/// in real runs).
pub async fn run_prepared<C: Channel, P: Preprocessing, G: RngCore + CryptoRng>(
    engine: &mut Engine<C, P>,
    session_id: [u8; 32],
    job: &Job,
    prepared: &Prepared,
    rng: &mut G,
) -> Result<Studied, StudyError> {
    run_prepared_with(engine, session_id, job, prepared, rng, &|_| {}).await
}

/// [`run_prepared`], calling `on_phase` as each [`Phase`] begins (for a
/// progress display; both sides pass through the same phases).
pub async fn run_prepared_with<C: Channel, P: Preprocessing, G: RngCore + CryptoRng>(
    engine: &mut Engine<C, P>,
    session_id: [u8; 32],
    job: &Job,
    prepared: &Prepared,
    rng: &mut G,
    on_phase: &(dyn Fn(Phase) + Sync),
) -> Result<Studied, StudyError> {
    let (plan, policy) = (&prepared.plan, &prepared.policy);
    match &prepared.input {
        StudyInput::Pooled {
            aggregates,
            records,
        } => {
            let none = Earlier::default();
            let earlier = prepared.ledger.as_ref().map_or(&none, |l| &l.earlier);
            on_phase(Phase::Aggregates);
            let mut results =
                run_study_with(engine, job, plan, policy, aggregates, earlier).await?;
            if let Some(records) = records {
                let source = Source::Pooled(records);
                fit_all(engine, job, &mut results, source, on_phase).await?;
                robust_all(
                    engine,
                    job,
                    plan,
                    aggregates,
                    records,
                    &mut results,
                    on_phase,
                )
                .await?;
            }
            Ok(Studied {
                results,
                link: None,
            })
        }
        StudyInput::Linked(records) => {
            let role = engine.role();
            on_phase(Phase::Linking);
            let mut linked =
                link(engine.channel(), session_id, job, plan, role, records, rng).await?;
            let none = Earlier::default();
            let earlier = prepared.ledger.as_ref().map_or(&none, |l| &l.earlier);
            let aggregates = &linked.aggregates;
            on_phase(Phase::Aggregates);
            let mut results =
                run_study_with(engine, job, plan, policy, aggregates, earlier).await?;
            results.linkage = Some(summary(job, role, &linked, &results));
            let source = Source::Linked {
                records,
                join: &linked.join,
                ot: &mut linked.ot,
            };
            fit_all(engine, job, &mut results, source, on_phase).await?;
            let r = &linked.report;
            let link = Some(LinkLog {
                distinct_ids: r.unique as u64,
                duplicate_rows: r.duplicate_rows.len() as u64,
                empty_rows: r.empty_rows.len() as u64,
                linked: linked.matched.map(|m| m as u64),
            });
            Ok(Studied { results, link })
        }
    }
}
