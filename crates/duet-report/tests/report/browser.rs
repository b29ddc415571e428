//! Headless Chromium, bounded in time: a fresh profile per run, no
//! network services, killed if it overruns.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const TIMEOUT: Duration = Duration::from_secs(90);

/// Set by `.ci/run`: a missing Chromium is then a failure, not a skip.
const REQUIRE: &str = "DUET_REQUIRE_CHROMIUM";

/// Whether to skip a browser test: Chromium is missing and CI does not
/// require it. Says so on stderr, so a skipped run is visible.
pub(crate) fn skip() -> bool {
    if Path::new(CHROMIUM).exists() || std::env::var_os(REQUIRE).is_some() {
        return false;
    }
    // Written to stderr directly: the test harness captures eprintln!
    // of passing tests, and a skip must be seen.
    let note = format!(
        "SKIPPED: {CHROMIUM} is missing, so report.html is not rendered in a browser \
         (`bash .ci/run` installs Chromium and sets {REQUIRE}=1, which makes this a failure)\n"
    );
    let _ = std::io::Write::write_all(&mut std::io::stderr(), note.as_bytes());
    true
}

fn run(extra: &[String], html: &Path, stdout_to: &Path) {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: the report test needs headless Chromium. \
         Run `bash .ci/run` (it installs it) or \
         `apt-get install --no-install-recommends chromium chromium-driver`."
    );
    let profile = tempfile::tempdir().unwrap();
    let out = std::fs::File::create(stdout_to).unwrap();
    let err_path = profile.path().join("stderr.txt");
    let err = std::fs::File::create(&err_path).unwrap();
    let mut args: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--disable-dev-shm-usage",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    args.extend_from_slice(extra);
    args.push(format!("file://{}", html.display()));
    let mut child = Command::new(CHROMIUM)
        .args(&args)
        .env("HOME", profile.path())
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    assert!(status.success(), "chromium failed ({status}): {stderr}");
}

/// The DOM Chromium built from the page, serialised.
pub(crate) fn dump_dom(html: &Path) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dom.html");
    run(&["--dump-dom".into()], html, &out);
    std::fs::read_to_string(out).unwrap()
}

/// A PNG screenshot of the page's first `size` pixels.
pub(crate) fn screenshot(html: &Path, size: (u32, u32)) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("shot.png");
    let extra = [
        format!("--screenshot={}", png.display()),
        format!("--window-size={},{}", size.0, size.1),
    ];
    run(&extra, html, &dir.path().join("stdout.txt"));
    std::fs::read(png).unwrap()
}
