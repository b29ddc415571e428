#![doc = include_str!("../README.md")]
// deny, not forbid: the transcript's `sha256x16` module allows it.
#![deny(unsafe_code)]

mod abort;
pub mod bench;
mod channel;
pub mod codec;
pub mod config;
pub mod error;
pub mod frame;
pub mod handshake;
pub mod identity;
pub mod link;
mod sha256x16;
mod tls;
pub mod transcript;

pub use abort::AbortReason;
pub use channel::QuicChannel;
pub use config::LinkConfig;
pub use error::NetError;
pub use handshake::{Field, Handshake, PROTOCOL_VERSION};
pub use identity::{Fingerprint, FingerprintError, Identity, IdentityPaths};
pub use link::{connect, dial, listen, Connected, Listener};
pub use tls::ALPN;
pub use transcript::{Digest, KindStats, LinkSummary, Traffic};
