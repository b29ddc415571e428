//! Linked studies: each side holds different columns about the same
//! people. The files are joined by duet-psi's receiver join, and every
//! aggregate of the plan becomes, on shares, a sum over linked records of a
//! receiver factor times a sender factor (the private `atoms` module):
//! - aggregates of the receiver's columns only are summed locally by the
//!   receiver over its matched rows (the sender adds 0);
//! - every other aggregate is an OT inner product of the receiver's
//!   per-row factors (0 on unmatched rows) with the sender's, so cross-party
//!   sums such as `sum x_A * y_B` exist only as shares.
//!
//! The result is one vector of additive shares per side, in plan order,
//! handed to [`crate::run_study`] exactly like a pooled study's local
//! aggregates: the disclosure policy, DP noise and openings are the same.
//!
//! What each side learns from the linkage itself: the receiver, both set
//! sizes and which of its own rows matched (so the linked count); the
//! sender, both set sizes only. Neither learns the other's identifiers or
//! values; the sender's rows never leave it except as OT messages.

mod atoms;

use duet_core::{Channel, Ring, Role, Z128, Z64};
use duet_ot::{OtError, OtSession};
use duet_psi::{
    join_receiver, join_sender, Duplicates, JoinReceiver, JoinSender, Normalizer, PreparedSet,
    PsiConfig, PsiError, SetReport, Sizes,
};
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::data::{read_records, DataError, LoadLog};
use crate::job::{Job, LinkDuplicates, LocalConfig};
use crate::plan::{LocalAggregates, Plan, RingChoice};
use crate::results::{LinkageSummary, Results};

/// Aggregates sent through OT in one call (bounds the weight buffers).
const OT_BATCH: usize = 64;

/// Why linking failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// The job has no `[link]` section.
    #[error("the job is not a linked study (no [link] section)")]
    NotLinked,
    /// The identifiers could not be prepared (duplicate or empty).
    #[error("{file}: identifiers: {source}")]
    Identifiers {
        /// The CSV.
        file: String,
        /// What duet-psi refused.
        source: PsiError,
    },
    /// The join protocol failed.
    #[error("record linkage (private join): {0}")]
    Join(#[from] PsiError),
    /// OT setup failed.
    #[error("record linkage (OT setup): {0}")]
    Ot(#[from] OtError),
}

/// One side's rows held in memory, for a linked study (the join needs
/// them twice) or a per-record fit: values per job column (the peer's
/// columns 0 in a linked study) and the normalised identifier of each row
/// (empty in a pooled study). Private; zeroized on drop.
pub struct Records {
    values: Vec<i64>,
    width: usize,
    ids: Vec<Vec<u8>>,
    file: String,
    set: Option<PreparedSet>,
}

impl core::fmt::Debug for Records {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Records({} rows, redacted)", self.ids.len())
    }
}

impl Drop for Records {
    fn drop(&mut self) {
        self.values.zeroize();
        self.ids.iter_mut().for_each(|i| i.zeroize());
    }
}

impl Records {
    /// Rows loaded.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no row was loaded.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub(crate) fn rows(&self) -> impl Iterator<Item = &[i64]> {
        self.values.chunks(self.width.max(1))
    }

    pub(crate) fn row(&self, r: usize) -> &[i64] {
        let w = self.width;
        self.values.get(r * w..(r + 1) * w).unwrap_or(&[])
    }
}

/// Loads this side's CSV into memory: its own columns, checked as in a
/// streaming load, and (in a linked study) its identifier columns,
/// normalised as the job says.
pub fn load_records(job: &Job, local: &LocalConfig) -> Result<(Records, LoadLog), DataError> {
    let file = local.csv.display().to_string();
    let reader = std::fs::File::open(&local.csv).map_err(|source| DataError::Io {
        file: file.clone(),
        source,
    })?;
    let norm = normalizer(job);
    let width = job.columns().len();
    let mut rows = Records {
        values: Vec::new(),
        width,
        ids: Vec::new(),
        file: file.clone(),
        set: None,
    };
    let mut lines = Vec::new();
    let log = read_records(reader, &file, job, local, |row, ids, line| {
        rows.values.extend_from_slice(row);
        rows.ids.push(norm.composite(ids));
        lines.push(line);
    })?;
    if let Some(link) = job.link() {
        // Checked here, before any connection: a bad identifier is bad input.
        let line = |r: usize| lines.get(r).copied().unwrap_or(0);
        let set =
            PreparedSet::new(rows.ids.iter(), set_policy(link.duplicates)).map_err(
                |e| match e {
                    PsiError::DuplicateIdentifier { row, first_row } => {
                        DataError::DuplicateIdentifier {
                            file: file.clone(),
                            line: line(row),
                            first_line: line(first_row),
                        }
                    }
                    PsiError::EmptyIdentifier { row } => DataError::EmptyIdentifier {
                        file: file.clone(),
                        line: line(row),
                    },
                    other => DataError::Malformed {
                        file: file.clone(),
                        line: 0,
                        message: other.to_string(),
                    },
                },
            )?;
        rows.set = Some(set);
    }
    Ok((rows, log))
}

fn set_policy(d: LinkDuplicates) -> duet_psi::Policy {
    duet_psi::Policy {
        duplicates: match d {
            LinkDuplicates::Reject => Duplicates::Reject,
            LinkDuplicates::KeepFirst => Duplicates::KeepFirst,
        },
        ..Default::default()
    }
}

fn normalizer(job: &Job) -> Normalizer {
    let n = job.link().map(|l| l.normalize).unwrap_or_default();
    Normalizer::exact()
        .trim(n.trim)
        .collapse_whitespace(n.collapse_whitespace)
        .case_fold(n.lowercase)
        .nfc(n.nfc)
}

/// This side's finished join, kept for per-record products.
#[derive(Debug)]
pub enum Join {
    /// The receiver's.
    Receiver(JoinReceiver),
    /// The sender's.
    Sender(JoinSender),
}

/// What linking produced on one side.
pub struct Linked {
    /// This side's shares of the plan's aggregates over linked records.
    pub aggregates: LocalAggregates,
    /// Both set sizes (distinct identifiers).
    pub sizes: Sizes,
    /// Linked records, known to the receiver only.
    pub matched: Option<usize>,
    /// Rows left out as duplicates or empty identifiers (local).
    pub report: SetReport,
    /// The join, for per-record products.
    pub join: Join,
    /// The join's OT session (the same pairing continues).
    pub ot: OtSession,
}

impl core::fmt::Debug for Linked {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Linked({:?}, redacted)", self.sizes)
    }
}

/// Runs the join and the OT inner products; both sides call it with the
/// same job, plan and session id, on the link, before the study.
pub async fn link<C: Channel, G: RngCore + CryptoRng>(
    ch: &mut C,
    session_id: [u8; 32],
    job: &Job,
    plan: &Plan,
    role: Role,
    rows: &Records,
    rng: &mut G,
) -> Result<Linked, LinkError> {
    match plan.ring() {
        RingChoice::Z64 => link_in::<Z64, C, G>(ch, session_id, job, plan, role, rows, rng).await,
        RingChoice::Z128 => link_in::<Z128, C, G>(ch, session_id, job, plan, role, rows, rng).await,
    }
}

async fn link_in<R: Ring, C: Channel, G: RngCore + CryptoRng>(
    ch: &mut C,
    session_id: [u8; 32],
    job: &Job,
    plan: &Plan,
    role: Role,
    rows: &Records,
    rng: &mut G,
) -> Result<Linked, LinkError> {
    let link = job.link().ok_or(LinkError::NotLinked)?;
    // Its own sub-session: the join's OT is independent of the engine's.
    let session_id: [u8; 32] = Sha256::new()
        .chain_update(b"duet-stats/link/v1")
        .chain_update(session_id)
        .finalize()
        .into();
    let receiver = link.receiver.role();
    let ext = job.ot_extension().extension();
    let built;
    let set = match &rows.set {
        Some(s) => s,
        None => {
            built = PreparedSet::new(rows.ids.iter(), set_policy(link.duplicates)).map_err(
                |source| LinkError::Identifiers {
                    file: rows.file.clone(),
                    source,
                },
            )?;
            &built
        }
    };
    let cfg = PsiConfig::new(session_id, job.data().max_rows);
    let forms = Forms::of(job, plan, role);
    let mut values = vec![0i128; plan.len()];
    let (sizes, matched, join, ot) = if role == receiver {
        let j = join_receiver(ch, &cfg, set, rng).await?;
        let mut ot = OtSession::setup_with(ch, role, session_id, ext, rng).await?;
        for (idx, atoms) in &forms.local {
            let a: Vec<&atoms::Atom> = atoms.iter().collect();
            let sum = j.matched_rows().iter().fold(0i128, |acc, &r| {
                acc.wrapping_add(atoms::product(&a, rows.row(r)))
            });
            if let Some(slot) = values.get_mut(*idx) {
                *slot = sum;
            }
        }
        for batch in forms.shared.chunks(OT_BATCH) {
            let mut w = factors::<R>(batch, rows);
            let refs: Vec<&[R]> = w.iter().map(Vec::as_slice).collect();
            let shares = j.inner_products(&mut ot, ch, &refs).await;
            w.iter_mut().for_each(|v| v.zeroize());
            place(&mut values, batch, &shares?);
        }
        for batch in forms.shared_bits.chunks(OT_BATCH) {
            let mut w = factors::<R>(batch, rows);
            let refs: Vec<&[R]> = w.iter().map(Vec::as_slice).collect();
            let shares = j.inner_products_bits(&mut ot, ch, &refs).await;
            w.iter_mut().for_each(|v| v.zeroize());
            place(&mut values, batch, &shares?);
        }
        let (sizes, matched) = (j.sizes(), Some(j.intersection_size()));
        (sizes, matched, Join::Receiver(j), ot)
    } else {
        let j = join_sender(ch, &cfg, set, rng).await?;
        let mut ot = OtSession::setup_with(ch, role, session_id, ext, rng).await?;
        for batch in forms.shared.chunks(OT_BATCH) {
            let mut y = factors::<R>(batch, rows);
            let refs: Vec<&[R]> = y.iter().map(Vec::as_slice).collect();
            let shares = j.inner_products(&mut ot, ch, &refs).await;
            y.iter_mut().for_each(|v| v.zeroize());
            place(&mut values, batch, &shares?);
        }
        for batch in forms.shared_bits.chunks(OT_BATCH) {
            let mut y = bit_factors(batch, rows);
            let refs: Vec<&[bool]> = y.iter().map(Vec::as_slice).collect();
            let shares: Result<Vec<R>, _> = j.inner_products_bits(&mut ot, ch, &refs).await;
            y.iter_mut().for_each(|v| v.zeroize());
            place(&mut values, batch, &shares?);
        }
        (j.sizes(), None, Join::Sender(j), ot)
    };
    Ok(Linked {
        aggregates: LocalAggregates::from_values(values),
        sizes,
        matched,
        report: set.report().clone(),
        join,
        ot,
    })
}

/// This side's factor of each aggregate, one per row.
fn factors<R: Ring>(batch: &[(usize, Vec<atoms::Atom>)], rows: &Records) -> Vec<Vec<R>> {
    batch
        .iter()
        .map(|(_, atoms)| {
            let a: Vec<&atoms::Atom> = atoms.iter().collect();
            rows.rows()
                .map(|row| R::from_i128(atoms::product(&a, row)))
                .collect()
        })
        .collect()
}

/// The sender's 0/1 factors (products of indicators), one per row.
fn bit_factors(batch: &[(usize, Vec<atoms::Atom>)], rows: &Records) -> Vec<Vec<bool>> {
    batch
        .iter()
        .map(|(_, atoms)| {
            let a: Vec<&atoms::Atom> = atoms.iter().collect();
            rows.rows()
                .map(|row| atoms::product(&a, row) == 1)
                .collect()
        })
        .collect()
}

fn place<R: Ring>(values: &mut [i128], batch: &[(usize, Vec<atoms::Atom>)], shares: &[R]) {
    for ((idx, _), s) in batch.iter().zip(shares) {
        if let Some(slot) = values.get_mut(*idx) {
            *slot = s.to_i128();
        }
    }
}

/// The plan's aggregates split by who computes them: the receiver alone
/// (its atoms only; empty on the sender), or an inner product (with this
/// side's atoms), in plan order on both sides. Inner products whose sender
/// factor is a product of indicators go by the one-OT-per-element path.
struct Forms {
    local: Vec<(usize, Vec<atoms::Atom>)>,
    shared: Vec<(usize, Vec<atoms::Atom>)>,
    shared_bits: Vec<(usize, Vec<atoms::Atom>)>,
}

impl Forms {
    fn of(job: &Job, plan: &Plan, role: Role) -> Forms {
        let receiver = job.link().map_or(Role::P0, |l| l.receiver.role());
        let sender = receiver.peer();
        let mut forms = Forms {
            local: Vec::new(),
            shared: Vec::new(),
            shared_bits: Vec::new(),
        };
        for b in plan.blocks() {
            for cell in 0..b.cells {
                for e in 0..b.width {
                    let idx = b.offset + cell * b.width + e;
                    let all = atoms::element(b, cell, e);
                    let mine: Vec<atoms::Atom> = atoms::of_side(job, &all, role)
                        .into_iter()
                        .cloned()
                        .collect();
                    let theirs = atoms::of_side(job, &all, sender);
                    if theirs.is_empty() {
                        if role == receiver {
                            forms.local.push((idx, mine));
                        }
                    } else if theirs.iter().all(|a| a.is_indicator()) {
                        forms.shared_bits.push((idx, mine));
                    } else {
                        forms.shared.push((idx, mine));
                    }
                }
            }
        }
        forms
    }
}

/// The linkage section of the results.
pub fn summary(job: &Job, role: Role, linked: &Linked, results: &Results) -> LinkageSummary {
    let receiver = job.link().map_or(Role::P0, |l| l.receiver.role());
    let (own, peer) = (linked.sizes.own_size as u64, linked.sizes.peer_size as u64);
    let (receiver_records, sender_records) = if role == receiver {
        (own, peer)
    } else {
        (peer, own)
    };
    LinkageSummary {
        receiver: job.party(receiver).name.clone(),
        sender: job.party(receiver.peer()).name.clone(),
        receiver_records,
        sender_records,
        linked: released_count(results),
        receiver_learnt: "both set sizes and which of its own records linked (so the number linked); nothing of the sender's identifiers or values".into(),
        sender_learnt: "both set sizes only; not which records linked nor how many (beyond the released counts)".into(),
    }
}

/// The first released overall count (a `count` with no grouping).
fn released_count(results: &Results) -> Option<u64> {
    results
        .statistics
        .iter()
        .filter(|s| s.kind == "count")
        .find_map(|s| match s.cells() {
            Some([c]) if c.cell == "all" => c.n,
            _ => None,
        })
}
