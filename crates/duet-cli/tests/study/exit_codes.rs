//! Each exit code of the README's table, from `duet run` as a script sees
//! it: 3 for every refused file or setting (found before connecting), 4 for
//! the link or the peer, 1 for anything else; with `--json`, the failure is
//! also JSON on stdout.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::{root, stderr, wait_bounded, Setup};

const LIMIT: Duration = Duration::from_secs(60);

fn setup() -> Setup {
    let data = root().join("datasets");
    Setup::new(&data.join("hospital_a.csv"), &data.join("hospital_b.csv"))
}

/// Rewrites side `side`'s local settings with `edit`.
fn edit_local(setup: &Setup, side: usize, edit: impl Fn(String) -> String) {
    let path = &setup.local[side];
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, edit(text)).unwrap();
}

/// Runs hospital A alone (`--wait 2`) with extra arguments.
fn run_a(setup: &Setup, extra: &[&str]) -> (i32, String, String, Duration) {
    let start = Instant::now();
    let child = crate::duet()
        .args(["run", "--wait", "2", "--job"])
        .arg(&setup.job)
        .arg("--local")
        .arg(&setup.local[0])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_bounded(child, LIMIT);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (
        out.status.code().unwrap_or(-1),
        stdout,
        stderr(&out),
        start.elapsed(),
    )
}

fn assert_bad_input(setup: &Setup, needle: &str) {
    let (code, _, err, took) = run_a(setup, &[]);
    assert_eq!(code, 3, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(needle), "{needle}: {err}");
    assert!(
        took < Duration::from_secs(2),
        "refused before connecting: {took:?}"
    );
}

fn set_dial(setup: &Setup, to: &str) {
    let port = setup.port;
    edit_local(setup, 0, |t| {
        t.replace(&format!("\"127.0.0.1:{port}\""), &format!("\"{to}\""))
    });
}

#[test]
fn an_address_without_a_port_is_bad_input() {
    let s = setup();
    set_dial(&s, "127.0.0.1");
    assert_bad_input(&s, "'127.0.0.1'");
}

#[test]
fn an_unresolvable_address_is_bad_input() {
    let s = setup();
    set_dial(&s, "no-such-host.invalid:4433");
    assert_bad_input(&s, "no-such-host.invalid:4433");
}

#[test]
fn a_key_of_another_certificate_is_bad_input_at_load() {
    let s = setup();
    edit_local(&s, 0, |t| {
        t.replace("hospital-a.key.pem", "hospital-b.key.pem")
    });
    assert_bad_input(&s, "is not the key of the certificate");
}

#[cfg(unix)]
#[test]
fn a_key_others_may_read_is_bad_input_with_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let s = setup();
    let key = s.dir.path().join("keys/hospital-a.key.pem");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_bad_input(&s, "chmod 600");
}

#[test]
fn an_output_folder_that_cannot_be_made_is_bad_input_before_connecting() {
    let s = setup();
    let file = s.dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let inside = file.join("out");
    edit_local(&s, 0, |t| {
        t.replace("output_dir = \"out\"", &format!("output_dir = {inside:?}"))
    });
    assert_bad_input(&s, "output_dir");
}

#[test]
fn earlier_results_are_kept_unless_forced() {
    let s = setup();
    std::fs::create_dir_all(&s.out[0]).unwrap();
    std::fs::write(s.out[0].join("results.json"), "{}").unwrap();
    assert_bad_input(&s, "--force");
    // Forced, the check passes and the run waits for the peer (exit 4).
    let (code, _, err, _) = run_a(&s, &["--force"]);
    assert_eq!(code, 4, "{err}");
    assert_eq!(
        std::fs::read_to_string(s.out[0].join("results.json")).unwrap(),
        "{}"
    );
}

#[test]
fn stale_temporaries_of_a_killed_run_are_removed() {
    let s = setup();
    std::fs::create_dir_all(&s.out[0]).unwrap();
    let stale = s.out[0].join(".report.html.tmp-4000000000-7");
    std::fs::write(&stale, "half").unwrap();
    let (code, _, err, _) = run_a(&s, &[]);
    assert_eq!(code, 4, "no peer: {err}");
    assert!(!stale.exists(), "{err}");
    assert!(err.contains("removed 1 temporary file"), "{err}");
}

#[test]
fn no_peer_is_exit_4_with_one_prefix_and_json_on_stdout() {
    let s = setup();
    let (code, out, err, _) = run_a(&s, &["--json"]);
    assert_eq!(code, 4, "{err}");
    assert_eq!(
        err.matches("waiting for the peer").count() + err.matches("connecting").count(),
        1,
        "{err}"
    );
    assert!(!err.contains("0ns"), "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["exit_code"], 4);
    assert_eq!(format!("duet: {}\n", v["error"].as_str().unwrap()), err);
}

#[test]
fn json_failures_of_bad_input_are_json_too() {
    let s = setup();
    set_dial(&s, "127.0.0.1");
    let (code, out, _, _) = run_a(&s, &["--json"]);
    assert_eq!(code, 3);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["exit_code"], 3);
}

/// Where hospital A (the dialler) will stage its first result file.
fn block_staging(out: &Path, pid: u32) {
    std::fs::create_dir_all(out).unwrap();
    for n in 0..8 {
        std::fs::create_dir_all(out.join(format!(".results.json.tmp-{pid}-{n}"))).unwrap();
    }
}

#[test]
fn a_side_that_cannot_write_tells_the_peer_and_neither_keeps_results() {
    let s = setup();
    let b = s.start(1, &s.job, 60);
    let a = s.start(0, &s.job, 60);
    block_staging(&s.out[0], a.id());
    let (a, b) = (wait_bounded(a, LIMIT), wait_bounded(b, LIMIT));
    assert_eq!(a.status.code(), Some(1), "{}", stderr(&a));
    assert!(
        stderr(&a).contains("neither side keeps results"),
        "{}",
        stderr(&a)
    );
    assert_eq!(b.status.code(), Some(4), "{}", stderr(&b));
    assert!(stderr(&b).contains("output"), "{}", stderr(&b));
    for out in &s.out {
        assert!(!out.join("results.json").exists());
        assert!(!out.join("report.html").exists());
    }
}

#[test]
fn job_errors_found_after_parsing_name_file_line_and_column() {
    let s = setup();
    let text = std::fs::read_to_string(&s.job).unwrap();
    let line = text.lines().position(|l| l == "min = 18").unwrap() + 1;
    std::fs::write(&s.job, text.replacen("min = 18", "min = 180", 1)).unwrap();
    assert_bad_input(&s, &format!("job.toml:{line}:7: column 'age'"));
}

#[test]
fn an_over_long_csv_line_is_refused_naming_file_and_line() {
    let s = setup();
    let text = std::fs::read_to_string(root().join("datasets/hospital_a.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[4] = format!("R999999,{}", "9".repeat(2 << 20));
    let csv = s.dir.path().join("long.csv");
    std::fs::write(&csv, lines.join("\n") + "\n").unwrap();
    edit_local(&s, 0, |t| {
        let old = format!("{:?}", root().join("datasets/hospital_a.csv"));
        t.replace(&old, &format!("{csv:?}"))
    });
    assert_bad_input(&s, "long.csv:5: line longer than 1048576 bytes");
}
