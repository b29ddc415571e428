//! End-to-end tests across the workspace's crates.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod datasets;
mod pooled_mean;
