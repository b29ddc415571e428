//! Failure cases, each with its exact error.

use duet_core::{ChannelError, Engine, EngineError, InsecureDealer, MemoryChannel, Role};
use duet_stats::job::{LocalPolicy, PolicyError};
use duet_stats::plan::RingChoice;
use duet_stats::{run_study, DataError, Job, JobError, Plan, PlanError, ProtocolError};
use futures::executor::block_on;
use rand::SeedableRng;

use super::common::{aggregate, data, fixture_job, local, read, run_pair};

fn load_fixture(name: &str) -> DataError {
    let job = fixture_job();
    let plan = Plan::new(&job).unwrap();
    aggregate(&job, &plan, &local("local_a.toml"), &read(name)).unwrap_err()
}

#[test]
fn malformed_csv_names_line() {
    match load_fixture("ragged.csv") {
        DataError::Ragged {
            line,
            expected,
            found,
            ..
        } => assert_eq!((line, expected, found), (3, 5, 4)),
        e => panic!("unexpected {e}"),
    }
}

#[test]
fn value_out_of_bounds_names_line_column_and_value() {
    let e = load_fixture("out_of_bounds.csv");
    assert_eq!(
        e.to_string(),
        "test.csv:3: column 'sbp': value 270.0 is outside [50.0, 260.0]"
    );
    assert!(matches!(e, DataError::OutOfBounds { line: 3, .. }));
}

#[test]
fn unknown_level_missing_value_and_bad_number() {
    assert!(matches!(
        load_fixture("unknown_level.csv"),
        DataError::UnknownLevel { line: 3, ref column, ref value, .. } if column == "smoker" && value == "sometimes"
    ));
    assert!(matches!(
        load_fixture("missing.csv"),
        DataError::Missing { line: 3, ref column, .. } if column == "age"
    ));
    assert!(matches!(
        load_fixture("too_many_places.csv"),
        DataError::NotANumber {
            line: 2,
            places: 1,
            ..
        }
    ));
}

#[test]
fn drop_mode_counts_instead_of_failing() {
    let text = read("job.toml")
        .replace("on_missing = \"reject\"", "on_missing = \"drop\"")
        .replace(
            "on_out_of_bounds = \"reject\"",
            "on_out_of_bounds = \"drop\"",
        )
        .replace(
            "on_unknown_level = \"reject\"",
            "on_unknown_level = \"drop\"",
        );
    let job = Job::from_toml_str(&text).unwrap();
    let plan = Plan::new(&job).unwrap();
    let csv = "sbp,age,smoker,sex,region\n120.5,40,no,f,north\n,50,yes,m,south\n\
               300,50,yes,m,south\n130,50,maybe,m,south\n130,NA,no,f,east\n";
    let (_, log) = aggregate(&job, &plan, &local("local_a.toml"), csv).unwrap();
    // Available cases: the two rows missing sbp or age stay, for the
    // statistics that do not read them.
    assert_eq!((log.rows_read, log.rows_used), (5, 3));
    assert_eq!((log.missing["sbp"], log.missing["age"]), (1, 1));
    let listwise =
        Job::from_toml_str(&text.replace("on_missing = \"drop\"", "on_missing = \"listwise\""))
            .unwrap();
    let plan = Plan::new(&listwise).unwrap();
    let (agg, log) = aggregate(&listwise, &plan, &local("local_a.toml"), csv).unwrap();
    assert_eq!((log.rows_read, log.rows_used), (5, 1));
    assert_eq!(log.dropped["sbp"].missing, 1);
    assert_eq!(log.dropped["sbp"].out_of_bounds, 1);
    assert_eq!(log.dropped["smoker"].unknown_level, 1);
    assert_eq!(log.dropped["age"].missing, 1);
    assert_eq!(agg.values()[0], 1);
    // Malformed numbers are never dropped.
    let bad = "sbp,age,smoker,sex,region\nabc,40,no,f,north\n";
    let e = aggregate(&job, &plan, &local("local_a.toml"), bad).unwrap_err();
    assert!(matches!(e, DataError::NotANumber { line: 2, .. }));
}

#[test]
fn more_rows_than_declared_and_missing_header() {
    let job = Job::from_toml_str(&read("job.toml").replace("max_rows = 1000000", "max_rows = 2"))
        .unwrap();
    let plan = Plan::new(&job).unwrap();
    let e = aggregate(&job, &plan, &local("local_a.toml"), &read("a.csv")).unwrap_err();
    assert!(matches!(
        e,
        DataError::TooManyRows {
            line: 4,
            max_rows: 2,
            ..
        }
    ));
    // b.csv's headers need local_b's mapping.
    let e = aggregate(&job, &plan, &local("local_a.toml"), &read("b.csv")).unwrap_err();
    assert!(matches!(e, DataError::MissingHeader { ref header, .. } if header == "sbp"));
}

#[test]
fn the_job_sets_the_csv_line_cap_and_an_unset_cap_keeps_the_hash() {
    let text = read("job.toml");
    let capped = text.replace(
        "max_rows = 1000000",
        "max_rows = 1000000\nmax_line_bytes = 12",
    );
    let job = Job::from_toml_str(&capped).unwrap();
    assert_ne!(job.hash(), Job::from_toml_str(&text).unwrap().hash());
    let plan = Plan::new(&job).unwrap();
    let e = aggregate(&job, &plan, &local("local_a.toml"), &read("a.csv")).unwrap_err();
    assert!(
        matches!(
            e,
            DataError::LineTooLong {
                line: 1,
                limit: 12,
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with("test.csv:1: line longer than 12 bytes"),
        "{e}"
    );
}

#[test]
fn one_byte_changes_the_hash_and_formatting_does_not() {
    let text = read("job.toml");
    let base = Job::from_toml_str(&text).unwrap().hash();
    let one_byte = text.replace("min_cell = 5", "min_cell = 6");
    assert_eq!(one_byte.len(), text.len());
    assert_ne!(Job::from_toml_str(&one_byte).unwrap().hash(), base);
    let level = text.replace("\"east\"", "\"East\"");
    assert_ne!(Job::from_toml_str(&level).unwrap().hash(), base);
    let cosmetic = format!(
        "# a comment\n\n{}",
        text.replace("max = 260", "max   =   260.0")
    )
    .replace(
        "00112233445566778899aabbccddeeff00112233",
        "00112233445566778899AABBCCDDEEFF00112233",
    );
    assert_eq!(Job::from_toml_str(&cosmetic).unwrap().hash(), base);
}

fn job_err(from: &str, to: &str) -> JobError {
    let text = read("job.toml");
    assert!(text.contains(from), "{from}");
    Job::from_toml_str(&text.replacen(from, to, 1)).unwrap_err()
}

#[test]
fn invalid_jobs_are_refused_with_reasons() {
    assert!(matches!(
        job_err("version = 1", "version = 2"),
        JobError::UnsupportedVersion {
            found: 2,
            supported: 1
        }
    ));
    assert!(matches!(
        job_err("max_rows = 1000000", "max_rows = 1000000\nextra = 1"),
        JobError::Toml(_)
    ));
    assert!(matches!(
        job_err("column = \"sbp\"\nby = [\"smoker\"]", "column = \"bp\"\nby = [\"smoker\"]"),
        JobError::UnknownColumn { ref column, .. } if column == "bp"
    ));
    assert!(
        matches!(job_err("min = 18", "min = 180"), JobError::BadColumn { ref column, .. } if column == "age")
    );
    assert!(matches!(
        job_err("levels = [\"f\", \"m\"]", "levels = [\"f\", \"f\"]"),
        JobError::DuplicateLevel { ref level, .. } if level == "f"
    ));
    assert!(matches!(
        job_err("by = [\"region\"]", "by = [\"age\"]"),
        JobError::WrongColumnKind {
            expected: "a category",
            ..
        }
    ));
    assert!(matches!(
        job_err("cert_sha256 = \"0011", "cert_sha256 = \"zz11"),
        JobError::BadFingerprint { party: "p0", .. }
    ));
    assert!(matches!(
        job_err("edges = [18,", "edges = [20,"),
        JobError::BadStatistic { .. }
    ));
    assert!(matches!(
        job_err("max_params_ratio = 0.33", "max_params_ratio = 1.5"),
        JobError::BadPolicy { .. }
    ));
    assert!(matches!(
        job_err("x = [\"age\",", "x = [\"sbp\","),
        JobError::BadStatistic { .. }
    ));
}

#[test]
fn the_planner_picks_the_ring_or_refuses() {
    let wide = read("job.toml").replace("max = 260", "max = 100000000");
    let plan = Plan::new(&Job::from_toml_str(&wide).unwrap()).unwrap();
    assert_eq!(plan.ring(), RingChoice::Z128);
    let huge = read("job.toml")
        .replace("max = 260", "max = 1000000000000")
        .replace("max_rows = 1000000", "max_rows = 1000000000000");
    let e = Plan::new(&Job::from_toml_str(&huge).unwrap()).unwrap_err();
    match &e {
        PlanError::DoesNotFit {
            statistic,
            aggregate,
            max_rows,
            max_term,
            ..
        } => {
            assert_eq!(statistic, "#4 mean(sbp by smoker)");
            assert_eq!(
                (*aggregate, *max_rows, *max_term),
                ("sum of squares", 1_000_000_000_000, 10u128.pow(26))
            );
        }
        other => panic!("unexpected {other}"),
    }
    assert!(e.to_string().contains("does not fit"));
}

#[test]
fn a_looser_local_policy_is_refused() {
    let job = fixture_job();
    let e = job
        .policy()
        .tightened_by(&LocalPolicy {
            min_cell: Some(4),
            ..LocalPolicy::default()
        })
        .unwrap_err();
    assert_eq!(
        e,
        PolicyError::Looser {
            field: "min_cell",
            job: "5".into(),
            local: "4".into()
        }
    );
    let looser_ratio = LocalPolicy {
        max_params_ratio: Some(0.5),
        ..LocalPolicy::default()
    };
    assert!(job.policy().tightened_by(&looser_ratio).is_err());
    let mut cfg = local("local_a.toml");
    cfg.policy.min_group = Some(2);
    assert!(matches!(
        cfg.effective_policy(&job),
        Err(PolicyError::Looser {
            field: "min_group",
            ..
        })
    ));
    assert!(data("local_a.toml").exists());
}

#[test]
fn parties_with_different_jobs_stop() {
    let job = fixture_job();
    let other =
        Job::from_toml_str(&read("job.toml").replace("min_cell = 5", "min_cell = 6")).unwrap();
    let plan = Plan::new(&job).unwrap();
    let (a, _) = aggregate(&job, &plan, &local("local_a.toml"), &read("a.csv")).unwrap();
    let (c0, c1) = MemoryChannel::pair();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let mut e0 = Engine::new(
        Role::P0,
        c0,
        InsecureDealer::new(Role::P0, [1; 32]),
        &mut rng,
    );
    let mut e1 = Engine::new(
        Role::P1,
        c1,
        InsecureDealer::new(Role::P1, [1; 32]),
        &mut rng,
    );
    let p = job.policy().clone();
    let (r0, r1) = block_on(futures::future::join(
        run_study(&mut e0, &job, &plan, &p, &a),
        run_study(&mut e1, &other, &plan, other.policy(), &a),
    ));
    assert!(
        matches!(r0, Err(ProtocolError::JobMismatch { ref ours, .. }) if *ours == job.hash_hex())
    );
    assert!(matches!(r1, Err(ProtocolError::JobMismatch { .. })));
}

#[test]
fn a_vanished_peer_ends_the_run_with_an_error() {
    let job = fixture_job();
    let plan = Plan::new(&job).unwrap();
    let (a, _) = aggregate(&job, &plan, &local("local_a.toml"), &read("a.csv")).unwrap();
    let (c0, mut c1) = MemoryChannel::pair();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2);
    let mut e0 = Engine::new(
        Role::P0,
        c0,
        InsecureDealer::new(Role::P0, [1; 32]),
        &mut rng,
    );
    let mut hello = job.hash().to_vec();
    for w in [plan.len() as u64, 5, 5, 0.33f64.to_bits(), 0, 3, 100] {
        hello.extend_from_slice(&w.to_le_bytes());
    }
    // The peer sends its hello, then goes away.
    let peer = async move {
        duet_core::Channel::send(&mut c1, duet_stats::protocol::HELLO, hello)
            .await
            .unwrap();
        drop(c1);
    };
    let p = job.policy().clone();
    let (r0, ()) = block_on(futures::future::join(
        run_study(&mut e0, &job, &plan, &p, &a),
        peer,
    ));
    assert!(matches!(
        r0,
        Err(ProtocolError::Engine(EngineError::Channel {
            source: ChannelError::Closed,
            ..
        }))
    ));
}

#[test]
fn mismatched_aggregates_and_looser_policy_are_refused_before_sending() {
    let job = fixture_job();
    let plan = Plan::new(&job).unwrap();
    let (a, _) = aggregate(&job, &plan, &local("local_a.toml"), &read("a.csv")).unwrap();
    let loose = duet_stats::Policy {
        min_cell: 1,
        ..job.policy().clone()
    };
    let ((r0, t0), (r1, _)) = run_pair(&job, &plan, [&a, &a], [loose, job.policy().clone()]);
    assert!(matches!(
        r0,
        Err(ProtocolError::Policy(PolicyError::Looser {
            field: "min_cell",
            ..
        }))
    ));
    assert_eq!(t0.total().sent_frames, 0);
    assert!(matches!(
        r1,
        Err(ProtocolError::Channel(ChannelError::Closed))
    ));
}

#[test]
fn prepare_reads_the_fixture_and_reports_each_failure() {
    let job = fixture_job();
    let p = duet_stats::prepare(&job, &local("local_b.toml")).unwrap();
    assert_eq!((p.log.rows_read, p.log.rows_used), (45, 45));
    assert_eq!(p.input.aggregates().unwrap().values()[0], 45);
    assert_eq!(p.policy, job.policy().clone());
    let mut bad = local("local_a.toml");
    bad.columns.insert("x".into(), "nope".into());
    assert!(matches!(
        duet_stats::prepare(&job, &bad),
        Err(duet_stats::PrepareError::Local(
            duet_stats::job::LocalError::Mapping { .. }
        ))
    ));
    let mut gone = local("local_a.toml");
    gone.csv = data("no-such.csv");
    assert!(matches!(
        duet_stats::prepare(&job, &gone),
        Err(duet_stats::PrepareError::Data(DataError::Io { .. }))
    ));
}

#[test]
fn local_settings_need_one_address_and_a_known_role() {
    use duet_stats::job::LocalError;
    let base = "role = \"p0\"\ncsv = \"a.csv\"\nkey = \"k\"\ncert = \"c\"\noutput_dir = \"o\"\n";
    assert!(matches!(
        duet_stats::LocalConfig::from_toml_str(base),
        Err(LocalError::Address)
    ));
    let both = format!("{base}listen = \"a:1\"\ndial = \"b:2\"\n");
    assert!(matches!(
        duet_stats::LocalConfig::from_toml_str(&both),
        Err(LocalError::Address)
    ));
    let role = base.replace("p0", "p2") + "listen = \"a:1\"\n";
    assert!(matches!(
        duet_stats::LocalConfig::from_toml_str(&role),
        Err(LocalError::Toml(_))
    ));
    let cfg = local("local_b.toml");
    assert_eq!(cfg.role, Role::P1);
    assert_eq!(cfg.csv, data("b.csv"));
    assert_eq!(cfg.header_for("sbp"), "SBP_mmHg");
    assert_eq!(cfg.header_for("age"), "age");
}

#[test]
fn a_byte_order_mark_and_a_tab_delimiter_are_read() {
    let job = fixture_job();
    let plan = Plan::new(&job).unwrap();
    let mut cfg = local("local_a.toml");
    let text = "\u{feff}sbp,age,smoker,sex,region\n120.5,40,no,f,north\n";
    let (agg, _) = aggregate(&job, &plan, &cfg, text).unwrap();
    assert_eq!(agg.values()[0], 1);
    cfg.delimiter = '\t';
    let (agg, _) = aggregate(&job, &plan, &cfg, &text.replace(',', "\t")).unwrap();
    assert_eq!(agg.values()[0], 1);
}

#[test]
fn bad_dp_budgets_and_oversized_tables_are_refused() {
    let dp = |v: &str| job_err("min_cell = 5", &format!("min_cell = 5\ndp = {{ {v} }}"));
    let e = dp("epsilon = 0.0");
    assert!(e.to_string().contains("policy.dp.epsilon"), "{e}");
    let e = dp("epsilon = 1.0, mechanism = \"gaussian\"");
    assert!(e.to_string().contains("needs delta above 0"), "{e}");
    let e = dp("epsilon = 1.0, delta = 0.5");
    assert!(e.to_string().contains("policy.dp.delta"), "{e}");
    let e = dp("epsilon = 1.0, mechanism = \"exponential\"");
    assert!(matches!(e, JobError::Toml(_)), "{e}");
    // Three 200-level categories: a table of 8,000,000 cells.
    let levels: Vec<String> = (0..200).map(|i| format!("\"r{i}\"")).collect();
    let mut text = read("job.toml");
    for c in ["smoker", "sex", "region"] {
        let line = text
            .lines()
            .skip_while(|l| *l != format!("name = \"{c}\""))
            .find(|l| l.starts_with("levels"))
            .unwrap()
            .to_string();
        text = text.replace(&line, &format!("levels = [{}]", levels.join(", ")));
    }
    // The regression keeps few terms (the secure solver takes at most 16).
    let text = text.replace("x = [\"age\", \"smoker\", \"sex\"]", "x = [\"age\"]");
    let job = Job::from_toml_str(&text).unwrap();
    let e = Plan::new(&job).map(|p| p.len()).unwrap_err();
    assert_eq!(
        e,
        PlanError::TooLarge {
            statistic: "#9 contingency(smoker x sex x region)".into(),
            limit: duet_stats::plan::MAX_PLAN_LEN,
        }
    );
}

#[test]
fn parties_and_fingerprints_come_from_the_job() {
    let job = fixture_job();
    assert_eq!(job.party(Role::P1).name, "hospital-b");
    assert_eq!(
        job.party(Role::P1).address.as_deref(),
        Some("127.0.0.1:4433")
    );
    let fp = job.fingerprint(Role::P0);
    assert_eq!(fp[..4], [0x00, 0x11, 0x22, 0x33]);
    assert_eq!(fp[31], 0xff);
    assert_eq!(job.fingerprint(Role::P1)[0], 0xff);
}

#[test]
fn a_regression_with_more_predictor_terms_than_the_solver_takes_is_refused() {
    // 17 region levels: 16 indicators, plus age, smoker and sex: 19 terms.
    let levels: Vec<String> = (0..17).map(|i| format!("\"r{i}\"")).collect();
    // Four regions are fine (6 terms); seventeen are not.
    let four = read("job.toml").replace(
        "x = [\"age\", \"smoker\", \"sex\"]",
        "x = [\"age\", \"smoker\", \"sex\", \"region\"]",
    );
    assert!(Job::from_toml_str(&four).is_ok());
    let text = read("job.toml")
        .replace(
            "levels = [\"north\", \"south\", \"east\", \"west\"]",
            &format!("levels = [{}]", levels.join(", ")),
        )
        .replace(
            "x = [\"age\", \"smoker\", \"sex\"]",
            "x = [\"age\", \"smoker\", \"sex\", \"region\"]",
        );
    let err = Job::from_toml_str(&text).unwrap_err().to_string();
    assert!(
        err.contains("has 19 predictor terms") && err.contains("at most 16"),
        "{err}"
    );
}
