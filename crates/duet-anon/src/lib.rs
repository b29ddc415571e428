#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod atomic;
pub mod classes;
pub mod column;
pub mod config;
mod csv_text;
pub mod dates;
pub mod dp;
pub mod error;
mod guard;
pub mod hierarchy;
pub mod lattice;
pub mod mdav;
pub mod measure;
pub mod model;
pub mod population;
pub mod pseudonym;
pub mod recode;
pub mod report;
pub mod risk;
pub mod rollup;
pub mod rules;
pub mod run;
pub mod search;
pub mod table;

pub use atomic::write_atomic;
pub use classes::{Classes, Problem};
pub use config::AnonConfig;
pub use error::{AnonError, Result};
pub use hierarchy::{Generalizer, Hierarchy};
pub use lattice::Lattice;
pub use measure::{Measure, Scorer, Utility};
pub use model::{GroundDistance, Policy, PrivacyModel};
pub use pseudonym::HmacKey;
pub use report::AnonReport;
pub use rules::Rule;
pub use run::{run_config, run_config_with_rng};
pub use search::{exhaustive, search, NodeEval, SearchResult};
pub use table::{Column, ColumnKind, CsvOptions, Encoding, Table};
