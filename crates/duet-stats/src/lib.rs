#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod analysis;
pub mod atomic;
pub mod data;
mod derived;
pub mod dp;
pub mod job;
pub mod line_cap;
pub mod linked;
mod per_record;
pub mod plan;
mod prepare;
pub mod protocol;
pub mod release;
pub mod results;
mod robust;
pub mod secure;
mod stats;
mod study;
pub mod traffic;

pub use data::{aggregate_csv, DataError, LinkLog, LoadLog};
pub use job::{Job, JobError, LocalConfig, Policy};
pub use linked::Records;
pub use per_record::FitError;
pub use plan::{LocalAggregates, Plan, PlanError, RingChoice};
pub use prepare::{prepare, prepare_data, PrepareError, Prepared, StudyInput};
pub use protocol::{run_study, run_study_with, ProtocolError};
pub use results::Results;
pub use robust::RobustError;
pub use study::{run_prepared, run_prepared_with, Phase, Studied, StudyError};
pub use traffic::{CountingChannel, Traffic};
