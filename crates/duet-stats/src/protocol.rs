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
//!
//! Every size is fixed by the job (the plan) and by the opened suppression
//! bits, never by local data, so message sizes say nothing of row counts.
//!
//! What each party learns: the peer's stated policy, the suppression bit of
//! every cell (of every statistic, in table mode), and the pooled aggregates of the released cells (listed by
//! name in [`Results::revealed`]); nothing of the peer's own aggregates
//! beyond what those pooled values imply.

use duet_core::{Channel, ChannelError, Engine, EngineError, MsgKind, Preprocessing, Ring, Shared};
use duet_core::{Z128, Z64};

use crate::job::{hex, Job, LocalPolicy, Policy, PolicyError, Suppress};
use crate::plan::{LocalAggregates, Plan, RingChoice};
use crate::results::{Results, Revealed};

/// The opening frame: job hash, plan length, the sender's policy.
pub const HELLO: MsgKind = MsgKind::new(0x0401, "stats-hello");

const HELLO_LEN: usize = 32 + 5 * 8;

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
    /// The peer's hello is not 72 bytes or holds an invalid policy.
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
    /// An opened suppression bit is neither 0 nor 1 (a deviating peer).
    #[error("opened suppression bit {index} is not 0 or 1")]
    BadSuppressionBit {
        /// The cell.
        index: usize,
    },
}

/// What the secure part of a study opened, in plan order.
pub(crate) struct Opened {
    /// One per gated cell.
    pub(crate) suppressed: Vec<bool>,
    /// One per aggregate; `None` when its cell is suppressed.
    pub(crate) values: Vec<Option<i128>>,
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
            open_pooled::<Z64, C, P>(engine, plan, &enforced, local, noise.as_ref()).await?
        }
        RingChoice::Z128 => {
            open_pooled::<Z128, C, P>(engine, plan, &enforced, local, noise.as_ref()).await?
        }
    };
    let revealed = revealed(plan, &opened, enforced.suppress);
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
    })
}

fn as_local(p: &Policy) -> LocalPolicy {
    LocalPolicy {
        min_cell: Some(p.min_cell),
        min_group: Some(p.min_group),
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
    ch.send(HELLO, mine).await?;
    let theirs = ch.recv(HELLO, HELLO_LEN).await?;
    let bad = || ProtocolError::BadHello { len: theirs.len() };
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
    let (plan_len, min_cell, min_group) = (word(0)?, word(1)?, word(2)?);
    if plan_len != plan.len() as u64 {
        return Err(ProtocolError::PlanMismatch {
            ours: plan.len() as u64,
            theirs: plan_len,
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
    Ok(Policy {
        min_cell,
        min_group,
        max_params_ratio: ratio,
        suppress,
        // The job hash, compared above, fixes the budget on both sides.
        dp: job.policy().dp,
    })
}

fn gather<R: Ring>(x: &Shared<R>, idx: impl Iterator<Item = usize>) -> Shared<R> {
    let s = x.shares();
    Shared::from_shares(idx.filter_map(|i| s.get(i).copied()).collect())
}

/// Shares, gates and opens; returns what was opened.
async fn open_pooled<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    plan: &Plan,
    policy: &Policy,
    local: &LocalAggregates,
    noise: Option<&crate::dp::NoisePlan>,
) -> Result<Opened, ProtocolError> {
    let mine = engine.share_input(&local.to_ring::<R>()).await?;
    let theirs = engine.receive_input::<R>(plan.len()).await?;
    let length = |source| EngineError::Length {
        step: "pooling",
        source,
    };
    let mut pooled = mine.add(&theirs).map_err(length)?;
    if let Some(n) = noise {
        // Own noise onto own share, before any comparison or opening:
        // suppression then decides on noisy counts (post-processing).
        let draw = n.draw::<R, _>(&mut engine.private_rng())?;
        pooled = pooled.add(&Shared::from_shares(draw)).map_err(length)?;
    }
    let gates = plan
        .blocks()
        .iter()
        .flat_map(|b| (0..b.cells).map(move |c| b.offset + c * b.width));
    let counts = gather(&pooled, gates);
    // Every count is below 2^62 (the planner's bound), so clamping the
    // threshold there keeps count - threshold exact and the answer unchanged.
    let cap = 1u64 << 62;
    let thr: Vec<R> = plan
        .thresholds(policy)
        .iter()
        .map(|&t| R::from_u64(t.min(cap)))
        .collect();
    let below = engine.lt(&counts, &engine.constant(&thr)).await?;
    let suppressed = match policy.suppress {
        Suppress::Cell => to_bits(&engine.open(&below).await?)?,
        Suppress::Table => table_bits(engine, plan, &below).await?,
    };
    let released = released_indices(plan, &suppressed);
    let opened = engine
        .open(&gather(&pooled, released.iter().copied()))
        .await?;
    let mut values = vec![None; plan.len()];
    for (&i, v) in released.iter().zip(opened) {
        if let Some(slot) = values.get_mut(i) {
            *slot = Some(v.to_i128());
        }
    }
    Ok(Opened { suppressed, values })
}

/// Table mode: per statistic, `0 < sum of its cells' bits` on shares;
/// opens one bit per statistic and spreads it over the statistic's cells.
async fn table_bits<R: Ring, C: Channel, P: Preprocessing>(
    engine: &mut Engine<C, P>,
    plan: &Plan,
    below: &Shared<R>,
) -> Result<Vec<bool>, ProtocolError> {
    let mut sums = Vec::with_capacity(plan.blocks().len());
    let mut at = 0;
    for b in plan.blocks() {
        let cells = below.shares().get(at..at + b.cells).unwrap_or(&[]);
        sums.push(cells.iter().fold(R::ZERO, |acc, &v| acc + v));
        at += b.cells;
    }
    let sums = Shared::from_shares(sums);
    let zeros = engine.constant(&vec![R::ZERO; sums.len()]);
    let any = engine.lt(&zeros, &sums).await?;
    let per_block = to_bits(&engine.open(&any).await?)?;
    Ok(plan
        .blocks()
        .iter()
        .zip(per_block)
        .flat_map(|(b, bit)| std::iter::repeat_n(bit, b.cells))
        .collect())
}

fn to_bits<R: Ring>(opened: &[R]) -> Result<Vec<bool>, ProtocolError> {
    opened
        .iter()
        .enumerate()
        .map(|(index, v)| match v.to_u128() {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(ProtocolError::BadSuppressionBit { index }),
        })
        .collect()
}

/// Indices of every aggregate of every cell that is not suppressed.
fn released_indices(plan: &Plan, suppressed: &[bool]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut cell = 0;
    for b in plan.blocks() {
        for c in 0..b.cells {
            if !suppressed.get(cell).copied().unwrap_or(true) {
                let start = b.offset + c * b.width;
                out.extend(start..start + b.width);
            }
            cell += 1;
        }
    }
    out
}

/// Every value opened, by name: suppression bits, then released aggregates.
fn revealed(plan: &Plan, opened: &Opened, mode: Suppress) -> Vec<Revealed> {
    let mut out = Vec::new();
    let mut cell = 0;
    for b in plan.blocks() {
        for c in 0..b.cells {
            let bit = opened.suppressed.get(cell).copied().unwrap_or(true);
            if mode == Suppress::Cell || c == 0 {
                out.push(Revealed::new(b.bit_name(c, mode), i128::from(bit)));
            }
            cell += 1;
        }
    }
    for b in plan.blocks() {
        for c in 0..b.cells {
            for e in 0..b.width {
                let at = b.offset + c * b.width + e;
                if let Some(Some(v)) = opened.values.get(at) {
                    out.push(Revealed::new(b.value_name(c, e), *v));
                }
            }
        }
    }
    out
}
