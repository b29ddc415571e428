//! Exit codes and one-line error messages.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | any other failure |
//! | 2 | bad command line (from clap) |
//! | 3 | bad input: a job, config or data file was refused |
//! | 4 | the link or the peer failed |
//!
//! With `--json`, a failure is also one JSON object on stdout:
//! `{"error": "<the line>", "exit_code": <code>}`.

use std::process::ExitCode;

/// A failure caused by the files the user gave us.
pub(crate) const BAD_INPUT: u8 = 3;
/// A failure of the link or the peer.
pub(crate) const LINK: u8 = 4;

fn is_stats_input_error(cause: &(dyn std::error::Error + 'static)) -> bool {
    cause.downcast_ref::<duet_stats::JobError>().is_some()
        || cause
            .downcast_ref::<duet_stats::job::LocalError>()
            .is_some()
        || cause.downcast_ref::<duet_stats::PrepareError>().is_some()
        || cause.downcast_ref::<duet_stats::DataError>().is_some()
        || cause.downcast_ref::<duet_stats::PlanError>().is_some()
        || cause
            .downcast_ref::<duet_stats::release::check::CheckError>()
            .is_some()
}

fn is_file_error(e: &duet_net::NetError) -> bool {
    use duet_net::NetError as N;
    matches!(
        e,
        N::FileExists { .. }
            | N::Pem { .. }
            | N::IdentityName { .. }
            | N::KeyReadable { .. }
            | N::KeyMismatch { .. }
            | N::Io { .. }
    )
}

/// A problem with what the user gave us, found by the command itself.
#[derive(Debug)]
pub(crate) struct BadInput(pub(crate) String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// Bad input (exit code 3) whose reason the command's own `--json` output
/// already states, so no second JSON object follows it on stdout.
#[derive(Debug)]
pub(crate) struct StatedRefusal(pub(crate) String);

impl std::fmt::Display for StatedRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StatedRefusal {}

/// Reports a failure: the line on stderr, and with `--json` the same as a
/// JSON object on stdout. Returns the exit code.
pub(crate) fn report(err: &anyhow::Error, json: bool) -> ExitCode {
    let line = one_line(err);
    let code = code_for(err);
    eprintln!("duet: {line}");
    let stated = err.downcast_ref::<StatedRefusal>().is_some();
    if json && !stated {
        println!(
            "{}",
            serde_json::json!({ "error": line, "exit_code": code })
        );
    }
    ExitCode::from(code)
}

/// The error and its causes on one line.
pub(crate) fn one_line(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string().replace('\n', " ");
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// Whether the error is bad input (exit code 3).
pub(crate) fn is_bad_input(err: &anyhow::Error) -> bool {
    code_for(err) == BAD_INPUT
}

/// The exit code for an error, from the first cause we recognise.
pub(crate) fn code_for(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if cause.downcast_ref::<duet_anon::AnonError>().is_some() {
            return BAD_INPUT;
        }
        let ours = cause.downcast_ref::<BadInput>().is_some()
            || cause.downcast_ref::<StatedRefusal>().is_some();
        if ours || is_stats_input_error(cause) {
            return BAD_INPUT;
        }
        if cause.downcast_ref::<duet_stats::ProtocolError>().is_some() {
            return LINK;
        }
        if let Some(e) = cause.downcast_ref::<duet_stats::StudyError>() {
            // A duplicate or empty identifier in this side's file is bad
            // input; everything else in a study is the link or the peer.
            let ids = matches!(
                e,
                duet_stats::StudyError::Link(duet_stats::linked::LinkError::Identifiers { .. })
            );
            return if ids { BAD_INPUT } else { LINK };
        }
        if let Some(e) = cause.downcast_ref::<duet_net::NetError>() {
            return if is_file_error(e) { BAD_INPUT } else { LINK };
        }
    }
    1
}
