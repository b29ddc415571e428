//! Modes 3 and 4: receiver join, and plain intersection to the receiver.
//!
//! The receiver sends its blinded identifiers; the sender returns them
//! raised to its key *in the receiver's order* and sends its own in its
//! shuffled order; the receiver raises those and matches. The receiver
//! then knows, for each position of the sender's shuffled list, which of
//! its own rows (if any) holds the same identifier.
//!
//! What each party learns (semi-honest):
//! - the receiver: both set sizes, |X ∩ Y| and which of its own rows
//!   matched (that is, X ∩ Y as a set of its rows); nothing of the sender's
//!   other identifiers, nor the sender's row order;
//! - the sender: both set sizes only; not |X ∩ Y|, not which rows matched;
//! - from the products ([`JoinReceiver::inner_products`],
//!   [`JoinReceiver::products`], [`JoinReceiver::crosstab`]): each side only
//!   uniformly random additive shares. Sums such as `sum x_A * y_B` over
//!   the linked records never appear in the clear unless the caller opens
//!   them.
//!
//! [`intersection_receiver`] is the same exchange with no products, for
//! when the caller asks for the intersection itself; both parties must
//! choose it, so a sender never reveals more than it agreed to.

use duet_core::{Channel, Ring};
use duet_ot::OtSession;
use rand_core::{CryptoRng, RngCore};
use std::collections::HashMap;

use crate::error::{channel, check_len, ot_error, recv_exact, PsiError};
use crate::kinds;
use crate::session::{self, Mode, PsiConfig, Side};
use crate::set::PreparedSet;
use crate::stream::{receiver_exchange, sender_exchange};

/// Most levels of one category in [`JoinReceiver::crosstab`].
pub const MAX_LEVELS: usize = 1024;
/// Most cells (levels x peer levels) of one cross-tabulation.
pub const MAX_CELLS: usize = 1 << 14;

const OP_INNER: u32 = 1;
const OP_PRODUCTS: u32 = 2;
const OP_CROSSTAB: u32 = 3;
const OP_INNER_BITS: u32 = 4;

/// The two set sizes (distinct identifiers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// This side's.
    pub own_size: usize,
    /// The peer's.
    pub peer_size: usize,
}

/// The plain intersection, as the receiver's input rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Intersection {
    /// Input rows (first occurrences) whose identifier the sender has, ascending.
    pub rows: Vec<usize>,
    /// The set sizes.
    pub sizes: Sizes,
}

/// The receiver's side of a finished join, ready for products.
#[derive(Clone, Debug)]
pub struct JoinReceiver {
    positions: Vec<Option<usize>>,
    matched_rows: Vec<usize>,
    rows: usize,
    sizes: Sizes,
}

/// The sender's side of a finished join, ready for products.
#[derive(Clone, Debug)]
pub struct JoinSender {
    rows_at: Vec<usize>,
    rows: usize,
    sizes: Sizes,
}

/// Mode 3, receiver join, receiver side; products follow on the result.
///
/// Learns (semi-honest): the receiver learns both set sizes, |X ∩ Y| and
/// which of its own rows matched, nothing of the sender's other identifiers
/// nor its row order; the sender learns both set sizes only. The products
/// give each side uniformly random additive shares and nothing else.
pub async fn join_receiver<C: Channel, G: RngCore + CryptoRng>(
    ch: &mut C,
    cfg: &PsiConfig,
    set: &PreparedSet,
    rng: &mut G,
) -> Result<JoinReceiver, PsiError> {
    receiver(ch, cfg, set, rng, Mode::Join).await
}

/// Mode 3, receiver join, sender side; learns what [`join_receiver`] says.
pub async fn join_sender<C: Channel, G: RngCore + CryptoRng>(
    ch: &mut C,
    cfg: &PsiConfig,
    set: &PreparedSet,
    rng: &mut G,
) -> Result<JoinSender, PsiError> {
    sender(ch, cfg, set, rng, Mode::Join).await
}

/// Mode 4, plain intersection to the receiver: which of its rows the sender
/// also has. Both parties must ask for this mode.
///
/// Learns (semi-honest): the receiver learns both set sizes and X ∩ Y (as
/// its own rows), nothing of the sender's other identifiers; the sender
/// learns both set sizes only.
pub async fn intersection_receiver<C: Channel, G: RngCore + CryptoRng>(
    ch: &mut C,
    cfg: &PsiConfig,
    set: &PreparedSet,
    rng: &mut G,
) -> Result<Intersection, PsiError> {
    let j = receiver(ch, cfg, set, rng, Mode::Intersection).await?;
    Ok(Intersection {
        rows: j.matched_rows,
        sizes: j.sizes,
    })
}

/// Mode 4, plain intersection, sender side: it learns the set sizes only.
pub async fn intersection_sender<C: Channel, G: RngCore + CryptoRng>(
    ch: &mut C,
    cfg: &PsiConfig,
    set: &PreparedSet,
    rng: &mut G,
) -> Result<Sizes, PsiError> {
    Ok(sender(ch, cfg, set, rng, Mode::Intersection).await?.sizes)
}

async fn receiver<C: Channel, G: RngCore + CryptoRng>(
    ch: &mut C,
    cfg: &PsiConfig,
    set: &PreparedSet,
    rng: &mut G,
    mode: Mode,
) -> Result<JoinReceiver, PsiError> {
    let s = session::open(ch, cfg, mode, Side::Receiver, set, rng).await?;
    let (peer, returned) = receiver_exchange(ch, &s).await?;
    let own: HashMap<u128, usize> = returned
        .into_iter()
        .zip(&s.order)
        .filter_map(|(k, &i)| Some((k, set.row(i)?)))
        .collect();
    let positions: Vec<Option<usize>> = peer.iter().map(|k| own.get(k).copied()).collect();
    let mut matched_rows: Vec<usize> = positions.iter().flatten().copied().collect();
    matched_rows.sort_unstable();
    Ok(JoinReceiver {
        positions,
        matched_rows,
        rows: set.report().rows,
        sizes: Sizes {
            own_size: set.len(),
            peer_size: s.peer_len,
        },
    })
}

async fn sender<C: Channel, G: RngCore + CryptoRng>(
    ch: &mut C,
    cfg: &PsiConfig,
    set: &PreparedSet,
    rng: &mut G,
    mode: Mode,
) -> Result<JoinSender, PsiError> {
    let s = session::open(ch, cfg, mode, Side::Sender, set, rng).await?;
    sender_exchange(ch, &s, false).await?;
    let rows_at = s.order.iter().map(|&i| set.row(i).unwrap_or(0)).collect();
    Ok(JoinSender {
        rows_at,
        rows: set.report().rows,
        sizes: Sizes {
            own_size: set.len(),
            peer_size: s.peer_len,
        },
    })
}

/// Sends `(op, value)` and returns the peer's value after checking its op.
async fn agree<C: Channel>(ch: &mut C, op: u32, value: u32) -> Result<u32, PsiError> {
    let mut msg = op.to_le_bytes().to_vec();
    msg.extend_from_slice(&value.to_le_bytes());
    ch.send(kinds::SHAPE, msg)
        .await
        .map_err(channel("product shape"))?;
    let b = recv_exact(ch, "product shape", kinds::SHAPE, 8).await?;
    let word = |at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    if word(0) != op {
        return Err(mismatch("product", op, word(0)));
    }
    Ok(word(4))
}

fn mismatch(field: &'static str, ours: u32, theirs: u32) -> PsiError {
    PsiError::PeerMismatch {
        field,
        ours: u64::from(ours),
        theirs: u64::from(theirs),
    }
}

/// Agrees on a column count both sides must share.
async fn agree_columns<C: Channel>(ch: &mut C, op: u32, n: usize) -> Result<(), PsiError> {
    let n = u32::try_from(n).map_err(|_| too_many("columns", n, u32::MAX as usize))?;
    let peer = agree(ch, op, n).await?;
    if peer != n {
        return Err(mismatch("columns", n, peer));
    }
    Ok(())
}

/// Exchanges category level counts; returns the peer's after bounding it.
async fn agree_levels<C: Channel>(ch: &mut C, levels: usize) -> Result<usize, PsiError> {
    if levels > MAX_LEVELS {
        return Err(too_many("levels", levels, MAX_LEVELS));
    }
    let peer = agree(ch, OP_CROSSTAB, levels as u32).await? as usize;
    if peer > MAX_LEVELS || peer * levels > MAX_CELLS {
        return Err(PsiError::PeerLimit {
            what: "cross-tabulation cells",
            value: (peer * levels) as u64,
            limit: MAX_CELLS as u64,
        });
    }
    Ok(peer)
}

fn too_many(what: &'static str, found: usize, limit: usize) -> PsiError {
    PsiError::Input {
        what,
        expected: limit,
        found,
    }
}

/// One-hot column of level `a`; categories must be below `levels`.
fn one_hot<R: Ring>(categories: &[usize], a: usize) -> Vec<R> {
    categories
        .iter()
        .map(|&c| if c == a { R::ONE } else { R::ZERO })
        .collect()
}

fn check_levels(categories: &[usize], levels: usize) -> Result<(), PsiError> {
    match categories.iter().find(|&&c| c >= levels) {
        Some(&c) => Err(too_many("category level", c, levels)),
        None => Ok(()),
    }
}

impl JoinReceiver {
    /// The set sizes.
    pub fn sizes(&self) -> Sizes {
        self.sizes
    }

    /// |X ∩ Y|.
    pub fn intersection_size(&self) -> usize {
        self.matched_rows.len()
    }

    /// Input rows that matched, ascending.
    pub fn matched_rows(&self) -> &[usize] {
        &self.matched_rows
    }

    /// For each position of the sender's shuffled list, the receiver's
    /// matched row, if any: aligns the shares [`JoinReceiver::products`] returns.
    pub fn positions(&self) -> &[Option<usize>] {
        &self.positions
    }

    /// `w` (one value per input row) spread over the sender's positions, 0 where unmatched.
    fn spread<R: Ring>(&self, w: &[R]) -> Vec<R> {
        let at = |p: &Option<usize>| p.and_then(|r| w.get(r).copied());
        self.positions
            .iter()
            .map(|p| at(p).unwrap_or(R::ZERO))
            .collect()
    }

    /// Shares of `sum over matched records of w[k](row_A) * y[k](row_B)` for
    /// each pair of the receiver's weight column `weights[k]` (one value per
    /// input row) and the sender's payload column `k`.
    pub async fn inner_products<R: Ring, C: Channel>(
        &self,
        ot: &mut OtSession,
        ch: &mut C,
        weights: &[&[R]],
    ) -> Result<Vec<R>, PsiError> {
        for w in weights {
            check_len(self.rows, w.len())?;
        }
        agree_columns(ch, OP_INNER, weights.len()).await?;
        let mut out = Vec::with_capacity(weights.len());
        for w in weights {
            let v = self.spread(w);
            out.push(
                ot.inner_product_send(ch, &v)
                    .await
                    .map_err(ot_error("join inner product"))?,
            );
        }
        Ok(out)
    }

    /// As [`JoinReceiver::inner_products`] when every sender payload is 0 or
    /// 1 (indicators): one OT per element and pair instead of k.
    pub async fn inner_products_bits<R: Ring, C: Channel>(
        &self,
        ot: &mut OtSession,
        ch: &mut C,
        weights: &[&[R]],
    ) -> Result<Vec<R>, PsiError> {
        for w in weights {
            check_len(self.rows, w.len())?;
        }
        agree_columns(ch, OP_INNER_BITS, weights.len()).await?;
        let mut out = Vec::with_capacity(weights.len());
        for w in weights {
            let v = self.spread(w);
            let shares = ot
                .bit_product_send(ch, &v)
                .await
                .map_err(ot_error("join inner product of bits"))?;
            out.push(shares.into_iter().fold(R::ZERO, |a, b| a + b));
        }
        Ok(out)
    }

    /// Shares of `w(row_A) * y(row_B)` at each position of the sender's
    /// shuffled list (0 where unmatched); align them with [`JoinReceiver::positions`].
    pub async fn products<R: Ring, C: Channel>(
        &self,
        ot: &mut OtSession,
        ch: &mut C,
        weights: &[R],
    ) -> Result<Vec<R>, PsiError> {
        check_len(self.rows, weights.len())?;
        agree_columns(ch, OP_PRODUCTS, 1).await?;
        let v = self.spread(weights);
        ot.product_send(ch, &v)
            .await
            .map_err(ot_error("join products"))
    }

    /// Shares of the counts of matched records by (receiver category `a`,
    /// sender category `b`), as `out[a * peer_levels + b]`. `categories` has
    /// one level below `levels` per input row.
    pub async fn crosstab<R: Ring, C: Channel>(
        &self,
        ot: &mut OtSession,
        ch: &mut C,
        categories: &[usize],
        levels: usize,
    ) -> Result<Vec<R>, PsiError> {
        check_len(self.rows, categories.len())?;
        check_levels(categories, levels)?;
        let peer = agree_levels(ch, levels).await?;
        let mut out = Vec::with_capacity(levels * peer);
        for a in 0..levels {
            let v = self.spread(&one_hot::<R>(categories, a));
            for _ in 0..peer {
                out.push(
                    ot.inner_product_send(ch, &v)
                        .await
                        .map_err(ot_error("crosstab"))?,
                );
            }
        }
        Ok(out)
    }
}

impl JoinSender {
    /// The set sizes.
    pub fn sizes(&self) -> Sizes {
        self.sizes
    }

    /// `y` (one value per input row) in the sender's shuffled order.
    fn gather<R: Ring>(&self, y: &[R]) -> Vec<R> {
        self.rows_at
            .iter()
            .map(|&r| y.get(r).copied().unwrap_or(R::ZERO))
            .collect()
    }

    /// The sender's side of [`JoinReceiver::inner_products`]: `payloads[k]`
    /// has one value per input row.
    pub async fn inner_products<R: Ring, C: Channel>(
        &self,
        ot: &mut OtSession,
        ch: &mut C,
        payloads: &[&[R]],
    ) -> Result<Vec<R>, PsiError> {
        for y in payloads {
            check_len(self.rows, y.len())?;
        }
        agree_columns(ch, OP_INNER, payloads.len()).await?;
        let mut out = Vec::with_capacity(payloads.len());
        for y in payloads {
            let y = self.gather(y);
            out.push(
                ot.inner_product_receive(ch, &y)
                    .await
                    .map_err(ot_error("join inner product"))?,
            );
        }
        Ok(out)
    }

    /// The sender's side of [`JoinReceiver::inner_products_bits`]: every
    /// payload value is a bit.
    pub async fn inner_products_bits<R: Ring, C: Channel>(
        &self,
        ot: &mut OtSession,
        ch: &mut C,
        payloads: &[&[bool]],
    ) -> Result<Vec<R>, PsiError> {
        for y in payloads {
            check_len(self.rows, y.len())?;
        }
        agree_columns(ch, OP_INNER_BITS, payloads.len()).await?;
        let mut out = Vec::with_capacity(payloads.len());
        for y in payloads {
            let y: Vec<bool> = self
                .rows_at
                .iter()
                .map(|&r| y.get(r).copied().unwrap_or(false))
                .collect();
            let shares: Vec<R> = ot
                .bit_product_receive(ch, &y)
                .await
                .map_err(ot_error("join inner product of bits"))?;
            out.push(shares.into_iter().fold(R::ZERO, |a, b| a + b));
        }
        Ok(out)
    }

    /// The sender's side of [`JoinReceiver::products`]: shares in the
    /// sender's shuffled order; [`JoinSender::rows_at`] gives each position's row.
    pub async fn products<R: Ring, C: Channel>(
        &self,
        ot: &mut OtSession,
        ch: &mut C,
        payload: &[R],
    ) -> Result<Vec<R>, PsiError> {
        check_len(self.rows, payload.len())?;
        agree_columns(ch, OP_PRODUCTS, 1).await?;
        let y = self.gather(payload);
        ot.product_receive(ch, &y)
            .await
            .map_err(ot_error("join products"))
    }

    /// The sender's input row at each position of its shuffled list.
    pub fn rows_at(&self) -> &[usize] {
        &self.rows_at
    }

    /// The sender's side of [`JoinReceiver::crosstab`].
    pub async fn crosstab<R: Ring, C: Channel>(
        &self,
        ot: &mut OtSession,
        ch: &mut C,
        categories: &[usize],
        levels: usize,
    ) -> Result<Vec<R>, PsiError> {
        check_len(self.rows, categories.len())?;
        check_levels(categories, levels)?;
        let peer = agree_levels(ch, levels).await?;
        let columns: Vec<Vec<R>> = (0..levels)
            .map(|b| self.gather(&one_hot::<R>(categories, b)))
            .collect();
        let mut out = Vec::with_capacity(levels * peer);
        for _ in 0..peer {
            for y in &columns {
                out.push(
                    ot.inner_product_receive(ch, y)
                        .await
                        .map_err(ot_error("crosstab"))?,
                );
            }
        }
        Ok(out)
    }
}
