//! `protocol.ot_extension`: every choice releases what IKNP releases; the
//! setting is part of the job hash, so two sides with different choices
//! stop at the job check before any OT; bad values are refused with their
//! place in the file.

use duet_core::{Engine, MemoryChannel, Role};
use duet_ot::OtPreprocessing;
use duet_stats::job::{OtChoice, DEFAULT_OT_EXTENSION};
use duet_stats::{run_study, Job, JobError, Plan, ProtocolError, Results};
use futures::executor::block_on;
use rand::SeedableRng;

use super::common::{aggregate, local, read};

/// The fixture job with `[protocol] ot_extension = name` appended.
fn job_text(name: &str) -> String {
    format!(
        "{}\n[protocol]\not_extension = \"{name}\"\n",
        read("job.toml")
    )
}

fn job_with(choice: OtChoice) -> Job {
    Job::from_toml_str(&job_text(choice.name())).unwrap()
}

/// Runs the study over OT preprocessing, each side with its own job and
/// the extension that job names; fixed seeds.
fn run_ot(
    jobs: [&Job; 2],
) -> (
    Result<Results, ProtocolError>,
    Result<Results, ProtocolError>,
) {
    let plan = Plan::new(jobs[0]).unwrap();
    let (a, _) = aggregate(jobs[0], &plan, &local("local_a.toml"), &read("a.csv")).unwrap();
    let (b, _) = aggregate(jobs[0], &plan, &local("local_b.toml"), &read("b.csv")).unwrap();
    let (c0, c1) = MemoryChannel::pair();
    let mut r0 = rand_chacha::ChaCha20Rng::seed_from_u64(21);
    let mut r1 = rand_chacha::ChaCha20Rng::seed_from_u64(22);
    let sid = [6u8; 32];
    let ext = |j: &Job| j.ot_extension().extension();
    let p0 = OtPreprocessing::new(Role::P0, sid, &mut r0).with_extension(ext(jobs[0]));
    let p1 = OtPreprocessing::new(Role::P1, sid, &mut r1).with_extension(ext(jobs[1]));
    let mut e0 = Engine::new(Role::P0, c0, p0, &mut r0);
    let mut e1 = Engine::new(Role::P1, c1, p1, &mut r1);
    let (q0, q1) = (jobs[0].policy().clone(), jobs[1].policy().clone());
    block_on(futures::future::join(
        run_study(&mut e0, jobs[0], &plan, &q0, &a),
        run_study(&mut e1, jobs[1], &plan, &q1, &b),
    ))
}

#[test]
fn every_extension_releases_what_iknp_releases() {
    let iknp = job_with(OtChoice::Iknp);
    let (x, y) = run_ot([&iknp, &iknp]);
    let want = x.unwrap();
    assert_eq!(want, y.unwrap());
    for choice in [OtChoice::SoftSpoken2, OtChoice::SoftSpoken4] {
        let job = job_with(choice);
        assert_eq!(job.ot_extension(), choice);
        let (x, y) = run_ot([&job, &job]);
        let got = x.unwrap();
        assert_eq!(got, y.unwrap(), "{choice}: the parties differ");
        assert_eq!(got.revealed, want.revealed, "{choice}: opened values");
        assert_eq!(got.disclosure, want.disclosure, "{choice}: disclosure");
        super::common::assert_same_statistics(&got.statistics, &want.statistics);
    }
}

#[test]
fn softspoken_8_releases_what_iknp_releases() {
    // k = 8 costs the most computation: its own test, run in parallel.
    let iknp = job_with(OtChoice::Iknp);
    let (want, _) = run_ot([&iknp, &iknp]);
    let job = job_with(OtChoice::SoftSpoken8);
    let (got, other) = run_ot([&job, &job]);
    let (want, got) = (want.unwrap(), got.unwrap());
    assert_eq!(got, other.unwrap());
    assert_eq!(got.revealed, want.revealed);
    super::common::assert_same_statistics(&got.statistics, &want.statistics);
}

#[test]
fn sides_with_different_extensions_stop_at_the_job_check() {
    let a = job_with(OtChoice::Iknp);
    let b = job_with(OtChoice::SoftSpoken4);
    assert_ne!(a.hash(), b.hash());
    let (r0, r1) = run_ot([&a, &b]);
    assert!(
        matches!(r0, Err(ProtocolError::JobMismatch { ref ours, ref theirs })
            if *ours == a.hash_hex() && *theirs == b.hash_hex()),
        "{r0:?}"
    );
    assert!(
        matches!(r1, Err(ProtocolError::JobMismatch { .. })),
        "{r1:?}"
    );
}

#[test]
fn the_setting_is_hashed_by_meaning() {
    let plain = Job::from_toml_str(&read("job.toml")).unwrap();
    assert_eq!(plain.ot_extension(), DEFAULT_OT_EXTENSION);
    // Stating the default changes nothing.
    assert_eq!(job_with(DEFAULT_OT_EXTENSION).hash(), plain.hash());
    // IKNP hashes as a job without the table (what older builds ran).
    let no_table = Job::from_toml_str(&read("job.toml")).unwrap();
    let iknp = job_with(OtChoice::Iknp);
    assert_eq!(
        iknp.hash() == no_table.hash(),
        DEFAULT_OT_EXTENSION == OtChoice::Iknp
    );
    let empty = Job::from_toml_str(&format!("{}\n[protocol]\n", read("job.toml"))).unwrap();
    assert_eq!(empty.hash(), plain.hash());
    let hashes: Vec<[u8; 32]> = OtChoice::ALL.iter().map(|&c| job_with(c).hash()).collect();
    for (i, h) in hashes.iter().enumerate() {
        assert_eq!(hashes.iter().filter(|g| *g == h).count(), 1, "#{i}");
    }
}

#[test]
fn unknown_extensions_are_refused_at_their_place() {
    for bad in ["softspoken-3", "IKNP", "softspoken", "kos"] {
        let text = job_text(bad);
        let e = Job::from_toml_str(&text).unwrap_err();
        assert!(matches!(e, JobError::Toml(_)), "{bad}: {e}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("job.toml");
        std::fs::write(&path, &text).unwrap();
        let e = Job::load(&path).unwrap_err();
        let line = text.lines().count();
        let col = "ot_extension = ".len() + 1;
        match &e {
            JobError::At {
                line: l, column: c, ..
            } => assert_eq!((*l, *c), (line, col), "{e}"),
            other => panic!("{bad}: {other}"),
        }
        let msg = e.to_string();
        assert!(msg.contains(bad) && msg.contains("softspoken-4"), "{msg}");
    }
    let other_key = format!("{}\n[protocol]\not = \"iknp\"\n", read("job.toml"));
    assert!(matches!(
        Job::from_toml_str(&other_key),
        Err(JobError::Toml(_))
    ));
}
