//! Secondary suppression agreed between the two sides. Each side runs the
//! differencing test with its own ledger's earlier releases (which the
//! other side does not have), so each may withhold more than the other;
//! the two withheld sets are exchanged and united, and the test runs again
//! on the union until neither side adds anything. Withholding more never
//! lets a withheld value be recomputed, so the union keeps both sides'
//! guarantees.
//!
//! What the peer learns: which cells this side's ledger made it withhold
//! (one bit per cell, a fact about the structure of this side's earlier
//! releases, never a value). Without earlier releases both sides compute
//! the same set and the exchange ends after one message each way.

use duet_core::{Channel, MsgKind};

use super::open::Openable;
use super::{atoms, secondary, Earlier, GateError};

/// The withheld-cell bitmap of one round.
pub const WITHHOLD: MsgKind = MsgKind::new(0x0402, "gate-withhold");

/// Runs secondary suppression with this side's `earlier` releases, agrees
/// with the peer, and marks `withheld`. Returns each secondary withholding
/// with the value it protects.
pub(crate) async fn agreed<C: Channel>(
    ch: &mut C,
    openables: &[Openable],
    withheld: &mut [bool],
    domain: &atoms::Domain,
    earlier: &Earlier,
) -> Result<Vec<(usize, String)>, GateError> {
    let mut out = Vec::new();
    // Each round that does not end withholds more on at least one side;
    // two honest sides agree after a round or two (one without ledgers).
    // The bound keeps a peer that keeps adding cells from making this side
    // rerun the rank test once per cell.
    for _ in 0..MAX_ROUNDS {
        let mine = local(openables, withheld, domain, earlier)
            .map_err(|e| GateError::Differencing(e.to_string()))?;
        out.extend(mine);
        let bytes = to_bytes(withheld);
        let len = bytes.len();
        ch.send(WITHHOLD, bytes.clone()).await.map_err(channel)?;
        let theirs = ch.recv(WITHHOLD, len).await.map_err(channel)?;
        if theirs.len() != len {
            return Err(GateError::BadWithhold { len: theirs.len() });
        }
        if theirs == bytes {
            return Ok(out);
        }
        for (g, w) in withheld.iter_mut().enumerate() {
            let peer = theirs.get(g / 8).is_some_and(|b| b >> (g % 8) & 1 == 1);
            if peer && !*w {
                *w = true;
                out.push((g, "a value the peer's earlier releases protect".to_string()));
            }
        }
    }
    Err(GateError::NoAgreement { rounds: MAX_ROUNDS })
}

/// Exchanges before the two sides must agree on the withheld cells.
pub const MAX_ROUNDS: usize = 16;

fn channel(e: duet_core::ChannelError) -> GateError {
    GateError::Engine(duet_core::EngineError::Channel {
        step: "agreeing on secondary suppression",
        source: e,
    })
}

fn to_bytes(bits: &[bool]) -> Vec<u8> {
    let mut out = vec![0u8; bits.len().div_ceil(8)];
    for (i, _) in bits.iter().enumerate().filter(|(_, &b)| b) {
        if let Some(byte) = out.get_mut(i / 8) {
            *byte |= 1 << (i % 8);
        }
    }
    out
}

/// One side's differencing test over the current withheld set.
fn local(
    openables: &[Openable],
    withheld: &mut [bool],
    domain: &atoms::Domain,
    earlier: &Earlier,
) -> Result<Vec<(usize, String)>, atoms::AtomError> {
    let items: Vec<secondary::Item> = openables
        .iter()
        .map(|o| secondary::Item {
            value: o.value.clone(),
            group: o.group,
            released: !withheld.get(o.group).copied().unwrap_or(true),
        })
        .collect();
    let found = secondary::secondary(&items, &earlier.released, &earlier.withheld, domain)?;
    let mut out = Vec::new();
    for w in found.withheld {
        if let Some(slot) = withheld.get_mut(w.group) {
            *slot = true;
        }
        let protects = match w.protects {
            secondary::Protected::Item(i) => openables
                .get(i)
                .map_or_else(|| "?".to_string(), |o| o.name.clone()),
            secondary::Protected::Earlier(_) => "a value an earlier run withheld".to_string(),
        };
        out.push((w.group, protects));
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use duet_core::MemoryChannel;
    use futures::executor::block_on;

    use super::*;

    /// Runs this side's `agreed` on `cells` cells (nothing to protect)
    /// against a peer that answers round `r` with `peer(r)`.
    fn against(cells: usize, peer: impl Fn(usize) -> Vec<u8>) -> Result<Vec<bool>, GateError> {
        let (mut c0, mut c1) = MemoryChannel::pair();
        let mut withheld = vec![false; cells];
        let len = cells.div_ceil(8);
        let w = &mut withheld;
        // c0 moves in, so it closes when this side stops and the peer's
        // next receive ends.
        let ours = async move {
            agreed(&mut c0, &[], w, &atoms::Domain::new(), &Earlier::default())
                .await
                .map(|_| ())
        };
        let theirs = async {
            for r in 0..MAX_ROUNDS + 1 {
                if c1.recv(WITHHOLD, len).await.is_err() {
                    return;
                }
                if c1.send(WITHHOLD, peer(r)).await.is_err() {
                    return;
                }
            }
        };
        let (result, ()) = block_on(futures::future::join(ours, theirs));
        result.map(|()| withheld)
    }

    #[test]
    fn an_agreeing_peer_ends_after_one_exchange_and_a_larger_set_is_united() {
        assert_eq!(against(10, |_| vec![0, 0]).unwrap(), vec![false; 10]);
        // The peer withholds cells 1 and 10 (bytes that differ, so a cell
        // read from the wrong byte shows); the next round both agree.
        let got = against(11, |_| vec![0b10, 0b100]).unwrap();
        let want: Vec<bool> = (0..11).map(|i| i == 1 || i == 10).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_peer_that_keeps_adding_cells_is_stopped() {
        // Round r withholds cells 0..=r: never the same set twice.
        let peer = |r: usize| {
            let mut b = vec![0u8; 5];
            for i in 0..=r.min(39) {
                b[i / 8] |= 1 << (i % 8);
            }
            b
        };
        assert!(matches!(
            against(40, peer),
            Err(GateError::NoAgreement { rounds: MAX_ROUNDS })
        ));
    }

    #[test]
    fn a_bitmap_of_the_wrong_length_is_refused() {
        assert!(matches!(
            against(10, |_| vec![0]),
            Err(GateError::BadWithhold { len: 1 })
        ));
    }
}
