//! End-to-end studies over loopback QUIC through the `duet` binary: the
//! released statistics against a plaintext oracle, and the failures a
//! researcher can meet, each with its clear error and no result files.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    unreachable_pub
)]

mod analyses;
mod doc;
mod exit_codes;
mod failures;
mod faults;
#[cfg(unix)]
mod frozen;
mod linked;
mod oracle;
mod ot_choice;
mod phases;
mod pooled;
mod publish;
mod strangers;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn duet() -> Command {
    Command::new(env!("CARGO_BIN_EXE_duet"))
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Waits for a child, killing it past `limit` (no test may hang).
pub fn wait_bounded(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "duet did not finish in {limit:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Two institutions' files for `duet run`: keys, the job, local settings.
pub struct Setup {
    pub dir: tempfile::TempDir,
    pub job: PathBuf,
    pub local: [PathBuf; 2],
    pub out: [PathBuf; 2],
    pub port: u16,
}

fn keygen(dir: &Path, name: &str) -> String {
    let out = duet()
        .args(["keygen", "--json", "--name", name, "--out"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["cert_sha256"].as_str().unwrap().to_string()
}

fn free_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Setup {
    /// Keys for both hospitals, the pooled-cohort job with their
    /// fingerprints, and settings pointing at `csv_a` and `csv_b`.
    pub fn new(csv_a: &Path, csv_b: &Path) -> Setup {
        Setup::for_job("pooled_cohort.toml", csv_a, csv_b, |t| t)
    }

    /// As [`Setup::new`] for another example job, edited by `edit`.
    pub fn for_job(
        job: &str,
        csv_a: &Path,
        csv_b: &Path,
        edit: impl Fn(String) -> String,
    ) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        let (fa, fb) = (keygen(&keys, "hospital-a"), keygen(&keys, "hospital-b"));
        let port = free_port();
        let job_text =
            edit(std::fs::read_to_string(root().join("examples/jobs").join(job)).unwrap())
                .replace(&"0".repeat(64), &fa)
                .replace(&"1".repeat(64), &fb)
                .replace("127.0.0.1:4433", &format!("127.0.0.1:{port}"));
        let job = dir.path().join("job.toml");
        std::fs::write(&job, job_text).unwrap();
        let local = |name: &str, role: &str, csv: &Path, addr: String| {
            let d = dir.path().join(name);
            std::fs::create_dir_all(&d).unwrap();
            let text = format!(
                "role = \"{role}\"\ncsv = {csv:?}\nkey = {key:?}\ncert = {cert:?}\noutput_dir = \"out\"\n{addr}\n[ledger]\npath = \"ledger.json\"\n",
                key = keys.join(format!("{name}.key.pem")),
                cert = keys.join(format!("{name}.cert.pem")),
            );
            let path = d.join("local.toml");
            std::fs::write(&path, text).unwrap();
            (path, d.join("out"))
        };
        let (la, oa) = local(
            "hospital-a",
            "p0",
            csv_a,
            format!("dial = \"127.0.0.1:{port}\""),
        );
        let (lb, ob) = local(
            "hospital-b",
            "p1",
            csv_b,
            format!("listen = \"127.0.0.1:{port}\""),
        );
        Setup {
            dir,
            job,
            local: [la, lb],
            out: [oa, ob],
            port,
        }
    }

    /// Starts one side (`0` for hospital A, `1` for hospital B).
    pub fn start(&self, side: usize, job: &Path, wait_secs: u64) -> Child {
        duet()
            .args(["run", "--quiet", "--wait", &wait_secs.to_string(), "--job"])
            .arg(job)
            .arg("--local")
            .arg(&self.local[side])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Whether a side's output folder holds any file.
    pub fn wrote_anything(&self, side: usize) -> bool {
        std::fs::read_dir(&self.out[side])
            .map(|mut d| d.next().is_some())
            .unwrap_or(false)
    }
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
