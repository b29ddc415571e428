//! Tests and measures computed from released (opened, possibly noisy)
//! aggregates: post-processing only, nothing here sees a share.
