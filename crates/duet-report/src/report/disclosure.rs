//! The report's "Disclosure control" section: the control status, the
//! rules in force, every withheld value with its kind and rule, the
//! released values counted by the rules they passed, and the notes.

use std::fmt::Write;

use duet_stats::release::DisclosureRecord;

/// Writes the section.
pub(crate) fn section(s: &mut String, d: &DisclosureRecord) {
    let _ = writeln!(s, "\ndisclosure control: {}", d.status());
    let _ = writeln!(s, "  rules in force");
    for r in &d.rules {
        let _ = writeln!(s, "    - {r}");
    }
    let _ = writeln!(s, "  withheld values ({})", d.withheld.len());
    for w in &d.withheld {
        let _ = writeln!(s, "    {} [{}] {}", w.name, w.kind, w.rule);
    }
    let _ = writeln!(
        s,
        "  released values ({}), by rules passed",
        d.released.len()
    );
    for (rules, n) in d.released_by_rules() {
        let _ = writeln!(s, "    {n:>5}  {rules}");
    }
    if !d.models.is_empty() {
        let _ = writeln!(s, "  models computed on shares (only these values opened)");
        for m in &d.models {
            let _ = writeln!(s, "    {}: {}", m.statistic, m.opened);
        }
    }
    if !d.notes.is_empty() {
        let _ = writeln!(s, "  notes");
        for n in &d.notes {
            let _ = writeln!(s, "    - {n}");
        }
    }
}
