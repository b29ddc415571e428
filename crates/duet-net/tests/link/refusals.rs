//! Refusals: strangers and mismatched handshakes.
