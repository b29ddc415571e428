//! The `duet` binary as a script sees it: exit codes and one-line errors.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::Command;

fn duet(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_duet"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn anonymize_with_a_missing_config_is_bad_input_on_one_line() {
    let (code, stdout, stderr) = duet(&["anonymize", "--config", "/nonexistent/anon.toml"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("duet: ") && stderr.contains("/nonexistent/anon.toml"),
        "{stderr}"
    );
}

#[test]
fn anonymize_writes_the_csv_and_a_json_report() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let adult = root.join("datasets/adult");
    let config = dir.path().join("anon.toml");
    let mut text = format!(
        "[input]\npath = {:?}\ndelimiter = \";\"\n\n[output]\ncsv = \"out.csv\"\nreport_json = \"out.json\"\nreport_text = \"out.txt\"\n\n[[privacy_model]]\nkind = \"k_anonymity\"\nk = 5\n\n[search]\nsuppression_limit = 0.0\nmeasure = \"loss\"\n",
        adult.join("adult_subset.csv").to_string_lossy()
    );
    for qi in ["sex", "age", "race"] {
        let h = adult.join(format!("adult_hierarchy_{qi}.csv"));
        text.push_str(&format!(
            "\n[[quasi_identifier]]\ncolumn = \"{qi}\"\nhierarchy = {:?}\n",
            h.to_string_lossy()
        ));
    }
    std::fs::write(&config, text).unwrap();
    let (code, stdout, stderr) =
        duet(&["anonymize", "--config", config.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        report["after"]["smallest_class"].as_u64().unwrap() >= 5,
        "{report}"
    );
    assert!(dir.path().join("out.csv").exists());
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    let (code, _, _) = duet(&["frobnicate"]);
    assert_eq!(code, 2);
}

#[test]
fn keygen_writes_a_private_key_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, stdout, stderr) = duet(&["keygen", "--name", "hospital-a", "--out", d, "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let fp = v["cert_sha256"].as_str().unwrap();
    assert_eq!(fp.len(), 64);
    assert!(fp
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = dir.path().join("hospital-a.key.pem");
        assert_eq!(
            std::fs::metadata(key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let (code, _, stderr) = duet(&["keygen", "--name", "hospital-a", "--out", d]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    let (code, _, stderr) = duet(&[
        "keygen",
        "--name",
        "hospital-a",
        "--out",
        d,
        "--force",
        "--quiet",
    ]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn bench_reports_every_measurement_as_json() {
    let (code, stdout, stderr) = duet(&[
        "bench",
        "--json",
        "--values",
        "20000",
        "--triples",
        "2000",
        "--comparisons",
        "500",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for key in [
        "raw_quic_bytes_per_sec",
        "beaver_mul_online_per_sec",
        "comparisons_end_to_end_per_sec",
    ] {
        assert!(v[key].as_f64().unwrap() > 0.0, "{key}: {v}");
    }
    assert_eq!(
        v["secure_sum"]["bytes_per_value"].as_f64().unwrap(),
        8.0 + 8.0 / 20000.0
    );
    assert!(v["ot_triples_z64"]["bytes_per_triple"].as_f64().unwrap() > 0.0);
}

#[test]
fn bench_measures_an_opened_iterates_fit_whose_traffic_does_not_grow_with_the_records() {
    let per_record = |n: &str| {
        let (code, stdout, stderr) = duet(&[
            "bench",
            "--json",
            "--values",
            "2000",
            "--triples",
            "100",
            "--comparisons",
            "10",
            "--logistic-records",
            n,
            "--logistic-fit",
            "opened-iterates",
        ]);
        assert_eq!(code, 0, "{stderr}");
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let fit = &v["logistic_fit"];
        assert_eq!(fit["fit"], "opened-iterates", "{v}");
        assert!(fit["newton_steps"].as_u64().unwrap() >= 3, "{v}");
        fit["bytes_per_record"].as_f64().unwrap()
    };
    // The shared sums and the p x p inverse per step: ten times the
    // records, a tenth of the bytes per record (the step count may differ
    // by one or two).
    let (small, large) = (per_record("2000"), per_record("20000"));
    assert!(large < small / 5.0, "{small} vs {large}");
    let (code, _, stderr) = duet(&["bench", "--logistic-fit", "open"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn bench_measures_the_bytes_of_the_chosen_ot_extension() {
    // 2,000 triples: the setup (base OTs, 8,256 bytes both ways, and
    // SoftSpoken's trees, 6,144 at k = 4) adds about 4 and 7 bytes each.
    for (ot, low, high) in [("iknp", 2568.0, 2574.0), ("softspoken-4", 1032.0, 1040.0)] {
        let (code, stdout, stderr) = duet(&[
            "bench",
            "--json",
            "--values",
            "20000",
            "--triples",
            "2000",
            "--comparisons",
            "100",
            "--logistic-records",
            "0",
            "--ot",
            ot,
        ]);
        assert_eq!(code, 0, "{stderr}");
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(v["ot_extension"], ot);
        let bytes = v["ot_triples_z64"]["bytes_per_triple"].as_f64().unwrap();
        assert!((low..=high).contains(&bytes), "{ot}: {bytes}");
    }
    let (code, _, stderr) = duet(&["bench", "--ot", "softspoken-3"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("unknown OT extension 'softspoken-3'"),
        "{stderr}"
    );
}

/// The repository root.
fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A local.toml for hospital A in `dir`, with `ledger` appended.
fn local_a(dir: &std::path::Path, ledger: &str) -> String {
    let csv = root().join("datasets/hospital_a.csv");
    let text = format!(
        "role = \"p0\"\ncsv = {:?}\noutput_dir = \"out\"\nkey = \"a.key\"\ncert = \"a.crt\"\nlisten = \"127.0.0.1:4433\"\n{ledger}",
        csv.to_string_lossy()
    );
    let path = dir.join("local.toml");
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn job(name: &str) -> String {
    root()
        .join("examples/jobs")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn lines_starting(text: &str, prefix: &str) -> usize {
    text.lines().filter(|l| l.starts_with(prefix)).count()
}

#[test]
fn check_lists_the_rules_and_every_value_the_pooled_job_would_open() {
    let (code, stdout, stderr) = duet(&["check", "--job", &job("pooled_cohort.toml")]);
    assert_eq!(code, 0, "{stderr}");
    for want in [
        "duet check: pooled-cardiovascular-cohort (nothing connects)\n",
        "control     checked\n",
        "policy      min_cell 10, min_group 10, min_cell_per_party 10, dominance n 2 k 90%, max_params_ratio 0.33, suppress Cell\n",
        "  - per-party threshold: each side's part of a released cell is 0 or at least 10 records\n",
        "\n#1 count(by region)\n  rules  pooled count >= 10; each side's part 0 or >= 10\n",
        "  bit    #1 count(by region)[region=north].suppressed  (pooled count >= 10; each side's part 0 or >= 10)\n",
        "  open   #1 count(by region)[region=north].n  <- count where region=north\n",
        "  open   #2 mean(sbp by smoker)[smoker=yes].sum  <- sum of sbp where smoker=yes\n",
        "  bit    #8 linear_regression(sbp ~ age + smoker + bmi + sex)[smoker=no].suppressed",
        "  open   #8 linear_regression(sbp ~ age + smoker + bmi + sex).coefficient[smoker=yes]  <- estimate of smoker=yes for sbp (computed on shares)\n",
        "  open   #7 correlation(age, bmi, sbp).r[age, sbp]",
        "  this job   none (no policy.dp): spends no budget\n",
        "this side's data: give --local local.toml to check it\n",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in\n{stdout}");
    }
    // 4 + 6 + 6 + 6 + 4 + 16 counts, sums and sums of squares (a mean's
    // standard error needs its sum of squares); the correlation's n and 6
    // r; the regression's n, its 4 level counts (smoker and sex), its
    // singular and narrow-spread flags, 5 + 5 estimates and variances, R^2
    // and the residual variance.
    assert_eq!(lines_starting(&stdout, "  open   "), 42 + 7 + 19);
    assert!(
        stdout.contains("opened if their rules pass: 68 values; rule bits in the first round: ")
    );
    assert!(!stdout.contains("#8 linear_regression(sbp ~ age + smoker + bmi + sex)[all].sum"));
}

#[test]
fn check_with_local_settings_names_cells_not_values() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = format!("[ledger]\npath = {:?}\n", dir.path().join("l.json"));
    let local = local_a(dir.path(), &ledger);
    let (code, stdout, stderr) = duet(&[
        "check",
        "--job",
        &job("pooled_cohort.toml"),
        "--local",
        &local,
    ]);
    assert_eq!(code, 0, "{stderr}");
    for want in [
        "; the run enforces the tighter of both sides'\n",
        "the job's, tightened by this side's local settings",
        "  spent      epsilon 0, delta 0\n",
        "  budget     epsilon 10, delta 0.00001\n",
        "  within the budget: duet run would not refuse on it\n",
        "hospital_a.csv; no value of it is shown)\n",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in\n{stdout}");
    }
    assert!(
        !dir.path().join("l.json").exists(),
        "check wrote the ledger"
    );
}

#[test]
fn check_json_lists_as_many_values_as_the_text() {
    let (_, text, _) = duet(&["check", "--job", &job("pooled_cohort.toml")]);
    let (code, stdout, stderr) = duet(&["check", "--job", &job("pooled_cohort.toml"), "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let stats = v["statistics"].as_array().unwrap();
    let values: usize = stats
        .iter()
        .map(|s| s["values"].as_array().unwrap().len())
        .sum();
    let bits: usize = stats
        .iter()
        .map(|s| s["bits"].as_array().unwrap().len())
        .sum();
    assert_eq!(values, lines_starting(&text, "  open   "));
    assert_eq!(bits, lines_starting(&text, "  bit    "));
    assert_eq!(v["first_round_bits"].as_u64().unwrap() as usize, bits);
    assert_eq!(v["control"], "checked");
    let first = &stats[0]["values"][0];
    assert_eq!(first["name"], "#1 count(by region)[region=north].n");
    assert_eq!(first["provenance"]["cell"]["region"]["levels"][0], "north");
}

#[test]
fn check_refuses_a_job_below_the_floor_as_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(job("pooled_cohort.toml")).unwrap();
    let low = text.replace("min_cell = 10", "min_cell = 2");
    let path = dir.path().join("low.toml");
    std::fs::write(&path, low).unwrap();
    let (code, stdout, stderr) = duet(&["check", "--job", path.to_str().unwrap()]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("policy.min_cell = 2 would switch disclosure control off (the floor is 3)"),
        "{stderr}"
    );
}

/// A local.toml whose ledger already spent epsilon 9 of the budget of 10.
fn spent_ledger(dir: &std::path::Path) -> String {
    let ledger_path = dir.join("ledger.json");
    let entry = serde_json::json!({
        "format": "duet-ledger/1",
        "entries": [{
            "unix_time": 1_700_000_000u64,
            "job_name": "earlier",
            "job_hash": "ab".repeat(32),
            "dataset": "cohort-a",
            "peer": "cd".repeat(32),
            "population": "pooled",
            "released": [],
            "withheld": [],
            "dp": { "epsilon": 9.0, "delta": 0.0 }
        }]
    });
    std::fs::write(&ledger_path, entry.to_string()).unwrap();
    let ledger = format!("[ledger]\npath = {ledger_path:?}\ndataset = \"cohort-a\"\n");
    local_a(dir, &ledger)
}

#[test]
fn check_shows_the_ledger_refusal_when_the_budget_is_spent() {
    let dir = tempfile::tempdir().unwrap();
    let local = spent_ledger(dir.path());
    let (code, stdout, stderr) =
        duet(&["check", "--job", &job("dp_release.toml"), "--local", &local]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("duet run would refuse this job: refused: this run's epsilon 2"),
        "{stderr}"
    );
    for want in [
        "  this job   epsilon 2, delta 0 (laplace mechanism)\n",
        "  spent      epsilon 9, delta 0\n",
        "  duet run would REFUSE this job: refused: this run's epsilon 2, delta 0 on top of the epsilon 9, delta 0 already spent on dataset cohort-a would exceed its lifetime budget of epsilon 10, delta 0.00001",
        "  not checked: under DP the per-party and dominance rules are off",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in\n{stdout}");
    }
}

#[test]
fn check_json_states_the_refusal_once_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let local = spent_ledger(dir.path());
    let (code, stdout, stderr) = duet(&[
        "--json",
        "check",
        "--job",
        &job("dp_release.toml"),
        "--local",
        &local,
    ]);
    assert_eq!(code, 3, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON object");
    let refusal = report["ledger"]["refusal"].as_str().unwrap_or_default();
    assert!(
        refusal.contains("would exceed its lifetime budget"),
        "{stdout}"
    );
    assert!(
        stderr.contains("duet run would refuse this job"),
        "{stderr}"
    );
}
