//! duet-ot against plaintext: base OT, extension, products, preprocessing
//! material, the engine on OT preprocessing, and hostile peer messages.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    unreachable_pub
)]

mod and_pairs;
mod base;
mod bit_oles;
mod engine;
mod extension;
mod faults;
mod leaf_ots;
mod material;
mod product;
mod quic;
mod simd;
mod softspoken;
mod softspoken_faults;

use duet_core::{MemoryChannel, Role};
use duet_ot::{OtError, OtExtension, OtPreprocessing, OtSession};
use futures::executor::block_on;
use rand::SeedableRng;

/// A session id for tests.
pub const SID: [u8; 32] = [0x5a; 32];

/// A fixed-seed generator for party `role` of test `seed`.
pub fn rng(seed: u64, role: Role) -> rand_chacha::ChaCha20Rng {
    rand_chacha::ChaCha20Rng::seed_from_u64(seed * 2 + role.index() as u64)
}

/// Two set-up sessions on a fresh in-memory pair.
pub fn sessions(seed: u64) -> ((OtSession, MemoryChannel), (OtSession, MemoryChannel)) {
    sessions_with(seed, OtExtension::Iknp)
}

/// Two set-up sessions running the extension `ext`.
pub fn sessions_with(
    seed: u64,
    ext: OtExtension,
) -> ((OtSession, MemoryChannel), (OtSession, MemoryChannel)) {
    let (mut c0, mut c1) = MemoryChannel::pair();
    let (mut r0, mut r1) = (rng(seed, Role::P0), rng(seed, Role::P1));
    let (s0, s1) = block_on(futures::future::join(
        OtSession::setup_with(&mut c0, Role::P0, SID, ext, &mut r0),
        OtSession::setup_with(&mut c1, Role::P1, SID, ext, &mut r1),
    ));
    ((s0.unwrap(), c0), (s1.unwrap(), c1))
}

/// Runs `f0` and `f1` concurrently on the two ends of `pair`, each dropping
/// its end when done: a side that fails early closes the link, and the
/// other's wait ends in an error instead of hanging (what a mutant that
/// breaks one side would otherwise do).
pub fn join_closing<T0, T1>(
    pair: (MemoryChannel, MemoryChannel),
    f0: impl AsyncFnOnce(&mut MemoryChannel) -> T0,
    f1: impl AsyncFnOnce(&mut MemoryChannel) -> T1,
) -> (T0, T1) {
    let (mut c0, mut c1) = pair;
    block_on(futures::future::join(
        async move {
            let r = f0(&mut c0).await;
            drop(c0);
            r
        },
        async move {
            let r = f1(&mut c1).await;
            drop(c1);
            r
        },
    ))
}

/// Runs the same request `f` on both parties' `OtPreprocessing` (seeded
/// by `seed`, running `ext` in batches of `batch_ots`); returns both results.
pub fn with_material<T>(
    seed: u64,
    ext: OtExtension,
    batch_ots: usize,
    f: impl AsyncFn(&mut OtPreprocessing, &mut MemoryChannel) -> T,
) -> (T, T) {
    let mk = |role| {
        OtPreprocessing::new(role, SID, &mut rng(seed, role))
            .with_extension(ext)
            .with_batch_ots(batch_ots)
    };
    let (mut p0, mut p1) = (mk(Role::P0), mk(Role::P1));
    join_closing(
        MemoryChannel::pair(),
        async |c| f(&mut p0, c).await,
        async |c| f(&mut p1, c).await,
    )
}

/// Runs `f0` as P0 and `f1` as P1 concurrently on set-up sessions.
pub fn run<T0, T1>(
    seed: u64,
    f0: impl AsyncFnOnce(&mut OtSession, &mut MemoryChannel) -> Result<T0, OtError>,
    f1: impl AsyncFnOnce(&mut OtSession, &mut MemoryChannel) -> Result<T1, OtError>,
) -> (T0, T1) {
    run_with(seed, OtExtension::Iknp, f0, f1)
}

/// [`run`] on sessions running the extension `ext`.
pub fn run_with<T0, T1>(
    seed: u64,
    ext: OtExtension,
    f0: impl AsyncFnOnce(&mut OtSession, &mut MemoryChannel) -> Result<T0, OtError>,
    f1: impl AsyncFnOnce(&mut OtSession, &mut MemoryChannel) -> Result<T1, OtError>,
) -> (T0, T1) {
    let ((mut s0, c0), (mut s1, c1)) = sessions_with(seed, ext);
    let (a, b) = join_closing(
        (c0, c1),
        async |c| f0(&mut s0, c).await,
        async |c| f1(&mut s1, c).await,
    );
    (a.unwrap(), b.unwrap())
}
