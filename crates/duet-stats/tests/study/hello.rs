//! The stats hello (88 bytes: job hash, plan length, then min_cell,
//! min_group, max_params_ratio, suppress, min_cell_per_party, dominance k as
//! little-endian u64 words): every word read back where it was written, and
//! a hello of another length refused (cargo-mutants survivors of
//! `protocol.rs`, docs/MUTANTS.md).

use duet_core::{Channel, ChannelError};
use duet_stats::job::Suppress;
use duet_stats::protocol::{parse_hello, HELLO};
use duet_stats::{Job, Plan, ProtocolError};

use super::common::fixture_job;
use super::robust::against;

/// A hello for `job` and `plan` stating the words after the hash.
fn hello(job: &Job, plan: &Plan, words: [u64; 6]) -> Vec<u8> {
    let mut h = job.hash().to_vec();
    h.extend_from_slice(&(plan.len() as u64).to_le_bytes());
    for w in words {
        h.extend_from_slice(&w.to_le_bytes());
    }
    h
}

/// min_cell 7, min_group 11, ratio 0.25, table suppression, 5 per party,
/// k = 80: each word differs from the others and from the job's policy.
fn stated(job: &Job, plan: &Plan) -> Vec<u8> {
    hello(job, plan, [7, 11, 0.25f64.to_bits(), 1, 5, 80])
}

#[test]
fn parse_hello_reads_back_every_stated_word() {
    let job = fixture_job();
    let plan = Plan::new(&job).unwrap();
    let bytes = stated(&job, &plan);
    assert_eq!(bytes.len(), 88);
    let mut want = job.policy().clone();
    want.min_cell = 7;
    want.min_group = 11;
    want.max_params_ratio = 0.25;
    want.suppress = Suppress::Table;
    want.min_cell_per_party = Some(5);
    want.dominance.k = 80;
    assert_ne!(&want, job.policy());
    assert_eq!(parse_hello(&bytes, &job, plan.len()).unwrap(), want);
}

#[test]
fn parse_hello_refuses_any_length_but_88() {
    let job = fixture_job();
    let plan = Plan::new(&job).unwrap();
    let full = stated(&job, &plan);
    let mut long = full.clone();
    long.push(0);
    for bytes in [&full[..0], &full[..32], &full[..87], &long[..]] {
        let got = parse_hello(bytes, &job, plan.len()).unwrap_err();
        assert!(
            matches!(got, ProtocolError::BadHello { len } if len == bytes.len()),
            "{} bytes: {got}",
            bytes.len()
        );
    }
}

#[test]
fn a_hello_one_byte_too_long_is_refused_at_the_frame_limit() {
    let e = against(async |mut e1| {
        let job = fixture_job();
        let plan = Plan::new(&job).unwrap();
        let mut long = stated(&job, &plan);
        long.push(0);
        e1.channel().send(HELLO, long).await.unwrap();
    });
    assert!(
        matches!(
            e,
            ProtocolError::Channel(ChannelError::FrameTooLarge { len: 89, limit: 88 })
        ),
        "{e}"
    );
}
