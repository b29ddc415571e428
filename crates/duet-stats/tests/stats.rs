//! duet-stats integration tests, one binary: each folder is a module
//! (`cargo test -p duet-stats --test stats -- attacks::` runs one; why
//! one binary: Cargo.toml). The lints allowed here cover every module.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    unreachable_pub
)]
#[path = "attacks/main.rs"]
mod attacks;
#[path = "linear/main.rs"]
mod linear;
#[path = "logistic/main.rs"]
mod logistic;
#[path = "study/main.rs"]
mod study;

use duet_core::{Engine, InsecureDealer, MemoryChannel, Role};
use rand::SeedableRng;

/// Two in-memory engines with the test dealer, as the linear and logistic
/// tests run their protocols.
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
