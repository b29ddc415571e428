//! Progress for long steps: one bar per party on stderr, hidden with
//! `--quiet`, `--json` or when stderr is not a terminal.

use std::sync::{Arc, Mutex};

use duet_core::Role;
use duet_ot::{Material, Progress as OtProgress, ProgressFn};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Progress display shared by the parties of one command.
pub(crate) struct Progress {
    bars: [ProgressBar; 2],
    /// Each party's current step, which the preprocessing messages name.
    steps: [Arc<Mutex<String>>; 2],
}

impl Progress {
    /// Bars for the given roles (`shown` false: draw nothing).
    pub(crate) fn new(shown: bool, labels: [&str; 2]) -> Progress {
        let multi = MultiProgress::with_draw_target(if shown {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        let style = ProgressStyle::with_template("{prefix:>12} [{bar:30}] {percent:>3}% {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let bar = |label: &str| {
            let b = multi.add(ProgressBar::new(100));
            b.set_style(style.clone());
            b.set_prefix(label.to_string());
            b
        };
        Progress {
            bars: [bar(labels[0]), bar(labels[1])],
            steps: Default::default(),
        }
    }

    fn bar(&self, role: Role) -> &ProgressBar {
        &self.bars[role.index()]
    }

    /// A new step begins.
    pub(crate) fn step(&self, role: Role, what: &str) {
        if let Ok(mut step) = self.steps[role.index()].lock() {
            what.clone_into(&mut step);
        }
        self.bar(role).set_message(what.to_string());
    }

    /// The party finished.
    pub(crate) fn done(&self, role: Role) {
        let b = self.bar(role);
        b.set_position(100);
        b.finish_with_message("done");
    }

    /// A callback that shows duet-ot's preprocessing progress on the bar.
    pub(crate) fn ot_callback(&self, role: Role) -> ProgressFn {
        let bar = Arc::new(Mutex::new(self.bar(role).clone()));
        let step = Arc::clone(&self.steps[role.index()]);
        Box::new(move |p: OtProgress| {
            if let Ok(bar) = bar.lock() {
                let what = match p.material {
                    Material::BaseOts => "base oblivious transfers".to_string(),
                    Material::Triples { bits } => format!("Beaver triples (Z_2^{bits})"),
                    Material::AndTriples => "AND triples".to_string(),
                    Material::AndPairs => "AND triple pairs".to_string(),
                    Material::DaBits { bits } => format!("random shared bits (Z_2^{bits})"),
                    Material::BitOles { bits } => format!("bit-OLE pairs (Z_2^{bits})"),
                    Material::LeafOts => "comparison leaf OTs".to_string(),
                    _ => "preprocessing".to_string(),
                };
                let pct = (p.done * 100).checked_div(p.total).unwrap_or(100);
                bar.set_position(pct as u64);
                let step = step.lock().map(|s| s.clone()).unwrap_or_default();
                bar.set_message(format!("{step}: making {what} {}/{}", p.done, p.total));
            }
        })
    }
}
