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
    // Each round withholds at least one more group or ends, so this bound
    // is never reached by two honest sides.
    for _ in 0..=withheld.len() {
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
    Err(GateError::BadWithhold { len: 0 })
}

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
