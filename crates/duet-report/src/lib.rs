#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod export;
mod html;
pub mod output;
#[cfg(test)]
mod quantile_fixture;
mod report;
mod staging;

pub use output::{stage_outputs, write_outputs, OutputError, OutputPaths, RunInfo, Staged};
pub use staging::check_output_dir;
