//! Protocols that run on per-record secret shares rather than on pooled
//! aggregates.

pub mod linear;
pub mod logistic;
