//! Engine tests: every operation against plaintext arithmetic, both rings,
//! driven through the in-memory channel with the insecure dealer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub
)]

mod arith;
mod bit_products;
mod compare;
mod faults;
mod leaves;
mod uniformity;

use duet_core::{Engine, EngineError, InsecureDealer, MemoryChannel, Ring, Role, Shared};
use futures::executor::block_on;
use rand::SeedableRng;

pub type TestEngine = Engine<MemoryChannel, InsecureDealer>;

/// A connected pair of engines with fixed seeds.
pub fn engines(seed: u64) -> (TestEngine, TestEngine) {
    let (c0, c1) = MemoryChannel::pair();
    let common = [seed as u8; 32];
    let mut r0 = rand_chacha::ChaCha20Rng::seed_from_u64(seed * 2);
    let mut r1 = rand_chacha::ChaCha20Rng::seed_from_u64(seed * 2 + 1);
    (
        Engine::new(Role::P0, c0, InsecureDealer::new(Role::P0, common), &mut r0),
        Engine::new(Role::P1, c1, InsecureDealer::new(Role::P1, common), &mut r1),
    )
}

/// Shares `values`, owned by `owner`; both parties call it with the same
/// arguments (only the owner reads `values`).
pub async fn input<R: Ring>(
    e: &mut TestEngine,
    owner: Role,
    values: &[R],
) -> Result<Shared<R>, EngineError> {
    if e.role() == owner {
        e.share_input(values).await
    } else {
        e.receive_input(values.len()).await
    }
}

/// Runs `body` for both parties concurrently; returns both results.
pub fn both<T, F>(seed: u64, body: F) -> (T, T)
where
    F: AsyncFn(&mut TestEngine) -> T,
{
    let (mut e0, mut e1) = engines(seed);
    block_on(futures::future::join(body(&mut e0), body(&mut e1)))
}

/// Both parties' opened results, checked equal, returned once.
pub fn agreed<T: PartialEq + core::fmt::Debug>(
    pair: (Result<T, EngineError>, Result<T, EngineError>),
) -> T {
    let (a, b) = pair;
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a, b, "the parties opened different values");
    a
}
