//! Every fuzz target's corpus (`fuzz/corpus/<target>/`) replayed as
//! ordinary tests through the targets' own bodies (`fuzz/bodies.rs`), so
//! CI keeps every input a fuzzer found interesting and every crash fixed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../fuzz/bodies.rs"]
mod bodies;

use std::path::Path;

/// Runs `body` on every file of `target`'s corpus (at least one).
fn replay(target: &str, body: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        body(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n > 0, "empty corpus {}", dir.display());
}

#[test]
fn control_codec() {
    replay("control_codec", bodies::control_codec);
}

#[test]
fn job_toml() {
    replay("job_toml", bodies::job_toml);
}

#[test]
fn local_toml() {
    replay("local_toml", bodies::local_toml);
}

#[test]
fn csv_loader() {
    replay("csv_loader", bodies::csv_loader);
}

#[test]
fn stats_hello() {
    replay("stats_hello", bodies::stats_hello);
}

#[test]
fn psi_point() {
    replay("psi_point", bodies::psi_point);
}

#[test]
fn ring_words() {
    replay("ring_words", bodies::ring_words);
}

#[test]
fn anon_config() {
    replay("anon_config", bodies::anon_config);
}

#[test]
fn anon_hierarchy() {
    replay("anon_hierarchy", bodies::anon_hierarchy);
}
