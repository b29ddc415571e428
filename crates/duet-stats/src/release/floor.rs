//! The floor: a policy that would switch disclosure control off without
//! saying so is refused.
//!
//! Guarantee: a job whose policy passes has every threshold (pooled cell,
//! group, per-party) at [`FLOOR`] or above and a dominance rule that can
//! fire, unless it states `disclosure = "off"` with a non-empty reason, and
//! then every output shows that control was off and why. A threshold of 0
//! or 1 releases single records; 2 lets either member of a pair subtract
//! itself.

use crate::job::{Disclosure, Policy};

/// The lowest threshold a checked policy may set.
pub const FLOOR: u64 = 3;

/// Why a policy is below the floor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FloorError {
    /// A threshold under the floor in a checked policy.
    #[error("policy.{field} = {value} would switch disclosure control off (the floor is {FLOOR}); raise it, or state disclosure = \"off\" with a reason in [policy]")]
    BelowFloor {
        /// The field.
        field: &'static str,
        /// Its value.
        value: u64,
    },
    /// Dominance parameters out of range.
    #[error("policy.dominance: n must be 1 to 10 and k 1 to 100 (found n = {n}, k = {k})")]
    Dominance {
        /// Contributors.
        n: u32,
        /// Percent.
        k: u32,
    },
    /// `disclosure = "off"` without a reason.
    #[error("policy: disclosure = \"off\" needs a non-empty reason (policy.reason), shown in every output")]
    NoReason,
    /// A reason given while control is on.
    #[error("policy.reason is only for disclosure = \"off\"; remove it or switch control off")]
    StrayReason,
}

/// Checks `p` against the floor.
pub fn check(p: &Policy) -> Result<(), FloorError> {
    let d = p.dominance;
    if !(1..=10).contains(&d.n) || !(1..=100).contains(&d.k) {
        return Err(FloorError::Dominance { n: d.n, k: d.k });
    }
    let reason = p.reason.as_deref().map(str::trim).unwrap_or("");
    match p.disclosure {
        Disclosure::Off if reason.is_empty() => Err(FloorError::NoReason),
        Disclosure::Off => Ok(()),
        Disclosure::Checked if !reason.is_empty() => Err(FloorError::StrayReason),
        Disclosure::Checked => thresholds(p),
    }
}

fn thresholds(p: &Policy) -> Result<(), FloorError> {
    let fields = [
        ("min_cell", p.min_cell),
        ("min_group", p.min_group),
        ("min_cell_per_party", p.per_party()),
    ];
    match fields.into_iter().find(|&(_, v)| v < FLOOR) {
        Some((field, value)) => Err(FloorError::BelowFloor { field, value }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(f: impl FnOnce(&mut Policy)) -> Result<(), FloorError> {
        let mut p = Policy::default();
        f(&mut p);
        check(&p)
    }

    #[test]
    fn defaults_pass_and_zero_thresholds_are_refused() {
        assert_eq!(with(|_| {}), Ok(()));
        let zero = FloorError::BelowFloor {
            field: "min_cell",
            value: 0,
        };
        assert_eq!(with(|p| p.min_cell = 0), Err(zero));
        let group = FloorError::BelowFloor {
            field: "min_group",
            value: 2,
        };
        assert_eq!(with(|p| p.min_group = 2), Err(group));
        let party = FloorError::BelowFloor {
            field: "min_cell_per_party",
            value: 1,
        };
        assert_eq!(with(|p| p.min_cell_per_party = Some(1)), Err(party));
        assert_eq!(with(|p| p.min_cell = FLOOR), Ok(()));
    }

    #[test]
    fn off_needs_a_reason_and_then_allows_zero() {
        let off = |p: &mut Policy| {
            p.disclosure = Disclosure::Off;
            p.min_cell = 0;
        };
        assert_eq!(with(off), Err(FloorError::NoReason));
        assert_eq!(
            with(|p| {
                off(p);
                p.reason = Some("  ".into());
            }),
            Err(FloorError::NoReason)
        );
        assert_eq!(
            with(|p| {
                off(p);
                p.reason = Some("synthetic test data".into());
            }),
            Ok(())
        );
        assert_eq!(
            with(|p| p.reason = Some("x".into())),
            Err(FloorError::StrayReason)
        );
    }

    #[test]
    fn dominance_out_of_range_is_refused() {
        let bad = |n, k| with(|p| p.dominance = crate::job::Dominance { n, k });
        assert_eq!(bad(0, 90), Err(FloorError::Dominance { n: 0, k: 90 }));
        assert_eq!(bad(2, 101), Err(FloorError::Dominance { n: 2, k: 101 }));
        assert_eq!(bad(11, 50), Err(FloorError::Dominance { n: 11, k: 50 }));
        assert_eq!(bad(1, 100), Ok(()));
    }
}
