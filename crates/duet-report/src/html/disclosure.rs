//! The "Disclosure control" section of the HTML report: the control
//! status (a warning when the job switched control off), the rules in
//! force, every withheld value, the released values counted by the rules
//! they passed, and the notes.

use std::fmt::Write;

use super::esc;
use super::tables::{open, row};
use duet_stats::release::DisclosureRecord;

/// A warning for the top of the page when control is off.
pub(super) fn banner(h: &mut String, d: &DisclosureRecord) {
    if d.is_off() {
        let _ = writeln!(
            h,
            "<p class=\"warning control-off\"><strong>Disclosure control was OFF.</strong> {}</p>",
            esc(&d.status())
        );
    }
}

/// Writes the section.
pub(super) fn section(h: &mut String, d: &DisclosureRecord) {
    let _ = writeln!(
        h,
        "<h2 id=\"disclosure\">Disclosure control</h2>\n<p>Control: <strong>{}</strong></p>",
        esc(&d.status())
    );
    h.push_str("<ul class=\"rules\">\n");
    for r in &d.rules {
        let _ = writeln!(h, "<li>{}</li>", esc(r));
    }
    h.push_str("</ul>\n");
    let _ = writeln!(h, "<h3>Withheld values ({})</h3>", d.withheld.len());
    open(h, "withheld", &["Value", "Kind", "Rule"]);
    for w in &d.withheld {
        row(h, &[esc(&w.name), esc(w.kind), esc(&w.rule)]);
    }
    h.push_str("</table>\n");
    let _ = writeln!(h, "<h3>Released values ({})</h3>", d.released.len());
    open(h, "released-rules", &["Rules passed", "Values"]);
    for (rules, n) in d.released_by_rules() {
        row(h, &[esc(&rules), n.to_string()]);
    }
    h.push_str("</table>\n");
    if !d.models.is_empty() {
        h.push_str("<h3>Models computed on shares</h3>\n");
        open(h, "models", &["Statistic", "Values opened"]);
        for m in &d.models {
            row(h, &[esc(&m.statistic), esc(&m.opened)]);
        }
        h.push_str("</table>\n");
    }
    if !d.notes.is_empty() {
        h.push_str("<ul class=\"notes\">\n");
        for n in &d.notes {
            let _ = writeln!(h, "<li class=\"note\">{}</li>", esc(n));
        }
        h.push_str("</ul>\n");
    }
}
