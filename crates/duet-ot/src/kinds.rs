//! The frame kinds duet-ot sends (codes 0x02xx).

use duet_core::MsgKind;

/// Base OT: the sender's point `A` (32 bytes).
pub const BASE_SENDER: MsgKind = MsgKind::new(0x0201, "ot-base-sender");
/// Base OT: the receiver's points `B` (32 bytes each, 128 of them).
pub const BASE_RECEIVER: MsgKind = MsgKind::new(0x0202, "ot-base-receiver");
/// Extension: the receiver's matrix `u` (16 bytes per extended OT).
pub const EXT_U: MsgKind = MsgKind::new(0x0203, "ot-ext-u");
/// Gilboa: the sender's packed corrections.
pub const GILBOA: MsgKind = MsgKind::new(0x0204, "ot-gilboa-corrections");
/// SoftSpoken setup: the extension receiver's GGM tree message (32 bytes
/// per tree level below the first, once per session and direction).
pub const SSOT_TREES: MsgKind = MsgKind::new(0x0205, "ot-softspoken-trees");
