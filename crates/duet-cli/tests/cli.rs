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
