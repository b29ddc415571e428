//! Preprocessing material from OtPreprocessing, checked against its
//! defining relation after reconstructing both parties' shares.

use std::sync::{Arc, Mutex};

use duet_core::{MemoryChannel, Preprocessing, Ring, Role, Z128, Z64};
use duet_ot::{Material, OtPreprocessing, Progress};
use futures::executor::block_on;

use crate::{rng, SID};

/// Runs the same request on both parties (IKNP, default batches).
fn both<T>(seed: u64, f: impl AsyncFn(&mut OtPreprocessing, &mut MemoryChannel) -> T) -> (T, T) {
    crate::with_material(seed, duet_ot::OtExtension::Iknp, 1 << 18, f)
}

fn check_triples<R: Ring>(seed: u64, n: usize) {
    let (t0, t1) = both(seed, async |p, c| p.triples::<R, _>(c, n).await.unwrap());
    let ((a0, b0, c0), (a1, b1, c1)) = (t0.parts(), t1.parts());
    assert_eq!((a0.len(), a1.len()), (n, n));
    for i in 0..n {
        let (a, b) = (a0[i] + a1[i], b0[i] + b1[i]);
        assert_eq!(c0[i] + c1[i], a * b, "triple {i} of {n}");
    }
    // Shares are not degenerate: P0's a differs from P1's.
    if n > 1 {
        assert_ne!(a0, a1);
    }
}

#[test]
fn beaver_triples_small_sizes() {
    for n in [0usize, 1, 2, 4095, 4097] {
        check_triples::<Z64>(60 + n as u64, n);
        check_triples::<Z128>(61 + n as u64, n);
    }
}

/// One million triples per ring (the check). In the test profile
/// (our code at opt-level 1) this costs about a minute for both rings on
/// the 2-core machine; see docs/BENCHMARKS.md for release figures.
#[test]
fn one_million_triples_per_ring() {
    check_triples::<Z64>(62, 1 << 20);
    check_triples::<Z128>(63, 1 << 20);
}

#[test]
fn and_triples_satisfy_c_equals_a_and_b() {
    for words in [0usize, 1, 3, 1 << 14] {
        let (t0, t1) = both(64, async |p, c| p.and_triples(c, words).await.unwrap());
        let ((a0, b0, c0), (a1, b1, c1)) = (t0.parts(), t1.parts());
        assert_eq!((a0.len(), a1.len()), (words, words));
        for i in 0..words {
            assert_eq!(c0[i] ^ c1[i], (a0[i] ^ a1[i]) & (b0[i] ^ b1[i]), "word {i}");
        }
        if words > 0 {
            // Both a and b take both values somewhere (not constant).
            let a: u64 = (0..words).fold(0, |acc, i| acc | (a0[i] ^ a1[i]));
            assert_ne!(a, 0);
        }
    }
}

fn check_dabits<R: Ring>(seed: u64, n: usize) {
    let (d0, d1) = both(seed, async |p, c| p.dabits::<R, _>(c, n).await.unwrap());
    let ((x0, r0), (x1, r1)) = (d0.parts(), d1.parts());
    assert_eq!((r0.len(), r1.len()), (n, n));
    let mut ones = 0;
    for i in 0..n {
        let bit = (x0[i / 64] ^ x1[i / 64]) >> (i % 64) & 1;
        assert_eq!(r0[i] + r1[i], R::from_u64(bit), "bit {i} of {n}");
        ones += bit;
    }
    // Bits past n are zero in the packed words.
    if !n.is_multiple_of(64) {
        assert_eq!(x0[n / 64] >> (n % 64), 0);
    }
    if n >= 1000 {
        assert!(
            ones > n as u64 / 3 && ones < 2 * n as u64 / 3,
            "{ones} of {n}"
        );
    }
}

#[test]
fn dabits_are_the_same_bit_in_both_sharings() {
    for n in [0usize, 1, 2, 63, 65, 100_001] {
        check_dabits::<Z64>(70 + n as u64, n);
        check_dabits::<Z128>(71 + n as u64, n);
    }
}

#[test]
fn progress_is_reported_per_batch() {
    let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let log = seen.clone();
    let p0 = OtPreprocessing::new(Role::P0, SID, &mut rng(80, Role::P0))
        .with_batch_ots(1 << 16)
        .with_progress(Box::new(move |p| log.lock().unwrap().push(p)));
    let p1 = OtPreprocessing::new(Role::P1, SID, &mut rng(80, Role::P1)).with_batch_ots(1 << 16);
    let (mut c0, mut c1) = MemoryChannel::pair();
    let n = 2500; // 1024 triples per batch of 2^16 OTs
    let (mut p0, mut p1) = (p0, p1);
    let (a, b) = block_on(futures::future::join(
        p0.triples::<Z64, _>(&mut c0, n),
        p1.triples::<Z64, _>(&mut c1, n),
    ));
    assert_eq!((a.unwrap().len(), b.unwrap().len()), (n, n));
    let t = Material::Triples { bits: 64 };
    let want = vec![
        Progress {
            material: Material::BaseOts,
            done: 1,
            total: 1,
        },
        Progress {
            material: t,
            done: 1024,
            total: n,
        },
        Progress {
            material: t,
            done: 2048,
            total: n,
        },
        Progress {
            material: t,
            done: n,
            total: n,
        },
    ];
    assert_eq!(*seen.lock().unwrap(), want);
}
