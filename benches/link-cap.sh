#!/usr/bin/env bash
# `duet bench` over a loopback link capped at each given rate, so that the
# link and not the shared CPU is what limits: on one 2-core machine that
# hosts both parties, uncapped loopback QUIC is bound by CPU (quinn, the
# transcript and both parties' work share the two cores).
#
#   sudo bash benches/link-cap.sh 1gbit 2gbit 3gbit 4gbit
#
# Needs root (CAP_NET_ADMIN) and tc: it puts a token-bucket qdisc on `lo`
# for each run and removes it afterwards, also on error or Ctrl-C. Every
# program on this machine that uses loopback shares the cap meanwhile.
# Results: docs/BENCHMARKS.md, "Over a capped link".
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: sudo bash benches/link-cap.sh RATE... (tc rates, e.g. 1gbit 2gbit)" >&2
    exit 2
fi
if tc qdisc show dev lo | grep -q '^qdisc tbf'; then
    echo "lo already has a tbf qdisc; remove it first: tc qdisc del dev lo root" >&2
    exit 1
fi

cargo build --release --bin duet
trap 'tc qdisc del dev lo root 2>/dev/null || true' EXIT INT TERM

for rate in "$@"; do
    tc qdisc add dev lo root tbf rate "$rate" burst 4mb latency 100ms
    echo "== loopback capped at $rate"
    ./target/release/duet bench --rounds 3 --triples 300000 --comparisons 10000
    tc qdisc del dev lo root
done
