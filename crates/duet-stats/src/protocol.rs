//! The two-party study: each side secret-shares its local aggregates, the
//! shares are added into pooled aggregates, the disclosure policy is applied
//! on shares, and only the released aggregates are opened.
//!
//! Messages, in order (both sides send before they receive in each round):
//! 1. `stats-hello` (72 bytes): job hash, plan length, this side's policy.
//! 2. `input` twice: each side's aggregate vector, masked (`x - r`).
//! 3. the comparison `count < threshold` for every gated cell at once
//!    (AND-triple openings and one bit opening, from duet-core's `lt`).
//! 4. `open`: one suppression bit per cell (with `suppress = "table"`:
//!    the per-statistic sums of the cell bits are compared with zero on
//!    shares first, and one bit per statistic is opened instead).
//! 5. `open`: the aggregates of every cell that is not suppressed.
//! 6. quantiles (`release::quantile`), for groups released in 5: per
//!    bisection level an `input` of each side's counts, a comparison and
//!    one opened bit per group and `p` still searching; the first level's
//!    batch also compares the extreme rule, whose bit per group and `p` is
//!    opened first.
//!
//! Every size is fixed by the job (the plan) and by the opened suppression
//! (and quantile rule) bits, never by local data, so message sizes say
//! nothing of row counts.
//!
//! What each party learns: the peer's stated policy, the suppression bit of
//! every cell (of every statistic, in table mode), and the pooled aggregates of the released cells (listed by
//! name in [`Results::revealed`]), and each released quantile (its bits);
//! nothing of the peer's own aggregates beyond what those pooled values
//! imply.

use duet_core::{Channel, ChannelError, Engine, EngineError, MsgKind, Preprocessing, Ring};
use duet_core::{Z128, Z64};

use crate::job::{hex, Job, LocalPolicy, Policy, PolicyError, Suppress};
use crate::plan::{LocalAggregates, Plan, RingChoice};
use crate::release;
use crate::results::{Results, Revealed};

/// The opening frame: job hash, plan length, the sender's policy.
pub const HELLO: MsgKind = MsgKind::new(0x0401, "stats-hello");

const HELLO_LEN: usize = 32 + 7 * 8;

/// Why a study failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// An engine operation failed (link, peer message, preprocessing).
    #[error("secure computation failed: {0}")]
    Engine(#[from] EngineError),
    /// The hello frame could not be exchanged.
    #[error("stats hello: {0}")]
    Channel(#[from] ChannelError),
    /// The peer's hello is not 88 bytes or holds an invalid policy.
    #[error("stats hello: the peer sent a malformed hello ({len} bytes)")]
    BadHello {
        /// Bytes received.
        len: usize,
    },
    /// The peer runs another job.
    #[error("the peer runs job {theirs}, this side runs {ours}")]
    JobMismatch {
        /// This side's job hash (hex).
        ours: String,
        /// The peer's job hash (hex).
        theirs: String,
    },
    /// The peer planned a different number of aggregates.
    #[error("the peer planned {theirs} aggregates, this side {ours}")]
    PlanMismatch {
        /// This side's plan length.
        ours: u64,
        /// The peer's.
        theirs: u64,
    },
    /// Local aggregates not made for this plan.
    #[error("local aggregates have {found} values, the plan {expected}")]
    LocalLength {
        /// The plan's length.
        expected: usize,
        /// The aggregates' length.
        found: usize,
    },
    /// The policy passed in loosens the job's.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// DP noise could not be planned or drawn.
    #[error(transparent)]
    Dp(#[from] crate::dp::DpError),
    /// The release gate failed.
    #[error(transparent)]
    Gate(#[from] release::GateError),
    /// An opened suppression bit is neither 0 nor 1 (a deviating peer).
    #[error("opened suppression bit {index} is not 0 or 1")]
    BadSuppressionBit {
        /// The cell.
        index: usize,
    },
}

/// What the secure part of a study opened, in plan order.
pub(crate) struct Opened {
    /// One per plan cell: withheld by a primary or secondary rule.
    pub(crate) suppressed: Vec<bool>,
    /// One per aggregate; `None` when not released as itself.
    pub(crate) values: Vec<Option<i128>>,
    /// Survival curves: released spans and why each stops.
    pub(crate) curves: Vec<release::survival::Curve>,
    /// Per released survival span: at risk, events, censored.
    pub(crate) span_values: Vec<(release::survival::Span, [i128; 3])>,
    /// Every released and withheld value with provenance and rules.
    pub(crate) record: release::DisclosureRecord,
    /// Every rule bit opened, by name.
    pub(crate) bits: Vec<(String, bool)>,
    /// Per released cross block: its regression or correlation.
    pub(crate) models: Vec<(usize, release::models::Model)>,
    /// Per released group of each quantile statistic: its quantiles.
    pub(crate) quantiles: Vec<release::quantile::QuantileOutcome>,
    /// Each released quantile by name, in grid units.
    pub(crate) quantile_values: Vec<(String, i128)>,
}

/// Runs the study for one party. Both parties call it with the same job
/// and plan; `policy` is this side's effective policy (the job's, possibly
/// tightened), and the run enforces the tighter of both sides' policies.
pub async fn run_study<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    job: &Job,
    plan: &Plan,
    policy: &Policy,
    local: &LocalAggregates,
) -> Result<Results, ProtocolError> {
    run_study_with(
        engine,
        job,
        plan,
        policy,
        local,
        &release::Earlier::default(),
    )
    .await
}

/// [`run_study`] with this side's earlier releases of the same data (from
/// its ledger), which join secondary suppression.
pub async fn run_study_with<C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    job: &Job,
    plan: &Plan,
    policy: &Policy,
    local: &LocalAggregates,
    earlier: &release::Earlier,
) -> Result<Results, ProtocolError> {
    if local.values().len() != plan.len() {
        return Err(ProtocolError::LocalLength {
            expected: plan.len(),
            found: local.values().len(),
        });
    }
    job.policy().tightened_by(&as_local(policy))?;
    let peer = hello(engine.channel(), job, plan, policy).await?;
    let enforced = policy.tighter(&peer);
    let noise = match &job.policy().dp {
        Some(dp) => Some(crate::dp::plan_noise(job, plan, dp)?),
        None => None,
    };
    let opened = match plan.ring() {
        RingChoice::Z64 => {
            gate::<Z64, C, P>(engine, job, plan, &enforced, local, noise.as_ref(), earlier).await?
        }
        RingChoice::Z128 => {
            gate::<Z128, C, P>(engine, job, plan, &enforced, local, noise.as_ref(), earlier).await?
        }
    };
    let mut revealed = revealed(&opened.bits, &opened.record);
    revealed.extend(
        opened
            .quantile_values
            .iter()
            .map(|(name, v)| Revealed::new(name.clone(), *v)),
    );
    let mut statistics = crate::stats::compute(job, plan, &opened);
    if let Some(n) = &noise {
        for (s, notes) in statistics.iter_mut().zip(&n.notes) {
            s.noise = notes.clone();
        }
    }
    Ok(Results {
        job_name: job.name().to_string(),
        job_hash: job.hash_hex(),
        ring: plan.ring(),
        policy: enforced,
        statistics,
        revealed,
        dp: noise.map(|n| n.summary),
        linkage: None,
        disclosure: opened.record,
    })
}

fn as_local(p: &Policy) -> LocalPolicy {
    LocalPolicy {
        min_cell: Some(p.min_cell),
        min_group: Some(p.min_group),
        min_cell_per_party: Some(p.per_party()),
        dominance_k: Some(p.dominance.k),
        max_params_ratio: Some(p.max_params_ratio),
        suppress: Some(p.suppress),
    }
}

/// Exchanges hellos; returns the peer's policy after checking job and plan.
async fn hello<C: Channel>(
    ch: &mut C,
    job: &Job,
    plan: &Plan,
    policy: &Policy,
) -> Result<Policy, ProtocolError> {
    let mut mine = Vec::with_capacity(HELLO_LEN);
    mine.extend_from_slice(&job.hash());
    mine.extend_from_slice(&(plan.len() as u64).to_le_bytes());
    mine.extend_from_slice(&policy.min_cell.to_le_bytes());
    mine.extend_from_slice(&policy.min_group.to_le_bytes());
    mine.extend_from_slice(&policy.max_params_ratio.to_bits().to_le_bytes());
    let table = u64::from(policy.suppress == Suppress::Table);
    mine.extend_from_slice(&table.to_le_bytes());
    mine.extend_from_slice(&policy.per_party().to_le_bytes());
    mine.extend_from_slice(&u64::from(policy.dominance.k).to_le_bytes());
    ch.send(HELLO, mine).await?;
    let theirs = ch.recv(HELLO, HELLO_LEN).await?;
    parse_hello(&theirs, job, plan.len())
}

/// Checks the peer's stats hello against our job and plan length and
/// returns the policy it states. Any bytes give a policy or a typed error
/// (fuzzed: `fuzz/fuzz_targets/stats_hello.rs`); a hello of any length but
/// 88 bytes is [`ProtocolError::BadHello`], trailing bytes included.
pub fn parse_hello(theirs: &[u8], job: &Job, plan_len: usize) -> Result<Policy, ProtocolError> {
    let bad = || ProtocolError::BadHello { len: theirs.len() };
    if theirs.len() != HELLO_LEN {
        return Err(bad());
    }
    let word = |i: usize| -> Result<u64, ProtocolError> {
        let b = theirs.get(32 + 8 * i..40 + 8 * i).ok_or_else(bad)?;
        Ok(u64::from_le_bytes(b.try_into().map_err(|_| bad())?))
    };
    let hash = theirs.get(..32).ok_or_else(bad)?;
    if hash != job.hash() {
        return Err(ProtocolError::JobMismatch {
            ours: job.hash_hex(),
            theirs: hex(hash),
        });
    }
    let (their_len, min_cell, min_group) = (word(0)?, word(1)?, word(2)?);
    if their_len != plan_len as u64 {
        return Err(ProtocolError::PlanMismatch {
            ours: plan_len as u64,
            theirs: their_len,
        });
    }
    let ratio = f64::from_bits(word(3)?);
    if !(ratio > 0.0 && ratio <= 1.0) {
        return Err(bad());
    }
    let suppress = match word(4)? {
        0 => Suppress::Cell,
        1 => Suppress::Table,
        _ => return Err(bad()),
    };
    let (per_party, k) = (word(5)?, word(6)?);
    let k = u32::try_from(k)
        .ok()
        .filter(|k| (1..=100).contains(k))
        .ok_or_else(bad)?;
    let job_policy = job.policy();
    Ok(Policy {
        min_cell,
        min_group,
        min_cell_per_party: Some(per_party),
        dominance: crate::job::Dominance {
            n: job_policy.dominance.n,
            k,
        },
        max_params_ratio: ratio,
        suppress,
        disclosure: job_policy.disclosure,
        reason: job_policy.reason.clone(),
        // The job hash, compared above, fixes the budget on both sides.
        dp: job.policy().dp,
    })
}

async fn gate<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    job: &Job,
    plan: &Plan,
    policy: &Policy,
    local: &LocalAggregates,
    noise: Option<&crate::dp::NoisePlan>,
    earlier: &release::Earlier,
) -> Result<Opened, ProtocolError> {
    let (gated, _pooled) =
        release::run::<R, C, P>(engine, job, plan, policy, local, noise, earlier)
            .await
            .map_err(|e| match e {
                release::GateError::Engine(e) => ProtocolError::Engine(e),
                e => ProtocolError::Gate(e),
            })?;
    Ok(Opened {
        suppressed: gated.withheld,
        values: gated.values,
        curves: gated.curves,
        span_values: gated.span_values,
        record: gated.record,
        bits: gated.bits,
        models: gated.models,
        quantiles: gated.quantiles,
        quantile_values: gated.quantile_values,
    })
}

/// Every value opened, by name: the rule bits, then the released values.
fn revealed(bits: &[(String, bool)], record: &release::DisclosureRecord) -> Vec<Revealed> {
    let bits = bits
        .iter()
        .map(|(name, bit)| Revealed::new(name.clone(), i128::from(*bit)));
    let values = record.released.iter().map(|r| Revealed {
        name: r.name.clone(),
        value: r.value.clone(),
    });
    bits.chain(values).collect()
}
