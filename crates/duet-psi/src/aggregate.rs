//! Modes 1 and 2, the aggregate modes: cardinality only, and intersection-sum with
//! cardinality, in the style of Ion et al. (Private Join and Compute) with
//! an OT inner product in place of Paillier.
//!
//! The sender returns the receiver's doubly blinded points sorted, so the
//! receiver can tell which positions of the *sender's* shuffled list are
//! in the intersection but not which of its own rows they match. For the
//! sum, the receiver turns that membership into a 0/1 vector `m` in the
//! sender's order, the sender permutes its column `y` by the same shuffle,
//! and duet-ot's inner product gives both sides additive shares of
//! `sum m_j y_j`, the column's sum over the intersection.
//!
//! What each party learns (semi-honest):
//! - both: the two set sizes, and the intersection size (the receiver
//!   computes it and tells the sender);
//! - [`SumReveal::Open`]: both learn the sum; [`SumReveal::Shares`]: each
//!   holds a uniformly random share of it and learns nothing more;
//! - the receiver also sees *which positions of the sender's shuffled list*
//!   matched: a uniformly random subset of the size of the intersection,
//!   so its view depends on how many rows matched, not on which;
//! - neither learns the other's identifiers, nor which of its own rows
//!   matched.

use duet_core::{Channel, Ring};
use duet_ot::OtSession;
use rand_core::{CryptoRng, RngCore};
use std::collections::HashSet;

use crate::error::{channel, check_len, ot_error, recv_exact, recv_u64, PsiError};
use crate::kinds;
use crate::session::{self, Mode, PsiConfig, Session, Side};
use crate::set::PreparedSet;
use crate::stream::{receiver_exchange, sender_exchange};

/// The result of the cardinality mode, the same on both sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cardinality {
    /// |X ∩ Y|.
    pub intersection: usize,
    /// This side's number of distinct identifiers.
    pub own_size: usize,
    /// The peer's.
    pub peer_size: usize,
}

/// Whether the intersection-sum is opened to both or left in shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SumReveal {
    /// Each side gets an additive share (for further computation).
    Shares,
    /// Both sides learn the sum.
    Open,
}

/// The result of intersection-sum for one side.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct IntersectionSum<R: Ring> {
    /// Sizes and |X ∩ Y|.
    pub cardinality: Cardinality,
    /// This side's additive share of the sum.
    pub share: R,
    /// The sum, if it was opened.
    pub sum: Option<R>,
}

impl<R: Ring> core::fmt::Debug for IntersectionSum<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IntersectionSum")
            .field("cardinality", &self.cardinality)
            .field("share", &"<share>")
            .field("sum", &self.sum)
            .finish()
    }
}

/// Mode 1, cardinality only, receiver side: the receiver counts the
/// matches and tells the sender.
///
/// Learns (semi-honest): both parties learn both set sizes and |X ∩ Y|, and
/// nothing else; neither learns any identifier of the other or which of its
/// own rows matched. The sender's knowledge of |X ∩ Y| rests on the
/// receiver reporting it honestly (it is checked against min(|X|, |Y|)).
pub async fn cardinality_receiver<C: Channel, G: RngCore + CryptoRng>(
    ch: &mut C,
    cfg: &PsiConfig,
    set: &PreparedSet,
    rng: &mut G,
) -> Result<Cardinality, PsiError> {
    let s = session::open(ch, cfg, Mode::Cardinality, Side::Receiver, set, rng).await?;
    let mask = receiver_mask(ch, &s).await?;
    send_count(ch, &s, &mask).await
}

/// Mode 1, cardinality only, sender side; learns what
/// [`cardinality_receiver`] says.
pub async fn cardinality_sender<C: Channel, G: RngCore + CryptoRng>(
    ch: &mut C,
    cfg: &PsiConfig,
    set: &PreparedSet,
    rng: &mut G,
) -> Result<Cardinality, PsiError> {
    let s = session::open(ch, cfg, Mode::Cardinality, Side::Sender, set, rng).await?;
    sender_exchange(ch, &s, true).await?;
    recv_count(ch, &s).await
}

/// Mode 2, intersection-sum with cardinality, receiver side: shares (or the
/// value) of the sum of the sender's column over X ∩ Y, and |X ∩ Y|. `ot`
/// must be set up with the sender.
///
/// Learns (semi-honest): both parties learn both set sizes and |X ∩ Y|;
/// with [`SumReveal::Open`] both learn the sum, with [`SumReveal::Shares`]
/// each holds a uniformly random share. The receiver also sees which
/// positions of the sender's shuffled list matched, a uniformly random
/// subset of size |X ∩ Y|: its view depends on how many rows matched, not
/// which. Neither learns the other's identifiers or which of its own rows
/// matched.
pub async fn intersection_sum_receiver<R: Ring, C: Channel, G: RngCore + CryptoRng>(
    ch: &mut C,
    ot: &mut OtSession,
    cfg: &PsiConfig,
    set: &PreparedSet,
    reveal: SumReveal,
    rng: &mut G,
) -> Result<IntersectionSum<R>, PsiError> {
    let s = session::open(ch, cfg, sum_mode(reveal), Side::Receiver, set, rng).await?;
    let mask = receiver_mask(ch, &s).await?;
    let cardinality = send_count(ch, &s, &mask).await?;
    let m: Vec<R> = mask
        .iter()
        .map(|&b| if b { R::ONE } else { R::ZERO })
        .collect();
    drop(mask);
    let step = "intersection-sum product";
    let share = ot
        .inner_product_send(ch, &m)
        .await
        .map_err(ot_error(step))?;
    finish(ch, cardinality, share, reveal).await
}

/// Mode 2, intersection-sum, sender side; learns what
/// [`intersection_sum_receiver`] says. `values[row]` is the column for input
/// row `row` of `set` (rows left out by the set's policy are ignored).
pub async fn intersection_sum_sender<R: Ring, C: Channel, G: RngCore + CryptoRng>(
    ch: &mut C,
    ot: &mut OtSession,
    cfg: &PsiConfig,
    set: &PreparedSet,
    values: &[R],
    reveal: SumReveal,
    rng: &mut G,
) -> Result<IntersectionSum<R>, PsiError> {
    check_len(set.report().rows, values.len())?;
    let s = session::open(ch, cfg, sum_mode(reveal), Side::Sender, set, rng).await?;
    sender_exchange(ch, &s, true).await?;
    let cardinality = recv_count(ch, &s).await?;
    let y = permuted(&s, values);
    let step = "intersection-sum product";
    let share = ot
        .inner_product_receive(ch, &y)
        .await
        .map_err(ot_error(step))?;
    finish(ch, cardinality, share, reveal).await
}

fn sum_mode(reveal: SumReveal) -> Mode {
    match reveal {
        SumReveal::Shares => Mode::SumShared,
        SumReveal::Open => Mode::SumOpened,
    }
}

/// `values` of the identifiers in the session's shuffled order.
fn permuted<R: Ring>(s: &Session<'_>, values: &[R]) -> Vec<R> {
    let at = |i: usize| s.set.row(i).and_then(|r| values.get(r)).copied();
    s.order.iter().map(|&i| at(i).unwrap_or(R::ZERO)).collect()
}

/// Which of the sender's positions hold an identifier the receiver has.
async fn receiver_mask<C: Channel>(ch: &mut C, s: &Session<'_>) -> Result<Vec<bool>, PsiError> {
    let (peer, returned) = receiver_exchange(ch, s).await?;
    let own: HashSet<u128> = returned.into_iter().collect();
    Ok(peer.iter().map(|k| own.contains(k)).collect())
}

async fn send_count<C: Channel>(
    ch: &mut C,
    s: &Session<'_>,
    mask: &[bool],
) -> Result<Cardinality, PsiError> {
    let intersection = mask.iter().filter(|&&b| b).count();
    ch.send(kinds::COUNT, (intersection as u64).to_le_bytes().to_vec())
        .await
        .map_err(channel("count"))?;
    Ok(Cardinality {
        intersection,
        own_size: s.set.len(),
        peer_size: s.peer_len,
    })
}

async fn recv_count<C: Channel>(ch: &mut C, s: &Session<'_>) -> Result<Cardinality, PsiError> {
    let count = recv_u64(ch, "count", kinds::COUNT).await?;
    let limit = s.set.len().min(s.peer_len) as u64;
    if count > limit {
        return Err(PsiError::PeerCount { count, limit });
    }
    Ok(Cardinality {
        intersection: count as usize,
        own_size: s.set.len(),
        peer_size: s.peer_len,
    })
}

/// Opens the sum if asked: each side sends its share.
async fn finish<R: Ring, C: Channel>(
    ch: &mut C,
    cardinality: Cardinality,
    share: R,
    reveal: SumReveal,
) -> Result<IntersectionSum<R>, PsiError> {
    let sum = match reveal {
        SumReveal::Shares => None,
        SumReveal::Open => {
            ch.send(kinds::SUM_OPEN, duet_core::wire::encode_ring(&[share]))
                .await
                .map_err(channel("open sum"))?;
            let bytes = recv_exact(ch, "open sum", kinds::SUM_OPEN, R::BYTES).await?;
            Some(share + R::read_le(&bytes))
        }
    };
    Ok(IntersectionSum {
        cardinality,
        share,
        sum,
    })
}
