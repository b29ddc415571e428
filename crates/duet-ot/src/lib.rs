#![doc = include_str!("../README.md")]

pub mod base;
mod error;
mod extension;
mod ggm;
mod gilboa;
pub mod hash;
pub mod iknp;
pub mod kinds;
mod leaves;
mod preprocessing;
mod product;
mod rot;
mod session;
pub mod softspoken;
pub mod transpose;
mod triples;
mod wide_aes;
mod wide_transpose;

pub use error::OtError;
pub use extension::OtExtension;
pub use preprocessing::{Material, OtPreprocessing, Progress, ProgressFn};
pub use session::{OtSession, MAX_OTS_PER_ROUND};
