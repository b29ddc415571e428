//! `needs` is exact: with it stocked, the fit asks the source for nothing
//! more, and the stock ends empty (a smaller stock makes the fit ask again).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use duet_core::{Channel, Engine, InsecureDealer, MemoryChannel, Needs, Preprocessing, Ring, Role};
use duet_stats::secure::logistic::{needs, preprocess, FitNeeds, LogisticOptions};
use futures::executor::block_on;
use rand::SeedableRng;

use crate::data::{Dataset, Kind};
use crate::share_and_fit;

/// The dealer, counting the requests that reach it.
struct Counting(InsecureDealer, Arc<AtomicUsize>);

impl Preprocessing for Counting {
    type Error = core::convert::Infallible;
    async fn triples<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        n: usize,
    ) -> Result<duet_core::BeaverTriples<R>, Self::Error> {
        self.1.fetch_add(1, Ordering::SeqCst);
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
    let (c0, c1) = MemoryChannel::pair();
    let counts = [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    let mk = |role, c, i: usize, rng: &mut rand_chacha::ChaCha20Rng| {
        let dealer = Counting(InsecureDealer::new(role, [6; 32]), counts[i].clone());
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
    counts[0].load(Ordering::SeqCst)
}

/// Source requests made by stocking `stock` (one per non-zero kind).
fn stocking_requests(s: &FitNeeds) -> usize {
    [s.z64, s.z128]
        .iter()
        .map(|n| {
            usize::from(n.triples > 0)
                + usize::from(n.and_words > 0)
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
    for (n, p, iters) in [(1usize, 1usize, 1u32), (70, 2, 2), (130, 3, 3)] {
        let kinds: Vec<Kind> = (1..p).map(|_| age).collect();
        let d = Dataset::generate(n as u64, n, &kinds, &vec![0.2; p], 0.1);
        let o = LogisticOptions::default()
            .with_iterations(iters)
            .with_inverse_steps(4, 2);
        let exact = needs(n, p, &o).unwrap();
        assert_eq!(
            requests_with(&d, &o, exact),
            stocking_requests(&exact),
            "n {n} p {p}"
        );
        // One triple short: the fit has to ask the source once more.
        let mut short = exact;
        short.z128.triples -= 1;
        assert_eq!(
            requests_with(&d, &o, short),
            stocking_requests(&short) + 1,
            "n {n} p {p}"
        );
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
