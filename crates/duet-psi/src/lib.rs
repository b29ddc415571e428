#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod aggregate;
mod error;
pub mod group;
pub mod ident;
pub mod join;
pub mod kinds;
mod session;
mod set;
mod stream;

pub use aggregate::{
    cardinality_receiver, cardinality_sender, intersection_sum_receiver, intersection_sum_sender,
    Cardinality, IntersectionSum, SumReveal,
};
pub use error::PsiError;
pub use ident::Normalizer;
pub use join::{
    intersection_receiver, intersection_sender, join_receiver, join_sender, Intersection,
    JoinReceiver, JoinSender, Sizes, MAX_CELLS, MAX_LEVELS,
};
pub use session::{PsiConfig, DEFAULT_CHUNK};
pub use set::{Duplicates, Empty, Policy, PreparedSet, SetReport};
