//! The engine's own steps (`engine/mod.rs`, the cargo-mutants group
//! core-open): what it plans to ask the preprocessing source for, and its
//! check of what the source hands out. A source handing out less than
//! asked would otherwise leave an operation short of one-time material.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs, unreachable_pub)]

use std::convert::Infallible;

use duet_core::{
    AndPairs, AndTriples, BeaverTriples, BitOles, Channel, DaBits, Engine, EngineError,
    InsecureDealer, LeafOts, MemoryChannel, Needs, Preprocessing, Ring, Role, Shared, Z128, Z64,
};
use futures::executor::block_on;
use rand::SeedableRng;

/// The insecure dealer, counting what it is asked for; when `short`, it
/// hands out one item fewer than asked.
struct Watched {
    dealer: InsecureDealer,
    short: bool,
    asked: Needs,
}

impl Watched {
    fn new(role: Role, short: bool) -> Watched {
        Watched {
            dealer: InsecureDealer::new(role, [7; 32]),
            short,
            asked: Needs::default(),
        }
    }

    fn handed(&self, n: usize) -> usize {
        n.saturating_sub(usize::from(self.short))
    }
}

impl Preprocessing for Watched {
    type Error = Infallible;

    async fn triples<R: Ring, C: Channel>(
        &mut self,
        channel: &mut C,
        n: usize,
    ) -> Result<BeaverTriples<R>, Infallible> {
        self.asked.triples += n;
        let mut t = self.dealer.triples::<R, C>(channel, n).await?;
        Ok(t.take(self.handed(n)))
    }

    async fn and_triples<C: Channel>(
        &mut self,
        channel: &mut C,
        words: usize,
    ) -> Result<AndTriples, Infallible> {
        self.asked.and_words += words;
        let mut t = self.dealer.and_triples(channel, words).await?;
        Ok(t.take(self.handed(words)))
    }

    async fn and_pairs<C: Channel>(
        &mut self,
        channel: &mut C,
        words: usize,
    ) -> Result<AndPairs, Infallible> {
        self.asked.and_pairs += words;
        let mut p = self.dealer.and_pairs(channel, words).await?;
        Ok(p.take(self.handed(words)))
    }

    async fn leaf_ots<C: Channel>(
        &mut self,
        channel: &mut C,
        n: usize,
    ) -> Result<LeafOts, Infallible> {
        self.asked.leaf_ots += n;
        let mut l = self.dealer.leaf_ots(channel, n).await?;
        Ok(l.take(self.handed(n)))
    }

    async fn dabits<R: Ring, C: Channel>(
        &mut self,
        channel: &mut C,
        n: usize,
    ) -> Result<DaBits<R>, Infallible> {
        self.asked.dabits += n;
        let mut d = self.dealer.dabits::<R, C>(channel, n).await?;
        Ok(d.take(self.handed(n)))
    }

    async fn bit_oles<R: Ring, C: Channel>(
        &mut self,
        channel: &mut C,
        n: usize,
    ) -> Result<BitOles<R>, Infallible> {
        self.asked.bit_oles += n;
        let mut b = self.dealer.bit_oles::<R, C>(channel, n).await?;
        Ok(b.take(self.handed(n)))
    }
}

/// P0's engine over a short source; the peer's end of the channel.
fn short_engine() -> (Engine<MemoryChannel, Watched>, MemoryChannel) {
    let (mine, peer) = MemoryChannel::pair();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    let dealer = Watched::new(Role::P0, true);
    (Engine::new(Role::P0, mine, dealer, &mut rng), peer)
}

/// The error must name the count asked for and the count handed out.
fn assert_short(r: Result<(), EngineError>, expected: usize) {
    match r {
        Err(EngineError::PreprocessingCount {
            expected: e, found, ..
        }) => assert_eq!((e, found), (expected, expected - 1)),
        other => panic!("expected a PreprocessingCount error, got {other:?}"),
    }
}

#[test]
fn a_source_handing_out_too_few_items_is_refused_when_stocking() {
    block_on(async {
        let (mut e, _peer) = short_engine();
        let r = e.preprocess::<Z64>(Needs::for_mul(5)).await;
        assert_short(r, 5);
        let and = Needs {
            and_words: 3,
            ..Needs::default()
        };
        assert_short(e.preprocess::<Z64>(and).await, 3);
        let dabits = Needs {
            dabits: 4,
            ..Needs::default()
        };
        assert_short(e.preprocess::<Z128>(dabits).await, 4);
        let leaves = Needs {
            leaf_ots: 6,
            ..Needs::default()
        };
        assert_short(e.preprocess::<Z64>(leaves).await, 6);
    });
}

#[test]
fn a_source_handing_out_too_few_triples_is_refused_before_a_product() {
    block_on(async {
        let (mut e, _peer) = short_engine();
        let x = e.constant(&[Z64(1), Z64(2), Z64(3)]);
        // The triples are fetched before anything is sent.
        assert_short(e.mul(&x, &x).await.map(drop), 3);
    });
}

#[test]
fn needs_for_mul_is_one_triple_per_element() {
    for n in [0, 1, 7] {
        assert_eq!(
            Needs::for_mul(n),
            Needs {
                triples: n,
                ..Needs::default()
            }
        );
    }
}

/// Both parties' engines over honest watched sources, with a lookahead: a
/// step that finds the stock short fetches 64 of each kind. The parties'
/// randomness is seeded from `seed` and `seed + 1`.
fn looking_ahead(
    seed: u64,
) -> (
    Engine<MemoryChannel, Watched>,
    Engine<MemoryChannel, Watched>,
) {
    let ahead = Needs {
        triples: 64,
        and_words: 64,
        and_pairs: 64,
        dabits: 64,
        bit_oles: 64,
        leaf_ots: 64,
    };
    let (c0, c1) = MemoryChannel::pair();
    let mut r0 = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let mut r1 = rand_chacha::ChaCha20Rng::seed_from_u64(seed + 1);
    let e0 = Engine::new(Role::P0, c0, Watched::new(Role::P0, false), &mut r0);
    let e1 = Engine::new(Role::P1, c1, Watched::new(Role::P1, false), &mut r1);
    (e0.with_lookahead(ahead), e1.with_lookahead(ahead))
}

#[test]
fn an_operation_the_stock_covers_asks_the_source_for_nothing_more() {
    let (mut e0, mut e1) = looking_ahead(8);
    let needs = Needs::for_mul(3) + Needs::for_ltz::<Z64>(3);
    let run = async |e: &mut Engine<MemoryChannel, Watched>| {
        e.preprocess::<Z64>(needs).await.unwrap();
        let x = e.constant(&[Z64(5), Z64(0), Z64(u64::MAX)]);
        let square = e.mul(&x, &x).await.unwrap();
        let negative = e.ltz(&x).await.unwrap();
        let square = e.open(&square).await.unwrap();
        let negative = e.open(&negative).await.unwrap();
        (square, negative, e.preprocessing().asked)
    };
    let (a, b) = block_on(futures::future::join(run(&mut e0), run(&mut e1)));
    assert_eq!(a.0, [Z64(25), Z64(0), Z64(1)]);
    assert_eq!(a.1, [Z64(0), Z64(0), Z64(1)]);
    // The stocked material was enough: nothing more was asked for.
    assert_eq!((a.2, b.2), (needs, needs));
}

/// An operation and what `Needs` says it consumes.
#[derive(Debug, Clone, Copy)]
enum Op {
    Mul,
    Ltz,
    LtzWithin41,
    Eqz,
}

impl Op {
    fn needs(self, n: usize) -> Needs {
        match self {
            Op::Mul => Needs::for_mul(n),
            Op::Ltz => Needs::for_ltz::<Z64>(n),
            Op::LtzWithin41 => Needs::for_ltz_within::<Z64>(n, 41),
            Op::Eqz => Needs::for_eqz::<Z64>(n),
        }
    }

    async fn run(self, e: &mut Engine<MemoryChannel, Watched>, x: &Shared<Z64>) {
        let r = match self {
            Op::Mul => e.mul(x, x).await,
            Op::Ltz => e.ltz(x).await,
            Op::LtzWithin41 => e.ltz_within(x, 41).await,
            Op::Eqz => e.eqz(x).await,
        };
        r.unwrap();
    }
}

#[test]
fn each_needs_is_exactly_what_its_operation_consumes() {
    // Stocked with its `Needs`, an operation leaves nothing over: run
    // again, it finds the stock empty and asks for the same again.
    let n = 70;
    let values: Vec<Z64> = (0..n as u64).map(|v| Z64(v.wrapping_sub(35))).collect();
    for op in [Op::Mul, Op::Ltz, Op::LtzWithin41, Op::Eqz] {
        let needs = op.needs(n);
        let (c0, c1) = MemoryChannel::pair();
        let mut r0 = rand_chacha::ChaCha20Rng::seed_from_u64(10);
        let mut r1 = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        let mut e0 = Engine::new(Role::P0, c0, Watched::new(Role::P0, false), &mut r0);
        let mut e1 = Engine::new(Role::P1, c1, Watched::new(Role::P1, false), &mut r1);
        let run = async |e: &mut Engine<MemoryChannel, Watched>| {
            e.preprocess::<Z64>(needs).await.unwrap();
            let x = e.constant(&values);
            op.run(e, &x).await;
            op.run(e, &x).await;
            e.preprocessing().asked
        };
        let (a, b) = block_on(futures::future::join(run(&mut e0), run(&mut e1)));
        let twice = Needs {
            triples: 2 * needs.triples,
            and_words: 2 * needs.and_words,
            and_pairs: 2 * needs.and_pairs,
            dabits: 2 * needs.dabits,
            leaf_ots: 2 * needs.leaf_ots,
            ..needs
        };
        assert_eq!((a, b), (twice, twice), "{op:?}");
        assert_eq!(needs + needs, twice, "{op:?}");
    }
}

#[test]
fn top_up_asks_only_for_what_the_stock_lacks() {
    // An operation that found its stock short would ask for the
    // lookahead's 64 more: the counts below show that it never did.
    let (mut e0, mut e1) = looking_ahead(12);
    let batch = Needs::for_mul(5) + Needs::for_ltz::<Z64>(5) + Needs::for_mul_bit(5);
    let run = async |e: &mut Engine<MemoryChannel, Watched>| {
        // Two triples in stock: the top-up asks for the other three.
        e.preprocess::<Z64>(Needs::for_mul(2)).await.unwrap();
        e.top_up::<Z64>(batch).await.unwrap();
        let topped = e.preprocessing().asked;
        // Already covered: a second top-up asks for nothing.
        e.top_up::<Z64>(batch).await.unwrap();
        let again = e.preprocessing().asked;
        let x = e.constant(&[Z64(5), Z64(0), Z64(u64::MAX), Z64(3), Z64(1 << 40)]);
        let square = e.mul(&x, &x).await.unwrap();
        let negative = e.ltz(&x).await.unwrap();
        let kept = e.mul_bit(&negative, &x).await.unwrap();
        let square = e.open(&square).await.unwrap();
        let kept = e.open(&kept).await.unwrap();
        (topped, again, e.preprocessing().asked, square, kept)
    };
    let (a, b) = block_on(futures::future::join(run(&mut e0), run(&mut e1)));
    assert_eq!(a.3, [Z64(25), Z64(0), Z64(1), Z64(9), Z64(0)]);
    assert_eq!(a.4, [Z64(0), Z64(0), Z64(u64::MAX), Z64(0), Z64(0)]);
    for asked in [a.0, a.1, a.2, b.0, b.1, b.2] {
        assert_eq!(asked, batch);
    }
}
