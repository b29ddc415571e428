//! What the receiver sees. In intersection-sum its view must depend on how
//! many rows matched, not on which: two receiver tables with the same
//! identifiers in different row orders (so different rows match) must give
//! byte-identical received transcripts and outputs under the same seeds.
//! The join, which does reveal matched rows, must differ on the same inputs,
//! which shows the check can fail. Keys must differ between sessions.

use duet_core::{MemoryChannel, Role, Z64};
use duet_psi::*;

use crate::{both, cfg, ot, rng, set, strings, Recorder, SID};

type Transcript = Vec<(u16, Vec<u8>)>;

fn sum_view(x: &[&str]) -> (IntersectionSum<Z64>, Transcript) {
    let (sx, sy) = (
        set(&strings(x)),
        set(&strings(&["m1", "q", "m2", "r", "s"])),
    );
    let values = [Z64(10), Z64(20), Z64(30), Z64(40), Z64(50)];
    let (c0, mut c1) = MemoryChannel::pair();
    let mut rec = Recorder::new(c0);
    let (mut r0, mut r1) = (rng(11), rng(12));
    let (a, b) = both(
        async {
            let mut o = ot(&mut rec, Role::P0, &mut r0).await;
            let out =
                intersection_sum_receiver(&mut rec, &mut o, &cfg(), &sx, SumReveal::Open, &mut r0)
                    .await;
            (out, rec.received)
        },
        async {
            let mut o = ot(&mut c1, Role::P1, &mut r1).await;
            intersection_sum_sender(
                &mut c1,
                &mut o,
                &cfg(),
                &sy,
                &values,
                SumReveal::Open,
                &mut r1,
            )
            .await
        },
    );
    assert_eq!(b.unwrap().sum, Some(Z64(40)));
    (a.0.unwrap(), a.1)
}

const ROWS_01: [&str; 4] = ["m1", "m2", "u1", "u2"];
const ROWS_23: [&str; 4] = ["u1", "u2", "m1", "m2"];

#[test]
fn intersection_sum_receiver_view_depends_only_on_the_count() {
    let (out_a, view_a) = sum_view(&ROWS_01);
    let (out_b, view_b) = sum_view(&ROWS_23);
    assert_eq!(out_a.cardinality.intersection, 2);
    assert_eq!(out_a.sum, Some(Z64(40)));
    assert_eq!(out_a, out_b);
    assert!(view_a.len() > 6);
    assert_eq!(view_a, view_b);
}

fn join_view(x: &[&str]) -> (Vec<usize>, Transcript) {
    let (sx, sy) = (
        set(&strings(x)),
        set(&strings(&["m1", "q", "m2", "r", "s"])),
    );
    let (c0, mut c1) = MemoryChannel::pair();
    let mut rec = Recorder::new(c0);
    let (mut r0, mut r1) = (rng(11), rng(12));
    let (a, b) = both(
        async {
            let out = join_receiver(&mut rec, &cfg(), &sx, &mut r0).await;
            (out, rec.received)
        },
        join_sender(&mut c1, &cfg(), &sy, &mut r1),
    );
    b.unwrap();
    (a.0.unwrap().matched_rows().to_vec(), a.1)
}

#[test]
fn the_join_does_reveal_which_rows_matched() {
    let (rows_a, view_a) = join_view(&ROWS_01);
    let (rows_b, view_b) = join_view(&ROWS_23);
    assert_eq!((rows_a, rows_b), (vec![0, 1], vec![2, 3]));
    assert_ne!(view_a, view_b);
}

/// The receiver's own blinded points from two sessions run one after the other.
fn own_points_of_two_sessions() -> (Transcript, Transcript) {
    let x = set(&strings(&["a", "b", "c"]));
    let (mut r0, mut r1) = (rng(21), rng(22));
    let mut run = || {
        let (c0, mut c1) = MemoryChannel::pair();
        let mut rec = Recorder::new(c0);
        let cfg = PsiConfig::new(SID, 10);
        let (a, b) = both(
            cardinality_receiver(&mut rec, &cfg, &x, &mut r0),
            cardinality_sender(&mut c1, &cfg, &x, &mut r1),
        );
        assert_eq!(a.unwrap().intersection, 3);
        assert_eq!(b.unwrap().intersection, 3);
        rec.sent
            .into_iter()
            .filter(|f| f.0 == kinds::OWN_POINTS.code)
            .collect()
    };
    (run(), run())
}

#[test]
fn each_session_draws_a_fresh_key() {
    let (first, second) = own_points_of_two_sessions();
    assert_eq!(first.len(), 1);
    let points = |t: &Transcript| {
        let mut p: Vec<Vec<u8>> = t[0].1.chunks(32).map(<[u8]>::to_vec).collect();
        p.sort();
        p
    };
    // Same identifiers, same session id: only the key can make them differ.
    let (p1, p2) = (points(&first), points(&second));
    assert_eq!(p1.len(), 3);
    assert!(p1.iter().all(|p| !p2.contains(p)));
}
