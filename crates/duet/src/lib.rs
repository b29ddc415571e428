#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub use duet_anon;
pub use duet_core;
pub use duet_net;
pub use duet_ot;
pub use duet_psi;
pub use duet_report;
pub use duet_stats;

pub use duet_core::{
    Channel, ChannelError, Engine, EngineError, FixedPoint, MemoryChannel, MsgKind, Needs,
    Preprocessing, Ring, Role, Shared, SharedBits, Z128, Z64,
};

// The workspace README's examples compile and run as doctests here.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct WorkspaceReadme;
