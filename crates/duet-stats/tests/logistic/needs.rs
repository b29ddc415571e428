//! `needs` is exact: with it stocked, the fit asks the source for nothing
//! more, and the stock ends empty (a smaller stock makes the fit ask again).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use duet_core::{Channel, Engine, InsecureDealer, MemoryChannel, Needs, Preprocessing, Ring, Role};
use duet_stats::secure::logistic::{needs, needs_ahead, preprocess, FitNeeds, LogisticOptions};
use futures::executor::block_on;
use rand::SeedableRng;

use crate::logistic::data::{Dataset, Kind};
use crate::logistic::share_and_fit;

/// The dealer, counting the requests that reach it, and keeping the
/// largest Z_2^64 triples request.
struct Counting(InsecureDealer, Arc<AtomicUsize>, Arc<AtomicUsize>);

impl Preprocessing for Counting {
    type Error = core::convert::Infallible;
    async fn triples<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        n: usize,
    ) -> Result<duet_core::BeaverTriples<R>, Self::Error> {
        self.1.fetch_add(1, Ordering::SeqCst);
        if R::BYTES == 8 {
            self.2.fetch_max(n, Ordering::SeqCst);
        }
        self.0.triples(ch, n).await
    }
    async fn and_triples<C: Channel>(
        &mut self,
        ch: &mut C,
        w: usize,
    ) -> Result<duet_core::AndTriples, Self::Error> {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.and_triples(ch, w).await
    }
    async fn and_pairs<C: Channel>(
        &mut self,
        ch: &mut C,
        w: usize,
    ) -> Result<duet_core::AndPairs, Self::Error> {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.and_pairs(ch, w).await
    }
    async fn leaf_ots<C: Channel>(
        &mut self,
        ch: &mut C,
        n: usize,
    ) -> Result<duet_core::LeafOts, Self::Error> {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.leaf_ots(ch, n).await
    }
    async fn dabits<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        n: usize,
    ) -> Result<duet_core::DaBits<R>, Self::Error> {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.dabits(ch, n).await
    }
    async fn bit_oles<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        n: usize,
    ) -> Result<duet_core::BitOles<R>, Self::Error> {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.bit_oles(ch, n).await
    }
}

/// Requests reaching the source of P0 when `stock` is stocked first.
fn requests_with(d: &Dataset, options: &LogisticOptions, stock: FitNeeds) -> usize {
    requests_and_largest(d, options, stock).0
}

/// [`requests_with`], and P0's largest Z_2^64 triples request.
fn requests_and_largest(d: &Dataset, options: &LogisticOptions, stock: FitNeeds) -> (usize, usize) {
    let (c0, c1) = MemoryChannel::pair();
    let counts = [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];
    let largest = Arc::new(AtomicUsize::new(0));
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    let mk = |role, c, i: usize, rng: &mut rand_chacha::ChaCha20Rng| {
        let source = InsecureDealer::new(role, [6; 32]);
        let dealer = Counting(source, counts[i].clone(), largest.clone());
        Engine::new(role, c, dealer, rng)
    };
    let mut e0 = mk(Role::P0, c0, 0, &mut rng);
    let mut e1 = mk(Role::P1, c1, 1, &mut rng);
    let body = async |e: &mut Engine<MemoryChannel, Counting>| {
        preprocess(e, &stock).await?;
        share_and_fit(e, d, options).await
    };
    let (a, b) = block_on(futures::future::join(body(&mut e0), body(&mut e1)));
    a.unwrap();
    b.unwrap();
    assert_eq!(
        counts[0].load(Ordering::SeqCst),
        counts[1].load(Ordering::SeqCst)
    );
    (
        counts[0].load(Ordering::SeqCst),
        largest.load(Ordering::SeqCst),
    )
}

/// Source requests made by stocking `stock` (one per non-zero kind).
fn stocking_requests(s: &FitNeeds) -> usize {
    [s.z64, s.z128]
        .iter()
        .map(|n| {
            usize::from(n.triples > 0)
                + usize::from(n.and_words > 0)
                + usize::from(n.and_pairs > 0)
                + usize::from(n.dabits > 0)
                + usize::from(n.bit_oles > 0)
                + usize::from(n.leaf_ots > 0)
        })
        .sum()
}

#[test]
fn needs_are_exact() {
    let age = Kind::Numeric {
        min: 20.0,
        max: 90.0,
    };
    let whole = LogisticOptions::default().batch;
    let none = LogisticOptions::default().warm_up;
    // The last two: 2 steps on a sample (60 of 130 records; 100 of 240
    // in batches of 7), then 3 on every record.
    for (n, p, iters, batch, warm_up) in [
        (1usize, 1usize, 1u32, whole, none),
        (70, 2, 2, whole, none),
        (130, 3, 3, whole, none),
        (70, 2, 2, 7, none),
        (130, 3, 1, 64, none),
        (130, 3, 5, whole, 60),
        (240, 2, 5, 7, 100),
    ] {
        let kinds: Vec<Kind> = (1..p).map(|_| age).collect();
        let d = Dataset::generate(n as u64, n, &kinds, &vec![0.2; p], 0.1);
        let o = LogisticOptions::default()
            .with_iterations(iters)
            .with_inverse_steps(4, 2)
            .with_batch(batch)
            .with_warm_up(warm_up, 2);
        assert_eq!(o.schedule(n).0, if warm_up == none { 0 } else { 2 });
        let exact = needs(n, p, &o).unwrap();
        assert_eq!(
            requests_with(&d, &o, exact),
            stocking_requests(&exact),
            "n {n} p {p}"
        );
        // One triple short in either ring: the fit has to ask the source
        // once more (so `exact` is no overestimate either).
        for ring in [64, 128] {
            let mut short = exact;
            match ring {
                64 => short.z64.triples -= 1,
                _ => short.z128.triples -= 1,
            }
            assert_eq!(
                requests_with(&d, &o, short),
                stocking_requests(&short) + 1,
                "n {n} p {p} Z_2^{ring}"
            );
        }
    }
}

#[test]
fn needs_grow_with_the_sizes() {
    let o = LogisticOptions::default();
    let a = needs(2000, 4, &o).unwrap();
    let b = needs(2000, 5, &o).unwrap();
    assert!(b.z64.triples > a.z64.triples && b.z128.triples > a.z128.triples);
    assert_eq!(a.z64.dabits, 10 * 10 * 2000);
    // Clamping (2p per step), then the convergence comparison.
    assert_eq!(a.z128.dabits, 10 * 2 * 4 + 1);
    assert_eq!(Needs::default(), FitNeeds::default().z64);
}

/// Stocked with only the part that does not grow with `n`, the fit tops
/// up its Z_2^64 material before each batch: no request is larger than
/// one batch needs, and there is one per kind and batch, not one per
/// operation.
#[test]
fn a_fit_stocked_ahead_with_its_wide_part_tops_up_batch_by_batch() {
    let age = Kind::Numeric {
        min: 20.0,
        max: 90.0,
    };
    let d = Dataset::generate(9, 300, &[age, age], &[0.2; 3], 0.1);
    let o = LogisticOptions::default()
        .with_iterations(2)
        .with_inverse_steps(4, 2)
        .with_batch(32);
    let total = needs(300, 3, &o).unwrap().z64.triples;
    let one_batch = needs(32, 3, &o.with_iterations(1)).unwrap().z64.triples;
    let (requests, largest) = requests_and_largest(&d, &o, needs_ahead(300, 3, &o).unwrap());
    assert!(
        largest > 0 && largest <= one_batch,
        "{largest} > {one_batch}"
    );
    assert!(total > 10 * one_batch, "{total} {one_batch}");
    // One top-up per batch of each step (10 batches, 2 steps) and per
    // chunk of the setup (19 truncation chunks, 10 product chunks), each a
    // request per kind it lacks (at most five): never one per operation.
    let top_ups = 2 * 10 + 19 + 10;
    assert!(requests <= 5 * top_ups, "{requests} requests");
}
