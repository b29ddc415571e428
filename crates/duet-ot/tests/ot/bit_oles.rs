//! Bit-OLE pairs from OtPreprocessing (IKNP and SoftSpoken), checked
//! against their definition after reconstructing both parties' parts:
//! `own_0 + peer_1 = c_0 r_1` and `own_1 + peer_0 = c_1 r_0`.

use duet_core::{BitOles, Preprocessing, Ring, Z128, Z64};
use duet_ot::OtExtension;

use crate::with_material;

fn pairs<R: Ring>(seed: u64, ext: OtExtension, n: usize) -> (BitOles<R>, BitOles<R>) {
    let (a, b) = with_material(seed, ext, 1 << 12, async |p, c| {
        p.bit_oles::<R, _>(c, n).await
    });
    (a.unwrap(), b.unwrap())
}

fn check<R: Ring>(seed: u64, ext: OtExtension, n: usize) {
    let (o0, o1) = pairs::<R>(seed, ext, n);
    let ((c0, r0, own0, peer0), (c1, r1, own1, peer1)) = (o0.parts(), o1.parts());
    assert_eq!((c0.len(), c1.len()), (n, n));
    let bit = |c: &[u8], i: usize| R::from_u64(u64::from(c[i]));
    for i in 0..n {
        assert!(
            c0[i] <= 1 && c1[i] <= 1,
            "pair {i}: bits {} {}",
            c0[i],
            c1[i]
        );
        assert_eq!(
            own0[i] + peer1[i],
            bit(c0, i) * r1[i],
            "c0 r1, pair {i} of {n}"
        );
        assert_eq!(
            own1[i] + peer0[i],
            bit(c1, i) * r0[i],
            "c1 r0, pair {i} of {n}"
        );
    }
    if n >= 1000 {
        // Both parties' bits are balanced, and their values differ.
        for c in [c0, c1] {
            let ones = c.iter().filter(|&&b| b == 1).count();
            assert!(ones > n / 3 && ones < 2 * n / 3, "{ones} of {n} bits set");
        }
        assert_ne!(r0, r1);
    }
}

#[test]
fn pairs_satisfy_their_definition_at_edge_sizes() {
    for n in [0usize, 1, 2, 63, 64, 65, 5000] {
        check::<Z64>(400 + n as u64, OtExtension::Iknp, n);
        check::<Z128>(401 + n as u64, OtExtension::Iknp, n);
    }
}

#[test]
fn pairs_from_softspoken_satisfy_their_definition() {
    for k in [2usize, 4, 8] {
        // 5000 pairs in batches of 4096 OTs: two batches.
        check::<Z64>(420 + k as u64, OtExtension::SoftSpoken { k }, 5000);
        check::<Z128>(430 + k as u64, OtExtension::SoftSpoken { k }, 65);
    }
}

#[test]
fn the_last_word_of_bits_is_random_whole_or_partial() {
    // The last word of choice bits is masked to its `n % 64` used bits
    // when partial; those bits, and a whole last word, stay random.
    for n in [64usize, 1000, 1024] {
        let (o0, o1) = pairs::<Z64>(450 + n as u64, OtExtension::Iknp, n);
        for c in [o0.parts().0, o1.parts().0] {
            let last = &c[(n - 1) / 64 * 64..];
            let ones = last.iter().filter(|&&b| b == 1).count();
            let edge = last.len() / 8;
            assert!(
                ones > edge && ones < last.len() - edge,
                "{ones} of the last word's {} bits set, n = {n}",
                last.len()
            );
        }
    }
}
