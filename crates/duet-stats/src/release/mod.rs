//! The release gate: the one place where a study opens anything.
//!
//! Every number a job opens passes here, and nowhere else: suppression bits
//! (decided on secret shares) and the released values themselves. Each
//! opened value carries its provenance ([`provenance::LinearValue`]: the
//! records it aggregates, as a cell of column conditions, and the quantity
//! summed over them) and the rules it passed.
//!
//! The rules, one file each, each stating its guarantee beside its code:
//! - [`floor`]: a policy that would switch control off is refused unless
//!   the job says `disclosure = "off"` with a reason;
//! - pooled threshold, per-party threshold and dominance: the primary
//!   decisions, made on shares; only one bit per cell is opened;
//! - [`secondary`]: after the primary bits are open, both sides withhold
//!   whatever would let a withheld value be recomputed as a linear
//!   combination of released ones (this job's and the ledger's).
//!
//! Beneath the rules: `plan_values` gives every plan element its
//! provenance, `atoms` turns values into 0/1 vectors over the finest
//! partition of the records, and `span` decides exact membership in a
//! rational span.

pub mod provenance;

// The gate that calls these is wired in later; until then only tests use them.
#[allow(dead_code)]
pub(crate) mod atoms;
#[allow(dead_code)]
pub(crate) mod plan_values;
#[allow(dead_code)]
pub(crate) mod secondary;
#[allow(dead_code)]
pub(crate) mod span;
#[cfg(test)]
mod test_oracle;
