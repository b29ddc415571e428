//! The two-party engine: one per party, holding its role, PRG, channel and
//! preprocessing source.
//!
//! Both parties call the same operations in the same order with the same
//! public sizes. Every interactive operation is batched: one exchange per
//! layer of the circuit, whatever the vector length. Sends precede receives
//! in every round, so a round costs one one-way latency.
//!
//! What each party learns: nothing from the shares and masked values it
//! receives (each is uniform given the inputs), except the values opened
//! with [`Engine::open`] or [`Engine::open_to`].

mod arith;
mod bitole;
mod boolean;
mod compare;
mod material;
mod millionaire;

use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore, SeedableRng};
use zeroize::Zeroize;

use crate::channel::{Channel, ChannelError, MsgKind};
use crate::error::EngineError;
use crate::mask::MaskStream;
use crate::preprocessing::{
    AndPairs, AndTriples, BeaverTriples, BitOles, DaBits, LeafOts, Preprocessing, Stock,
};
use crate::ring::Ring;
use crate::share::{Role, Shared};
use crate::wire::{decode_ring, decode_words, encode_ring, encode_words};
use material::Material;

/// One party's side of a two-party computation over a [`Channel`].
pub struct Engine<C: Channel, P: Preprocessing> {
    role: Role,
    channel: C,
    pre: P,
    prg: ChaCha20Rng,
    stock: Stock,
    lookahead: Needs,
}

/// How much preprocessing to stock ahead of the online phase.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    /// Beaver triples.
    pub triples: usize,
    /// AND-triple words (64 AND triples each).
    pub and_words: usize,
    /// Words of pairs of AND triples sharing their first input (64 pairs
    /// each, [`crate::preprocessing::AndPairs`]).
    pub and_pairs: usize,
    /// Doubly shared random bits.
    pub dabits: usize,
    /// Bit-OLE pairs ([`crate::preprocessing::BitOles`]).
    pub bit_oles: usize,
    /// Pairs of 1-out-of-16 leaf OTs ([`crate::preprocessing::LeafOts`]).
    pub leaf_ots: usize,
}

impl core::ops::Add for Needs {
    type Output = Needs;
    fn add(self, o: Needs) -> Needs {
        Needs {
            triples: self.triples + o.triples,
            and_words: self.and_words + o.and_words,
            and_pairs: self.and_pairs + o.and_pairs,
            dabits: self.dabits + o.dabits,
            bit_oles: self.bit_oles + o.bit_oles,
            leaf_ots: self.leaf_ots + o.leaf_ots,
        }
    }
}

impl Needs {
    /// Exactly what [`Engine::mul`] or [`Engine::dot`] consume on `n` elements.
    pub fn for_mul(n: usize) -> Needs {
        Needs {
            triples: n,
            ..Needs::default()
        }
    }

    /// Exactly what [`Engine::trunc`] consumes on `n` elements: half a
    /// bit-OLE pair each.
    pub fn for_trunc(n: usize) -> Needs {
        Needs {
            bit_oles: n.div_ceil(2),
            ..Needs::default()
        }
    }

    /// Exactly what [`Engine::mul_fixed`] consumes on `n` elements.
    pub fn for_mul_fixed(n: usize) -> Needs {
        Needs::for_mul(n) + Needs::for_trunc(n)
    }

    /// Exactly what [`Engine::mul_bit`] or [`Engine::select`] consume on
    /// `n` elements: one bit-OLE pair each.
    pub fn for_mul_bit(n: usize) -> Needs {
        Needs {
            bit_oles: n,
            ..Needs::default()
        }
    }

    /// Exactly what [`Engine::ltz`] (and [`Engine::lt`]) consume on `n` elements.
    pub fn for_ltz<R: Ring>(n: usize) -> Needs {
        Needs::for_ltz_within::<R>(n, R::BITS)
    }

    /// Exactly what [`Engine::ltz_within`] consumes on `n` elements.
    pub fn for_ltz_within<R: Ring>(n: usize, bits: u32) -> Needs {
        let nw = crate::share::words_for(n);
        let m = comparison_width::<R>(bits) - 1;
        // Leaves from leaf OTs, then per tree level one AND for the lowest
        // pair's G and an AND pair for every other pair's G and P.
        let (mut levels, mut gp, mut segments) = (0, 0, millionaire::leaves(m));
        while segments > 1 {
            let pairs = segments / 2;
            levels += 1;
            gp += pairs - 1;
            segments -= pairs;
        }
        Needs {
            and_words: levels * nw,
            and_pairs: gp * nw,
            dabits: n,
            leaf_ots: n * millionaire::leaf_pairs(m),
            ..Needs::default()
        }
    }

    /// Exactly what [`Engine::eqz`] (and [`Engine::eq`]) consume on `n` elements.
    pub fn for_eqz<R: Ring>(n: usize) -> Needs {
        Needs {
            and_words: (R::BITS as usize - 1) * crate::share::words_for(n),
            dabits: n,
            ..Needs::default()
        }
    }
}

/// Elements per frame when inputs are shared or values opened: a long
/// vector goes as a stream of frames, so masking, transfer and decoding
/// overlap on a real link and buffers stay small.
pub const STREAM_CHUNK: usize = 1 << 17;

/// The bits a comparison works on: `bits` within 2 and the ring's width.
pub(crate) fn comparison_width<R: Ring>(bits: u32) -> usize {
    bits.clamp(2, R::BITS) as usize
}

/// The element ranges of the frames for `n` elements (one empty frame for 0,
/// so an empty vector still takes its step in the protocol).
fn stream_chunks(n: usize) -> impl Iterator<Item = core::ops::Range<usize>> {
    let frames = n.div_ceil(STREAM_CHUNK).max(1);
    (0..frames).map(move |i| i * STREAM_CHUNK..((i + 1) * STREAM_CHUNK).min(n))
}

fn channel_err(step: &'static str) -> impl Fn(ChannelError) -> EngineError {
    move |source| EngineError::Channel { step, source }
}

fn pre_err<E: std::error::Error + Send + Sync + 'static>(
    step: &'static str,
) -> impl Fn(E) -> EngineError {
    move |e| EngineError::Preprocessing {
        step,
        source: Box::new(e),
    }
}

fn check_count(step: &'static str, expected: usize, found: usize) -> Result<(), EngineError> {
    if expected == found {
        Ok(())
    } else {
        Err(EngineError::PreprocessingCount {
            step,
            expected,
            found,
        })
    }
}

impl<C: Channel, P: Preprocessing> Engine<C, P> {
    /// An engine for `role`, seeding its private PRG from `rng` (the OS
    /// generator in real runs, a fixed seed in tests).
    pub fn new<G: RngCore + CryptoRng>(role: Role, channel: C, pre: P, rng: &mut G) -> Self {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let prg = ChaCha20Rng::from_seed(seed);
        seed.zeroize();
        Engine {
            role,
            channel,
            pre,
            prg,
            stock: Stock::default(),
            lookahead: Needs::default(),
        }
    }

    /// When an operation finds the stock short, fetch at least this much
    /// (per ring) and keep the rest for later operations: fewer, larger
    /// preprocessing rounds for many small operations. Both parties must
    /// set the same value; the default (nothing ahead) fetches exactly what
    /// each operation consumes.
    pub fn with_lookahead(mut self, lookahead: Needs) -> Self {
        self.lookahead = lookahead;
        self
    }

    /// This party's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The channel, for protocol steps outside the engine.
    pub fn channel(&mut self) -> &mut C {
        &mut self.channel
    }

    /// A fresh generator seeded from this party's private PRG, for local
    /// secrets a protocol step draws outside the engine (such as DP noise).
    /// Its output is never sent unmasked by the engine.
    pub fn private_rng(&mut self) -> ChaCha20Rng {
        let mut seed = [0u8; 32];
        self.prg.fill_bytes(&mut seed);
        let rng = ChaCha20Rng::from_seed(seed);
        seed.zeroize();
        rng
    }

    /// The preprocessing source.
    pub fn preprocessing(&mut self) -> &mut P {
        &mut self.pre
    }

    /// Takes the engine apart into its channel and preprocessing source.
    pub fn into_parts(self) -> (C, P) {
        (self.channel, self.pre)
    }

    /// Produces material ahead of use (both parties call it with the same
    /// needs); operations draw on this stock before asking for more.
    pub async fn preprocess<R: Ring>(&mut self, needs: Needs) -> Result<(), EngineError> {
        const STEP: &str = "preprocess";
        self.stock_up::<BeaverTriples<R>>(STEP, &needs).await?;
        self.stock_up::<AndTriples>(STEP, &needs).await?;
        self.stock_up::<AndPairs>(STEP, &needs).await?;
        self.stock_up::<DaBits<R>>(STEP, &needs).await?;
        self.stock_up::<BitOles<R>>(STEP, &needs).await?;
        self.stock_up::<LeafOts>(STEP, &needs).await?;
        Ok(())
    }

    /// Produces only what the stock lacks of `needs` (both parties call
    /// it at the same point with the same needs, and hold the same stock
    /// there). Work done in batches calls it before each batch: the stock
    /// then holds one batch's material at a time, whatever the total,
    /// and a caller that stocked everything ahead makes it a no-op.
    pub async fn top_up<R: Ring>(&mut self, needs: Needs) -> Result<(), EngineError> {
        let lacking = Needs {
            triples: self.lacking::<BeaverTriples<R>>(&needs),
            dabits: self.lacking::<DaBits<R>>(&needs),
            bit_oles: self.lacking::<BitOles<R>>(&needs),
            and_words: self.lacking::<AndTriples>(&needs),
            and_pairs: self.lacking::<AndPairs>(&needs),
            leaf_ots: self.lacking::<LeafOts>(&needs),
        };
        self.preprocess::<R>(lacking).await
    }

    /// Fetches `M` for `needs` and adds it to the stock.
    async fn stock_up<M: Material>(
        &mut self,
        step: &'static str,
        needs: &Needs,
    ) -> Result<(), EngineError> {
        let more = self.fetch::<M>(step, M::of(needs)).await?;
        M::slot(&mut self.stock).add(more);
        Ok(())
    }

    /// How much of `M` in `needs` the stock lacks.
    fn lacking<M: Material>(&mut self, needs: &Needs) -> usize {
        M::of(needs).saturating_sub(M::slot(&mut self.stock).amount())
    }

    /// `n` of `M` from the source, checked to be `n`.
    async fn fetch<M: Material>(&mut self, step: &'static str, n: usize) -> Result<M, EngineError> {
        if n == 0 {
            return Ok(M::none());
        }
        let m = M::fetch(&mut self.pre, &mut self.channel, n)
            .await
            .map_err(pre_err(step))?;
        check_count(step, n, m.amount())?;
        Ok(m)
    }

    /// `n` of `M`: from the stock first, the rest from the source, which
    /// is asked for at least the look-ahead (the surplus is stocked).
    pub(crate) async fn take<M: Material>(
        &mut self,
        step: &'static str,
        n: usize,
    ) -> Result<M, EngineError> {
        let mut got = M::slot(&mut self.stock).take_front(n);
        let missing = n - got.amount();
        if missing > 0 {
            let ahead = missing.max(M::of(&self.lookahead));
            let mut more = self.fetch::<M>(step, ahead).await?;
            got.add(more.take_front(missing));
            M::slot(&mut self.stock).add(more);
        }
        Ok(got)
    }

    pub(crate) async fn send_ring<R: Ring>(
        &mut self,
        step: &'static str,
        kind: MsgKind,
        mine: &[R],
    ) -> Result<(), EngineError> {
        let bytes = encode_ring(mine);
        self.channel
            .send(kind, bytes)
            .await
            .map_err(channel_err(step))
    }

    pub(crate) async fn recv_ring<R: Ring>(
        &mut self,
        step: &'static str,
        kind: MsgKind,
        n: usize,
    ) -> Result<Vec<R>, EngineError> {
        let max = n.saturating_mul(R::BYTES);
        let bytes = self
            .channel
            .recv(kind, max)
            .await
            .map_err(channel_err(step))?;
        decode_ring(&bytes, n).map_err(|e| EngineError::PeerLength {
            step,
            kind,
            expected: e.expected,
            found: e.found,
        })
    }

    /// Sends a prepared frame and receives the peer's, which must have the
    /// same length (both sides send the same shape in every round).
    pub(crate) async fn exchange_frame(
        &mut self,
        step: &'static str,
        kind: MsgKind,
        frame: Vec<u8>,
    ) -> Result<Vec<u8>, EngineError> {
        let expected = frame.len();
        self.exchange_uneven(step, kind, frame, expected).await
    }

    /// Sends a prepared frame and receives the peer's of `expected` bytes
    /// (for rounds whose two frames differ in shape).
    pub(crate) async fn exchange_uneven(
        &mut self,
        step: &'static str,
        kind: MsgKind,
        frame: Vec<u8>,
        expected: usize,
    ) -> Result<Vec<u8>, EngineError> {
        self.channel
            .send(kind, frame)
            .await
            .map_err(channel_err(step))?;
        let peer = self
            .channel
            .recv(kind, expected)
            .await
            .map_err(channel_err(step))?;
        if peer.len() != expected {
            return Err(EngineError::PeerLength {
                step,
                kind,
                expected,
                found: peer.len(),
            });
        }
        Ok(peer)
    }

    /// Sends packed bit words and receives the peer's of the same length.
    pub(crate) async fn exchange_words(
        &mut self,
        step: &'static str,
        kind: MsgKind,
        mine: &[u64],
    ) -> Result<Vec<u64>, EngineError> {
        let bytes = encode_words(mine);
        self.channel
            .send(kind, bytes)
            .await
            .map_err(channel_err(step))?;
        let max = mine.len().saturating_mul(8);
        let bytes = self
            .channel
            .recv(kind, max)
            .await
            .map_err(channel_err(step))?;
        decode_words(&bytes, mine.len()).map_err(|e| EngineError::PeerLength {
            step,
            kind,
            expected: e.expected,
            found: e.found,
        })
    }

    /// Secret-shares this party's private `values`: sends `x - r` to the
    /// peer and keeps `r`, drawn by AES-128-CTR under a fresh key from its
    /// own PRG for each frame (see the `mask` module). The peer calls
    /// [`Engine::receive_input`] with the same length at the same point.
    pub async fn share_input<R: Ring>(&mut self, values: &[R]) -> Result<Shared<R>, EngineError> {
        let mut masks = Vec::with_capacity(values.len());
        for range in stream_chunks(values.len()) {
            let mut frame = Vec::with_capacity(range.len() * R::BYTES);
            MaskStream::new(&mut self.prg).mask_into(&values[range], &mut masks, &mut frame);
            self.channel
                .send(MsgKind::INPUT, frame)
                .await
                .map_err(channel_err("input sharing"))?;
        }
        Ok(Shared::from_shares(masks))
    }

    /// Receives this party's shares of `n` values the peer is sharing,
    /// decoding each frame straight into the result.
    pub async fn receive_input<R: Ring>(&mut self, n: usize) -> Result<Shared<R>, EngineError> {
        const STEP: &str = "input sharing";
        let mut values = Vec::with_capacity(n.min(STREAM_CHUNK));
        for range in stream_chunks(n) {
            let expected = range.len().saturating_mul(R::BYTES);
            let bytes = self
                .channel
                .recv(MsgKind::INPUT, expected)
                .await
                .map_err(channel_err(STEP))?;
            if bytes.len() != expected {
                return Err(EngineError::PeerLength {
                    step: STEP,
                    kind: MsgKind::INPUT,
                    expected,
                    found: bytes.len(),
                });
            }
            values.extend(bytes.chunks_exact(R::BYTES).map(R::read_le));
        }
        Ok(Shared::from_shares(values))
    }

    /// Shares of public values: P0 holds them, P1 holds zeros (no communication).
    pub fn constant<R: Ring>(&self, values: &[R]) -> Shared<R> {
        match self.role {
            Role::P0 => Shared::from_shares(values.to_vec()),
            Role::P1 => Shared::from_shares(vec![R::ZERO; values.len()]),
        }
    }

    /// Shares of `x + c` for a public vector `c` (local: only P0 adds).
    pub fn add_public<R: Ring>(&self, x: &Shared<R>, c: &[R]) -> Result<Shared<R>, EngineError> {
        x.add(&self.constant(c))
            .map_err(|source| EngineError::Length {
                step: "add public",
                source,
            })
    }

    /// Opens `x` to both parties: each sends its share and adds the peer's.
    pub async fn open<R: Ring>(&mut self, x: &Shared<R>) -> Result<Vec<R>, EngineError> {
        let mine = x.shares();
        for range in stream_chunks(mine.len()) {
            self.send_ring("open", MsgKind::OPEN, &mine[range]).await?;
        }
        let mut out = Vec::with_capacity(mine.len());
        for range in stream_chunks(mine.len()) {
            let peer = self
                .recv_ring::<R>("open", MsgKind::OPEN, range.len())
                .await?;
            out.extend(mine[range].iter().zip(&peer).map(|(&a, &b)| a + b));
        }
        Ok(out)
    }

    /// Opens `x` to `to` only: the other party sends its share and learns
    /// nothing; `to` gets `Some(values)`, the other `None`.
    pub async fn open_to<R: Ring>(
        &mut self,
        x: &Shared<R>,
        to: Role,
    ) -> Result<Option<Vec<R>>, EngineError> {
        let mine = x.shares();
        if to != self.role {
            for range in stream_chunks(mine.len()) {
                self.send_ring("open to one", MsgKind::OPEN, &mine[range])
                    .await?;
            }
            return Ok(None);
        }
        let mut out = Vec::with_capacity(mine.len());
        for range in stream_chunks(mine.len()) {
            let peer = self
                .recv_ring::<R>("open to one", MsgKind::OPEN, range.len())
                .await?;
            out.extend(mine[range].iter().zip(&peer).map(|(&a, &b)| a + b));
        }
        Ok(Some(out))
    }
}
