#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod and_pairs;
pub mod bits;
pub mod channel;
#[cfg(feature = "insecure-dealer")]
pub mod dealer;
pub mod engine;
pub mod error;
pub mod fixed;
mod leaf_ots;
mod mask;
pub mod preprocessing;
pub mod ring;
pub mod share;
pub mod wire;

pub use channel::{Channel, ChannelError, MemoryChannel, MsgKind};
#[cfg(feature = "insecure-dealer")]
pub use dealer::InsecureDealer;
pub use engine::{Engine, Needs};
pub use error::EngineError;
pub use fixed::{FixedError, FixedPoint};
pub use leaf_ots::{leaf_mask, LEAF_VALUES};
pub use preprocessing::{
    AndPairs, AndTriples, BeaverTriples, BitOles, DaBits, LeafOts, Preprocessing,
};
pub use ring::{Ring, Z128, Z64};
pub use share::{LengthMismatch, Role, Shared, SharedBits};
