//! Leaf OTs from OtPreprocessing (IKNP and SoftSpoken), checked against
//! their definition with both parties' parts side by side: in each
//! direction the receiver's mask is the sender's mask at the receiver's
//! choice; choices and masks are uniform.

use duet_core::{leaf_mask, LeafOts, Preprocessing};
use duet_ot::OtExtension;

use crate::with_material;

fn leaf_ots(seed: u64, ext: OtExtension, n: usize) -> (LeafOts, LeafOts) {
    let (a, b) = with_material(seed, ext, 1 << 12, async |p, c| p.leaf_ots(c, n).await);
    (a.unwrap(), b.unwrap())
}

/// Chi-square against uniform on `0..k`.
fn chi_square(values: impl Iterator<Item = u8>, k: usize) -> f64 {
    let mut counts = vec![0u64; k];
    for v in values {
        counts[usize::from(v)] += 1;
    }
    let expected = counts.iter().sum::<u64>() as f64 / k as f64;
    counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum()
}

fn check(seed: u64, ext: OtExtension, n: usize) {
    let (l0, l1) = leaf_ots(seed, ext, n);
    let ((masks0, chosen0), (masks1, chosen1)) = (l0.parts(), l1.parts());
    assert_eq!((masks0.len(), masks1.len()), (n, n));
    // P0 sends to P1's choice, and P1 to P0's.
    for (masks, chosen, dir) in [(masks0, chosen1, "P0 to P1"), (masks1, chosen0, "P1 to P0")] {
        for i in 0..n {
            let c = chosen[i] & 15;
            assert_eq!(chosen[i] >> 6, 0, "{dir}, leaf OT {i}: stray bits");
            assert_eq!(
                chosen[i] >> 4,
                leaf_mask(masks[i], c),
                "{dir}, leaf OT {i} of {n}"
            );
        }
        if n >= 4000 {
            // 15 and 3 degrees of freedom: 44 and 21.1 are beyond p = 1e-4.
            let choices = chi_square(chosen.iter().map(|c| c & 15), 16);
            assert!(choices < 44.0, "{dir}: choices chi-square {choices:.1}");
            for u in [0u8, 7, 15] {
                let m = chi_square(masks.iter().map(|&w| leaf_mask(w, u)), 4);
                assert!(m < 21.1, "{dir}: mask {u} chi-square {m:.1}");
            }
        }
    }
    if n >= 64 {
        assert_ne!(masks0, masks1);
    }
}

#[test]
fn leaf_ots_satisfy_their_definition_at_edge_sizes() {
    for n in [0usize, 1, 15, 16, 17, 1023, 5000] {
        check(500 + n as u64, OtExtension::Iknp, n);
    }
}

#[test]
fn leaf_ots_from_softspoken_satisfy_their_definition() {
    for k in [2usize, 4, 8] {
        // 5000 leaf OTs in batches of 1024 (4096 OTs): five batches.
        check(520 + k as u64, OtExtension::SoftSpoken { k }, 5000);
    }
}

#[test]
fn unchosen_masks_are_uniform_beside_the_chosen_one() {
    // Each of the 15 unchosen masks, against the chosen one: uniform and
    // unrelated (the pair (M_c, M_u) takes all 16 values equally often).
    let (l0, l1) = leaf_ots(540, OtExtension::SoftSpoken { k: 4 }, 8000);
    let (masks, chosen) = (l0.parts().0, l1.parts().1);
    for offset in 1..16u8 {
        let pairs = (0..masks.len()).map(|i| {
            let c = chosen[i] & 15;
            (chosen[i] >> 4) << 2 | leaf_mask(masks[i], c ^ offset)
        });
        // 15 degrees of freedom: 44 is beyond p = 1e-4.
        let chi2 = chi_square(pairs, 16);
        assert!(chi2 < 44.0, "offset {offset}: chi-square {chi2:.1}");
    }
}
