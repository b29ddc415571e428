//! Faults: vanished peers, bad frames.
