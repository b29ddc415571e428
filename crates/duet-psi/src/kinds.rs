//! The frame kinds duet-psi sends (codes 0x03xx).

use duet_core::MsgKind;

/// Session parameters both sides check before any point is sent (31 bytes).
pub const HELLO: MsgKind = MsgKind::new(0x0301, "psi-hello");
/// A chunk of this party's own blinded identifiers (32 bytes per point).
pub const OWN_POINTS: MsgKind = MsgKind::new(0x0302, "psi-own-points");
/// A chunk of the peer's points raised to this party's key (32 bytes each).
pub const RETURNED_POINTS: MsgKind = MsgKind::new(0x0303, "psi-returned-points");
/// The intersection size the receiver computed (8 bytes).
pub const COUNT: MsgKind = MsgKind::new(0x0304, "psi-count");
/// A share of a sum, sent to open it.
pub const SUM_OPEN: MsgKind = MsgKind::new(0x0305, "psi-sum-open");
/// The shape of a product request both sides must agree on (8 bytes).
pub const SHAPE: MsgKind = MsgKind::new(0x0306, "psi-product-shape");
