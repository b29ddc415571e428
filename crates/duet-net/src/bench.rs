//! Throughput measurement (in progress).
