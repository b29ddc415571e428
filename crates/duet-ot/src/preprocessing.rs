//! [`OtPreprocessing`]: duet-core's [`Preprocessing`] from OT, with no
//! trusted dealer. The base OTs run once, lazily, on the first request;
//! every request then runs the extension in batches.

use duet_core::{
    AndPairs, AndTriples, BeaverTriples, BitOles, Channel, DaBits, LeafOts, Preprocessing, Ring,
    Role,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore, SeedableRng};
use zeroize::Zeroizing;

use crate::error::OtError;
use crate::extension::OtExtension;
use crate::session::{OtSession, MAX_OTS_PER_ROUND};
use crate::{leaves, triples};

/// What a progress report counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Material {
    /// The session's base OTs (reported once, when done).
    BaseOts,
    /// Beaver triples over Z_2^bits.
    Triples {
        /// 64 or 128.
        bits: u32,
    },
    /// AND-triple words (64 triples each).
    AndTriples,
    /// Words of pairs of AND triples sharing an input (64 pairs each).
    AndPairs,
    /// Doubly shared bits over Z_2^bits.
    DaBits {
        /// 64 or 128.
        bits: u32,
    },
    /// Bit-OLE pairs over Z_2^bits.
    BitOles {
        /// 64 or 128.
        bits: u32,
    },
    /// Pairs of 1-out-of-16 leaf OTs (comparisons).
    LeafOts,
}

/// Progress of one request, reported after every batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// What is being produced.
    pub material: Material,
    /// Items produced so far in this request.
    pub done: usize,
    /// Items asked for in this request.
    pub total: usize,
}

/// A progress callback (the CLI turns it into a progress bar).
pub type ProgressFn = Box<dyn FnMut(Progress) + Send>;

/// Preprocessing generated jointly by the two parties over OT.
///
/// Semi-honest security: neither party learns anything about the other's
/// shares, provided both follow the protocol (see the crate docs).
pub struct OtPreprocessing {
    role: Role,
    session_id: [u8; 32],
    rng: ChaCha20Rng,
    session: Option<OtSession>,
    batch_ots: usize,
    extension: OtExtension,
    progress: Option<ProgressFn>,
}

impl OtPreprocessing {
    /// Preprocessing for `role` in the session `session_id` (both parties
    /// must use the same id), seeded from `rng` (the OS generator in real runs).
    pub fn new<G: RngCore + CryptoRng>(role: Role, session_id: [u8; 32], rng: &mut G) -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(seed.as_mut());
        OtPreprocessing {
            role,
            session_id,
            rng: ChaCha20Rng::from_seed(*seed),
            session: None,
            batch_ots: 1 << 18,
            extension: OtExtension::Iknp,
            progress: None,
        }
    }

    /// Calls `f` after every batch (and once the base OTs are done).
    pub fn with_progress(mut self, f: ProgressFn) -> Self {
        self.progress = Some(f);
        self
    }

    /// Sets the extended OTs per direction per batch (default 2^18, at
    /// most [`MAX_OTS_PER_ROUND`]); both parties must use the same value.
    pub fn with_batch_ots(mut self, ots: usize) -> Self {
        self.batch_ots = ots.clamp(128, MAX_OTS_PER_ROUND);
        self
    }

    /// Sets the OT extension (default [`OtExtension::Iknp`]); both parties
    /// must use the same. An unsupported parameter is reported by the
    /// first request ([`OtError::InvalidParameter`]), before any message.
    pub fn with_extension(mut self, ext: OtExtension) -> Self {
        self.extension = ext;
        self
    }

    /// The OT session, set up on first use.
    async fn session<C: Channel>(&mut self, ch: &mut C) -> Result<&mut OtSession, OtError> {
        let s = self.take_session(ch).await?;
        Ok(self.session.insert(s))
    }

    /// The OT session taken out of `self` (set up on first use), for
    /// callers that report progress while it runs; they put it back.
    async fn take_session<C: Channel>(&mut self, ch: &mut C) -> Result<OtSession, OtError> {
        match self.session.take() {
            Some(s) => Ok(s),
            None => {
                let s = OtSession::setup_with(
                    ch,
                    self.role,
                    self.session_id,
                    self.extension,
                    &mut self.rng,
                )
                .await?;
                self.report(Material::BaseOts, 1, 1);
                Ok(s)
            }
        }
    }

    fn report(&mut self, material: Material, done: usize, total: usize) {
        if let Some(f) = self.progress.as_mut() {
            f(Progress {
                material,
                done,
                total,
            });
        }
    }
}

/// A batch must hold what was asked: one short of it would leave the
/// filling loop without progress (a loop without end), so it is an error.
fn whole_batch(step: &'static str, got: usize, asked: usize) -> Result<(), OtError> {
    if got == asked {
        Ok(())
    } else {
        Err(OtError::LengthMismatch {
            step,
            left: got,
            right: asked,
        })
    }
}

impl Preprocessing for OtPreprocessing {
    type Error = OtError;

    async fn triples<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        n: usize,
    ) -> Result<BeaverTriples<R>, OtError> {
        let step = (self.batch_ots / R::BITS as usize).max(1);
        let material = Material::Triples { bits: R::BITS };
        let sizes: Vec<usize> = (0..n).step_by(step).map(|i| step.min(n - i)).collect();
        let mut out = BeaverTriples::empty();
        if n == 0 {
            return Ok(out);
        }
        let mut session = self.take_session(ch).await?;
        let progress = &mut self.progress;
        let result = triples::beaver_batches::<R, C>(&mut session, ch, &sizes, |batch| {
            if out.is_empty() {
                out = batch; // one batch: no copy
            } else {
                out.append(batch);
            }
            if let Some(f) = progress.as_mut() {
                f(Progress {
                    material,
                    done: out.len(),
                    total: n,
                });
            }
        })
        .await;
        self.session = Some(session);
        result.map(|()| out)
    }

    async fn and_triples<C: Channel>(
        &mut self,
        ch: &mut C,
        words: usize,
    ) -> Result<AndTriples, OtError> {
        let step = (self.batch_ots / 64).max(1);
        let mut out = AndTriples::default();
        while out.words() < words {
            let k = step.min(words - out.words());
            let batch = triples::and_triples(self.session(ch).await?, ch, k).await?;
            whole_batch("AND triples", batch.words(), k)?;
            out.append(batch);
            self.report(Material::AndTriples, out.words(), words);
        }
        Ok(out)
    }

    async fn and_pairs<C: Channel>(
        &mut self,
        ch: &mut C,
        words: usize,
    ) -> Result<AndPairs, OtError> {
        let step = (self.batch_ots / 64).max(1);
        let mut out = AndPairs::empty();
        while out.words() < words {
            let k = step.min(words - out.words());
            let batch = triples::and_pairs(self.session(ch).await?, ch, k).await?;
            whole_batch("AND pairs", batch.words(), k)?;
            out.append(batch);
            self.report(Material::AndPairs, out.words(), words);
        }
        Ok(out)
    }

    async fn dabits<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        n: usize,
    ) -> Result<DaBits<R>, OtError> {
        let step = self.batch_ots;
        let material = Material::DaBits { bits: R::BITS };
        let mut out = DaBits::empty();
        while out.len() < n {
            let k = step.min(n - out.len());
            let batch = triples::dabits::<R, C>(self.session(ch).await?, ch, k).await?;
            whole_batch("daBits", batch.len(), k)?;
            if out.is_empty() {
                out = batch; // one batch: no bit-by-bit merge
            } else {
                out.append(batch);
            }
            self.report(material, out.len(), n);
        }
        Ok(out)
    }

    async fn bit_oles<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        n: usize,
    ) -> Result<BitOles<R>, OtError> {
        let step = self.batch_ots;
        let material = Material::BitOles { bits: R::BITS };
        let mut out = BitOles::empty();
        while out.len() < n {
            let k = step.min(n - out.len());
            let batch = triples::bit_oles::<R, C>(self.session(ch).await?, ch, k).await?;
            whole_batch("bit OLEs", batch.len(), k)?;
            out.append(batch);
            self.report(material, out.len(), n);
        }
        Ok(out)
    }

    async fn leaf_ots<C: Channel>(&mut self, ch: &mut C, n: usize) -> Result<LeafOts, OtError> {
        // Four random OTs per leaf OT in each direction.
        let step = (self.batch_ots / 4).max(1);
        let mut out = LeafOts::empty();
        while out.len() < n {
            let k = step.min(n - out.len());
            let batch = leaves::leaf_ots(self.session(ch).await?, ch, k).await?;
            whole_batch("leaf OTs", batch.len(), k)?;
            out.append(batch);
            self.report(Material::LeafOts, out.len(), n);
        }
        Ok(out)
    }
}
