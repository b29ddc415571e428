//! Attack tests of the release gate. Each plays the attacker against a
//! two-party job run in memory on crafted data, reads every number the
//! job released, tries to recover a protected value (the other side's few
//! records, a withheld cell, a small event count) and asserts it fails.
//! The property test checks every withheld value against the released
//! ones with an exact method of its own.

mod common;
mod dominance;
mod dp_rerun;
mod floor;
mod ledger_operator;
mod levels;
mod logistic_events;
mod near_thresholds;
mod opened_iterates;
mod per_party;
mod quantile;
mod robust_se;
mod secondary;
mod span_property;
mod survival;
