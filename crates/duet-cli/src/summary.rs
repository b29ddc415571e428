//! What `duet run` and `duet demo` print when a study finished.

use duet_core::Role;

use crate::party::Outcome;
use crate::Output;

/// Prints the outcome as text or JSON (nothing with `--quiet`).
pub(crate) fn print(outcome: &Outcome, role: Role, out: Output) -> anyhow::Result<()> {
    if out.json {
        let v = serde_json::json!({
            "role": role.to_string(),
            "results": outcome.paths.results,
            "results_csv": outcome.paths.csv,
            "report": outcome.paths.report,
            "report_html": outcome.paths.html,
            "manifest": outcome.paths.manifest,
            "rows_used": outcome.rows_used,
            "bytes_sent": outcome.traffic.total().sent_bytes,
            "bytes_received": outcome.traffic.total().received_bytes,
            "seconds": outcome.elapsed.as_secs_f64(),
        });
        println!("{v}");
        return Ok(());
    }
    if out.quiet {
        return Ok(());
    }
    let report = std::fs::read_to_string(&outcome.paths.report)?;
    print!("{report}");
    let t = outcome.traffic.total();
    println!(
        "\n{role}: {} local rows used; {} bytes sent, {} received in {:.1} s",
        outcome.rows_used,
        t.sent_bytes,
        t.received_bytes,
        outcome.elapsed.as_secs_f64()
    );
    println!("results:  {}", outcome.paths.results.display());
    println!("table:    {}", outcome.paths.csv.display());
    println!("report:   {}", outcome.paths.report.display());
    println!("html:     {}", outcome.paths.html.display());
    println!("manifest: {}", outcome.paths.manifest.display());
    Ok(())
}
