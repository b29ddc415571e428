//! The join's shape agreements: both sides must ask for the same number of
//! product columns, and a cross-tabulation is bounded by `MAX_LEVELS`
//! levels per side and `MAX_CELLS` cells, whatever the peer announces.
//! Found missing by cargo-mutants (docs/MUTANTS.md, group psi-join): with
//! these checks replaced, every other test still passed.

use duet_core::{Channel, MemoryChannel, Role, Z64};
use duet_psi::*;

use crate::{both, cfg, ot, rng, set, Tamper};

/// What one side asks of the join once it is formed.
#[derive(Clone, Copy)]
enum Ask {
    /// Inner products with this many columns.
    Inner(usize),
    /// A cross-tabulation with this many levels of its own.
    Crosstab(usize),
}

const ROWS: usize = 3;

fn ids() -> PreparedSet {
    set(&(0..ROWS).map(|i| format!("id{i}")).collect::<Vec<_>>())
}

fn categories(levels: usize) -> Vec<usize> {
    (0..ROWS).map(|r| r % levels.max(1)).collect()
}

/// Each side owns its channel, so an error drops it and ends the other's wait.
async fn receiver<C: Channel>(mut c: C, seed: u64, ask: Ask) -> Result<usize, PsiError> {
    let c = &mut c;
    let mut r = rng(seed);
    let mut o = ot(c, Role::P0, &mut r).await;
    let j = join_receiver(c, &cfg(), &ids(), &mut r).await?;
    let column = [Z64(1); ROWS];
    let out = match ask {
        Ask::Inner(k) => j.inner_products(&mut o, c, &vec![&column[..]; k]).await?,
        Ask::Crosstab(l) => j.crosstab::<Z64, _>(&mut o, c, &categories(l), l).await?,
    };
    Ok(out.len())
}

async fn sender<C: Channel>(mut c: C, seed: u64, ask: Ask) -> Result<usize, PsiError> {
    let c = &mut c;
    let mut r = rng(seed);
    let mut o = ot(c, Role::P1, &mut r).await;
    let j = join_sender(c, &cfg(), &ids(), &mut r).await?;
    let column = [Z64(1); ROWS];
    let out = match ask {
        Ask::Inner(k) => j.inner_products(&mut o, c, &vec![&column[..]; k]).await?,
        Ask::Crosstab(l) => j.crosstab::<Z64, _>(&mut o, c, &categories(l), l).await?,
    };
    Ok(out.len())
}

/// Runs the join with each side's ask; the sender's shape announcement's
/// value is replaced by `announce` when given (a lying peer).
fn run(
    ask_r: Ask,
    ask_s: Ask,
    announce: Option<u32>,
) -> (Result<usize, PsiError>, Result<usize, PsiError>) {
    let (c0, c1) = MemoryChannel::pair();
    let edit = move |code: u16, p: &mut Vec<u8>| {
        if let (Some(v), true) = (announce, code == kinds::SHAPE.code && p.len() == 8) {
            p[4..8].copy_from_slice(&v.to_le_bytes());
        }
    };
    let c1 = Tamper { inner: c1, edit };
    both(receiver(c0, 41, ask_r), sender(c1, 42, ask_s))
}

/// A refusal of a table of `cells` cells (`None`: any count).
fn peer_limit(r: &Result<usize, PsiError>, cells: Option<u64>) -> bool {
    match r {
        Err(PsiError::PeerLimit {
            what: "cross-tabulation cells",
            value,
            ..
        }) => cells.is_none_or(|c| c == *value),
        _ => false,
    }
}

#[test]
fn both_sides_must_ask_for_the_same_number_of_columns() {
    let (a, b) = run(Ask::Inner(2), Ask::Inner(1), None);
    assert!(
        matches!(
            a,
            Err(PsiError::PeerMismatch {
                field: "columns",
                ours: 2,
                theirs: 1
            })
        ),
        "{a:?}"
    );
    assert!(
        matches!(
            b,
            Err(PsiError::PeerMismatch {
                field: "columns",
                ours: 1,
                theirs: 2
            })
        ),
        "{b:?}"
    );
    let (a, b) = run(Ask::Inner(2), Ask::Inner(2), None);
    assert_eq!((a.unwrap(), b.unwrap()), (2, 2));
}

#[test]
fn a_side_may_have_max_levels_but_not_one_more() {
    let (a, b) = run(Ask::Crosstab(MAX_LEVELS), Ask::Crosstab(1), None);
    assert_eq!((a.unwrap(), b.unwrap()), (MAX_LEVELS, MAX_LEVELS));
    let (a, b) = run(Ask::Crosstab(1), Ask::Crosstab(MAX_LEVELS), None);
    assert_eq!((a.unwrap(), b.unwrap()), (MAX_LEVELS, MAX_LEVELS));
    let (a, _) = run(Ask::Crosstab(MAX_LEVELS + 1), Ask::Crosstab(1), None);
    assert!(
        matches!(a, Err(PsiError::Input { what: "levels", .. })),
        "{a:?}"
    );
}

#[test]
fn a_peer_announcing_too_many_levels_is_refused() {
    // The sender really has 1 level but announces one more than allowed.
    let over = u32::try_from(MAX_LEVELS + 1).unwrap();
    let (a, _) = run(Ask::Crosstab(1), Ask::Crosstab(1), Some(over));
    assert!(peer_limit(&a, Some(u64::from(over))), "{a:?}");
}

#[test]
fn a_table_of_more_than_max_cells_is_refused_by_both() {
    // 17 x 1,024 = 17,408 cells, each side within MAX_LEVELS.
    let (a, b) = run(Ask::Crosstab(17), Ask::Crosstab(MAX_LEVELS), None);
    assert!(peer_limit(&a, Some(17 * 1024)), "{a:?}");
    assert!(peer_limit(&b, Some(17 * 1024)), "{b:?}");
    // 16 x 1,024 is exactly MAX_CELLS: accepted.
    assert_eq!(16 * MAX_LEVELS, MAX_CELLS);
    let (a, b) = run(Ask::Crosstab(16), Ask::Crosstab(MAX_LEVELS), None);
    assert_eq!((a.unwrap(), b.unwrap()), (MAX_CELLS, MAX_CELLS));
}
