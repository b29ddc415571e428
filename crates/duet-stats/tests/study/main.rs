//! duet-stats tests: every statistic of a two-party study against a
//! plaintext computation on the union of both CSVs, disclosure control,
//! and failure cases (the output files are tested in duet-report). Both
//! parties run over the in-memory channel with the insecure dealer (tests
//! only).

mod common;
mod decimal_fit;
mod dp;
mod failures;
mod hc1;
mod hello;
mod linear_fit;
mod linked;
mod logistic_fit;
mod missing;
mod missing_fit;
mod opened_iterates;
mod oracle;
mod ot;
mod ot_choice;
mod padding;
mod phases;
mod props;
mod quantile;
mod quantile_jobs;
mod robust;
mod statistics;
mod suppression;
mod survival;
