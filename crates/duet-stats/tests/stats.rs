//! duet-stats integration tests, one binary: each folder is a module
//! (`cargo test -p duet-stats --test stats -- attacks::` runs one; why
//! one binary: Cargo.toml). The lints allowed here cover every module.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    unreachable_pub
)]
#[path = "attacks/main.rs"]
mod attacks;
#[path = "linear/main.rs"]
mod linear;
#[path = "logistic/main.rs"]
mod logistic;
#[path = "study/main.rs"]
mod study;
