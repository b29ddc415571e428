//! Roll-up: the classes of a transformation computed from those of a less
//! general one (as ARX's snapshots do). Since hierarchies are trees, every
//! class of the finer grouping lies inside one class of the coarser, so
//! grouping the finer classes' representatives is enough: the work is
//! proportional to the number of finer classes, not of records.

use crate::classes::{histograms, Classes, Problem};

impl Problem {
    /// Classes at `levels` from `finer`, the classes of a transformation
    /// whose levels are all at most `levels`. With `hist`, `finer` must
    /// carry histograms (else they are rebuilt from the rows).
    pub fn classes_from(&self, finer: &Classes, levels: &[usize], hist: bool) -> Classes {
        let keys = self.keys_of(levels, &finer.representative);
        let merged = self.group(&keys, levels);
        let n_classes = merged.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
        let mut sizes = vec![0u64; n_classes];
        let mut representative = vec![0u32; n_classes];
        for (i, &c) in merged.iter().enumerate().rev() {
            if let (Some(s), Some(r)) = (
                sizes.get_mut(c as usize),
                representative.get_mut(c as usize),
            ) {
                *s += finer.sizes.get(i).copied().unwrap_or(0);
                *r = finer.representative.get(i).copied().unwrap_or(0);
            }
        }
        let class_of_row = finer
            .class_of_row
            .iter()
            .map(|&c| merged.get(c as usize).copied().unwrap_or(0))
            .collect();
        let merged_hist = (hist && finer.has_histograms()).then(|| {
            histograms(n_classes, &merged, self.sens_values, |i, emit| {
                for &(s, n) in finer.histogram(i) {
                    emit(s, n);
                }
            })
        });
        let classes = Classes::from_parts(class_of_row, sizes, representative, merged_hist);
        if hist && !classes.has_histograms() {
            return self.classes(levels, true);
        }
        classes
    }
}
