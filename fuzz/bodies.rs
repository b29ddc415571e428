//! The body of every fuzz target, shared with the corpus replay test
//! (`tests/fuzz_corpora.rs`), so CI runs each corpus as ordinary tests.
//! Each takes any bytes and must return without panicking; what a parser
//! accepts is also checked for its promises.
// Each target uses one body of this module.
#![allow(dead_code)]

use duet_stats::{Job, LocalConfig};

/// The job every CSV and stats-hello input is read against.
const JOB: &str = include_str!("../crates/duet-stats/tests/data/job.toml");
/// Hospital A's settings for [`JOB`].
const LOCAL: &str = include_str!("../crates/duet-stats/tests/data/local_a.toml");

fn fixture() -> Option<(Job, LocalConfig)> {
    Some((
        Job::from_toml_str(JOB).ok()?,
        LocalConfig::from_toml_str(LOCAL).ok()?,
    ))
}

/// duet-net control messages: the handshake's hello and verdict, close, commit.
pub(crate) fn control_codec(data: &[u8]) {
    let _ = duet_net::codec::check(data);
}

/// A job file (TOML), then its canonical hash.
pub(crate) fn job_toml(data: &[u8]) {
    if let Ok(Ok(job)) = std::str::from_utf8(data).map(Job::from_toml_str) {
        let _ = job.hash();
    }
}

/// A side's local settings (TOML).
pub(crate) fn local_toml(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = LocalConfig::from_toml_str(text);
    }
}

/// A CSV read against the fixture job: every row used fits the job.
pub(crate) fn csv_loader(data: &[u8]) {
    let Some((job, local)) = fixture() else {
        return;
    };
    let width = job.columns().len();
    let _ = duet_stats::data::read_rows(data, "fuzz.csv", &job, &local, |row| {
        assert_eq!(row.len(), width);
    });
}

/// The peer's stats hello, checked against the fixture job.
pub(crate) fn stats_hello(data: &[u8]) {
    let Some((job, _)) = fixture() else { return };
    let _ = duet_stats::protocol::parse_hello(data, &job, 7);
}

/// A ristretto255 point from the PSI peer (the identity is refused).
pub(crate) fn psi_point(data: &[u8]) {
    let _ = duet_psi::group::decode("fuzz", data, 0);
}

/// Ring words of an OT or engine message, at the length the data implies
/// and at a wrong one.
pub(crate) fn ring_words(data: &[u8]) {
    let _ = duet_core::wire::decode_words(data, data.len() / 8);
    let _ = duet_core::wire::decode_words(data, data.len() / 8 + 1);
}

/// An anonymisation configuration (TOML).
pub(crate) fn anon_config(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = duet_anon::AnonConfig::from_toml(std::path::Path::new("fuzz.toml"), text);
    }
}

/// An ARX hierarchy file (`;`-separated).
pub(crate) fn anon_hierarchy(data: &[u8]) {
    let _ = duet_anon::hierarchy::Hierarchy::parse_arx("fuzz.csv", data, b';');
}
