//! The sender's arrangement: the receiver of a join learns, for each
//! position of the sender's list, which of its own rows matched, so the
//! positions must be a uniformly random arrangement of the sender's rows,
//! drawn afresh each session and independent of the sender's input order.
//!
//! Position test: the receiver holds the sender's identifiers in the
//! sender's own row order, so `positions()[j]` is the sender's input row at
//! position `j`. Over `SESSIONS` seeded sessions each (row, position) pair
//! is expected `SESSIONS / N` times; Pearson's statistic over the N x N
//! table (both margins fixed, (N-1)^2 = 16 degrees of freedom) must stay
//! below the 0.1% critical value. Without the sender's shuffle every
//! session gives the identity and the statistic is 4,000.

use duet_core::MemoryChannel;
use duet_psi::*;

use crate::{both, cfg, rng, set, strings};

const N: usize = 5;
const SESSIONS: u64 = 200;
/// The chi-square distribution's 0.999 quantile at 16 degrees of freedom.
const CRITICAL_16_DF: f64 = 39.252;

/// The sender's input row at each position, as the receiver sees it.
fn arrangement_seen_by_receiver(seed: u64) -> Vec<usize> {
    let ids = strings(&["p0", "p1", "p2", "p3", "p4"]);
    let (x, y) = (set(&ids), set(&ids));
    let (mut c0, mut c1) = MemoryChannel::pair();
    let (mut r0, mut r1) = (rng(seed), rng(seed ^ 0xA5A5));
    let (a, b) = both(
        join_receiver(&mut c0, &cfg(), &x, &mut r0),
        join_sender(&mut c1, &cfg(), &y, &mut r1),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let seen: Vec<usize> = a.positions().iter().map(|p| p.unwrap()).collect();
    // The receiver's view agrees with the sender's own record of its order.
    assert_eq!(seen, b.rows_at());
    seen
}

/// `table[row][position]`: how often the sender's row sat at each position.
fn position_table() -> [[u64; N]; N] {
    let mut table = [[0u64; N]; N];
    for s in 0..SESSIONS {
        for (pos, row) in arrangement_seen_by_receiver(5000 + s)
            .into_iter()
            .enumerate()
        {
            table[row][pos] += 1;
        }
    }
    table
}

fn pearson(table: &[[u64; N]; N]) -> f64 {
    let expected = SESSIONS as f64 / N as f64;
    table
        .iter()
        .flatten()
        .map(|&o| (o as f64 - expected).powi(2) / expected)
        .sum()
}

#[test]
fn the_senders_arrangement_is_independent_of_its_input_order() {
    let table = position_table();
    for row in &table {
        assert_eq!(row.iter().sum::<u64>(), SESSIONS);
    }
    let stat = pearson(&table);
    assert!(
        stat < CRITICAL_16_DF,
        "position table {table:?}: chi2 = {stat}"
    );
    // The statistic can fail: the arrangement that keeps the input order.
    let mut identity = [[0u64; N]; N];
    for (i, row) in identity.iter_mut().enumerate() {
        row[i] = SESSIONS;
    }
    assert_eq!(pearson(&identity), 4000.0);
}

#[test]
fn consecutive_sessions_draw_different_arrangements() {
    let firsts: Vec<Vec<usize>> = (0..8)
        .map(|s| arrangement_seen_by_receiver(77 + s))
        .collect();
    let distinct: std::collections::BTreeSet<_> = firsts.iter().collect();
    // 8 draws from 120 arrangements: at least 6 distinct unless the draw is not fresh.
    assert!(distinct.len() >= 6, "{firsts:?}");
}
