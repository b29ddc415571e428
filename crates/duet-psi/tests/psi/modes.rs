//! Every mode against the plaintext join, over the in-memory channel.

use duet_core::{MemoryChannel, Role, Z64};
use duet_psi::*;
use proptest::prelude::*;

use crate::{both, cases, cfg, ot, rng, set, Oracle};

fn weights(n: usize) -> Vec<Z64> {
    (0..n as u64).map(|r| Z64(3 * r + 1)).collect()
}

fn payload(n: usize) -> Vec<Z64> {
    (0..n as u64).map(|r| Z64(5 * r + 2)).collect()
}

/// The sender's indicator column for `inner_products_bits`.
fn flags(n: usize) -> Vec<bool> {
    (0..n).map(|r| r % 3 != 1).collect()
}

fn cardinality(x: &[String], y: &[String]) -> (Cardinality, Cardinality) {
    let (sx, sy) = (set(x), set(y));
    let (mut c0, mut c1) = MemoryChannel::pair();
    let (mut r0, mut r1) = (rng(1), rng(2));
    let (a, b) = both(
        cardinality_receiver(&mut c0, &cfg(), &sx, &mut r0),
        cardinality_sender(&mut c1, &cfg(), &sy, &mut r1),
    );
    (a.unwrap(), b.unwrap())
}

#[test]
fn cardinality_matches_the_plaintext_join() {
    for (name, x, y) in cases() {
        let o = Oracle::new(&x, &y);
        let (a, b) = cardinality(&x, &y);
        let (nx, ny) = o.sizes();
        let want = |own_size, peer_size| Cardinality {
            intersection: o.pairs().len(),
            own_size,
            peer_size,
        };
        assert_eq!(a, want(nx, ny), "{name}");
        assert_eq!(b, want(ny, nx), "{name}");
    }
}

fn sum(
    x: &[String],
    y: &[String],
    reveal: SumReveal,
) -> (IntersectionSum<Z64>, IntersectionSum<Z64>) {
    let (sx, sy) = (set(x), set(y));
    let values = payload(y.len());
    let (mut c0, mut c1) = MemoryChannel::pair();
    let (mut r0, mut r1) = (rng(3), rng(4));
    let (a, b) = both(
        async {
            let mut o = ot(&mut c0, Role::P0, &mut r0).await;
            intersection_sum_receiver(&mut c0, &mut o, &cfg(), &sx, reveal, &mut r0).await
        },
        async {
            let mut o = ot(&mut c1, Role::P1, &mut r1).await;
            intersection_sum_sender(&mut c1, &mut o, &cfg(), &sy, &values, reveal, &mut r1).await
        },
    );
    (a.unwrap(), b.unwrap())
}

#[test]
fn intersection_sum_matches_the_plaintext_join() {
    for (name, x, y) in cases() {
        let o = Oracle::new(&x, &y);
        let values = payload(y.len());
        let want: Z64 = o.pairs().iter().fold(Z64(0), |s, &(_, r)| s + values[r]);
        let count = o.pairs().len();
        for reveal in [SumReveal::Shares, SumReveal::Open] {
            let (a, b) = sum(&x, &y, reveal);
            assert_eq!(a.share + b.share, want, "{name}");
            assert_eq!(a.cardinality.intersection, count, "{name}");
            assert_eq!(b.cardinality.intersection, count, "{name}");
            let opened = (reveal == SumReveal::Open).then_some(want);
            assert_eq!((a.sum, b.sum), (opened, opened), "{name}");
            // Debug names the share without printing it.
            let shown = format!("{a:?}");
            assert!(shown.contains("share: \"<share>\""), "{shown}");
            assert!(shown.contains(&format!("intersection: {count}")), "{shown}");
        }
    }
}

/// Everything the join's products give, reconstructed from both shares.
struct JoinResult {
    matched: Vec<usize>,
    intersection: usize,
    inner: Vec<Z64>,
    bits: Vec<Z64>,
    products: Vec<(Option<usize>, usize, Z64)>,
    crosstab: Vec<Z64>,
    sizes: (Sizes, Sizes),
}

fn join(x: &[String], y: &[String]) -> JoinResult {
    let (sx, sy) = (set(x), set(y));
    let (w, v) = (weights(x.len()), payload(y.len()));
    let ones = vec![Z64(1); x.len()];
    let (cx, cy): (Vec<usize>, Vec<usize>) = (
        (0..x.len()).map(|r| r % 3).collect(),
        (0..y.len()).map(|r| r % 2).collect(),
    );
    let (mut c0, mut c1) = MemoryChannel::pair();
    let (mut r0, mut r1) = (rng(5), rng(6));
    let (a, b) = both(
        async {
            let mut o = ot(&mut c0, Role::P0, &mut r0).await;
            let j = join_receiver(&mut c0, &cfg(), &sx, &mut r0).await?;
            let inner = j
                .inner_products(&mut o, &mut c0, &[&w[..], &ones[..]])
                .await?;
            let bits = j
                .inner_products_bits(&mut o, &mut c0, &[&w[..], &ones[..]])
                .await?;
            let per = j.products(&mut o, &mut c0, &w).await?;
            let tab = j.crosstab::<Z64, _>(&mut o, &mut c0, &cx, 3).await?;
            Ok::<_, PsiError>((j, inner, bits, per, tab))
        },
        async {
            let mut o = ot(&mut c1, Role::P1, &mut r1).await;
            let j = join_sender(&mut c1, &cfg(), &sy, &mut r1).await?;
            let inner = j.inner_products(&mut o, &mut c1, &[&v[..], &v[..]]).await?;
            let f = flags(y.len());
            let bits = j
                .inner_products_bits(&mut o, &mut c1, &[&f[..], &f[..]])
                .await?;
            let per = j.products(&mut o, &mut c1, &v).await?;
            let tab = j.crosstab::<Z64, _>(&mut o, &mut c1, &cy, 2).await?;
            Ok::<_, PsiError>((j, inner, bits, per, tab))
        },
    );
    let ((ja, ia, ba, pa, ta), (jb, ib, bb, pb, tb)) = (a.unwrap(), b.unwrap());
    let add = |p: &[Z64], q: &[Z64]| p.iter().zip(q).map(|(a, b)| *a + *b).collect::<Vec<_>>();
    let products = (0..pa.len())
        .map(|j| (ja.positions()[j], jb.rows_at()[j], pa[j] + pb[j]))
        .collect();
    JoinResult {
        matched: ja.matched_rows().to_vec(),
        intersection: ja.intersection_size(),
        inner: add(&ia, &ib),
        bits: add(&ba, &bb),
        products,
        crosstab: add(&ta, &tb),
        sizes: (ja.sizes(), jb.sizes()),
    }
}

#[test]
fn join_matches_the_plaintext_join() {
    for (name, x, y) in cases() {
        let o = Oracle::new(&x, &y);
        let (w, v) = (weights(x.len()), payload(y.len()));
        let got = join(&x, &y);
        let pairs = o.pairs();
        assert_eq!(
            got.matched,
            pairs.iter().map(|p| p.0).collect::<Vec<_>>(),
            "{name}"
        );
        assert_eq!(got.intersection, pairs.len(), "{name}");
        let dot = pairs.iter().fold(Z64(0), |s, &(a, b)| s + w[a] * v[b]);
        let sum_v = pairs.iter().fold(Z64(0), |s, &(_, b)| s + v[b]);
        assert_eq!(got.inner, vec![dot, sum_v], "{name}");
        let f = flags(y.len());
        let flagged = |weight: &dyn Fn(usize) -> Z64| {
            pairs
                .iter()
                .filter(|&&(_, b)| f[b])
                .fold(Z64(0), |s, &(a, _)| s + weight(a))
        };
        let want_bits = vec![flagged(&|a| w[a]), flagged(&|_| Z64(1))];
        assert_eq!(got.bits, want_bits, "{name}");
        let mut tab = vec![Z64(0); 6];
        for &(a, b) in &pairs {
            tab[(a % 3) * 2 + b % 2] += Z64(1);
        }
        assert_eq!(got.crosstab, tab, "{name}");
        assert_eq!(got.products.len(), o.sizes().1, "{name}");
        for (xr, yr, p) in got.products {
            let want = xr.map_or(Z64(0), |xr| w[xr] * v[yr]);
            assert_eq!(p, want, "{name}");
            assert_eq!(
                xr.is_some(),
                pairs.contains(&(xr.unwrap_or(usize::MAX), yr)),
                "{name}"
            );
        }
        let (nx, ny) = o.sizes();
        assert_eq!(
            got.sizes.0,
            Sizes {
                own_size: nx,
                peer_size: ny
            },
            "{name}"
        );
        assert_eq!(
            got.sizes.1,
            Sizes {
                own_size: ny,
                peer_size: nx
            },
            "{name}"
        );
    }
}

fn intersection(x: &[String], y: &[String]) -> (Intersection, Sizes) {
    let (sx, sy) = (set(x), set(y));
    let (mut c0, mut c1) = MemoryChannel::pair();
    let (mut r0, mut r1) = (rng(7), rng(8));
    let (a, b) = both(
        intersection_receiver(&mut c0, &cfg(), &sx, &mut r0),
        intersection_sender(&mut c1, &cfg(), &sy, &mut r1),
    );
    (a.unwrap(), b.unwrap())
}

#[test]
fn plain_intersection_matches_the_plaintext_join() {
    for (name, x, y) in cases() {
        let o = Oracle::new(&x, &y);
        let (a, b) = intersection(&x, &y);
        assert_eq!(
            a.rows,
            o.pairs().iter().map(|p| p.0).collect::<Vec<_>>(),
            "{name}"
        );
        let (nx, ny) = o.sizes();
        assert_eq!(
            b,
            Sizes {
                own_size: ny,
                peer_size: nx
            },
            "{name}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn random_sets_agree_with_the_oracle(
        x in proptest::collection::vec(0u8..40, 0..30),
        y in proptest::collection::vec(0u8..40, 0..30),
    ) {
        let x: Vec<String> = x.iter().map(|i| format!("p{i}")).collect();
        let y: Vec<String> = y.iter().map(|i| format!("P{i} ")).collect();
        let o = Oracle::new(&x, &y);
        prop_assert_eq!(cardinality(&x, &y).0.intersection, o.pairs().len());
        let (a, _) = intersection(&x, &y);
        prop_assert_eq!(a.rows, o.pairs().iter().map(|p| p.0).collect::<Vec<_>>());
    }

    #[test]
    fn random_sums_and_joins_agree_with_the_oracle(
        x in proptest::collection::vec(0u8..25, 0..12),
        y in proptest::collection::vec(0u8..25, 0..12),
    ) {
        let x: Vec<String> = x.iter().map(|i| format!("Ü{i}")).collect();
        let y: Vec<String> = y.iter().map(|i| format!("u\u{308}{i}")).collect();
        let o = Oracle::new(&x, &y);
        let (w, v) = (weights(x.len()), payload(y.len()));
        let (a, b) = sum(&x, &y, SumReveal::Shares);
        let want = o.pairs().iter().fold(Z64(0), |s, &(_, r)| s + v[r]);
        prop_assert_eq!(a.share + b.share, want);
        let got = join(&x, &y);
        let dot = o.pairs().iter().fold(Z64(0), |s, &(p, q)| s + w[p] * v[q]);
        prop_assert_eq!(got.inner[0], dot);
        let f = flags(y.len());
        let dot_bits = o.pairs().iter().filter(|&&(_, q)| f[q]).fold(Z64(0), |s, &(p, _)| s + w[p]);
        prop_assert_eq!(got.bits[0], dot_bits);
    }
}
