#!/usr/bin/env bash
# `duet bench` for each OT extension, alternating, ROUNDS times, each run
# preceded by the load average: the figures of docs/BENCHMARKS.md,
# "Choosing the OT extension". One JSON line per run on stdout:
#   {"load": "...", "utc": "...", "bench": {...}}
#
#   bash benches/ot-choice.sh [ROUNDS] [EXTENSIONS...]
#
#   sudo CAP=1gbit bash benches/ot-choice.sh 3 iknp softspoken-4
#
# With CAP set (a tc rate), every run goes over a loopback capped as in
# benches/link-cap.sh (a tbf qdisc on lo, removed afterwards, also on
# error or Ctrl-C; needs root). Every program using loopback shares it.
set -euo pipefail

rounds=${1:-3}
shift || true
exts=("$@")
if [[ ${#exts[@]} -eq 0 ]]; then
    exts=(iknp softspoken-2 softspoken-4 softspoken-8)
fi
args=(--rounds 3 --triples 300000 --comparisons 10000 --logistic-records 0)

cargo build --release --bin duet >&2
if [[ -n ${CAP:-} ]]; then
    if tc qdisc show dev lo | grep -q '^qdisc tbf'; then
        echo "lo already has a tbf qdisc; remove it first: tc qdisc del dev lo root" >&2
        exit 1
    fi
    trap 'tc qdisc del dev lo root 2>/dev/null || true' EXIT INT TERM
    tc qdisc add dev lo root tbf rate "$CAP" burst 4mb latency 100ms
fi
for ((r = 1; r <= rounds; r++)); do
    for ext in "${exts[@]}"; do
        load=$(cut -d' ' -f1-3 /proc/loadavg)
        utc=$(date -u +%H:%M:%S)
        out=$(./target/release/duet --json bench "${args[@]}" --ot "$ext")
        printf '{"cap": "%s", "load": "%s", "utc": "%s", "bench": %s}\n' "${CAP:-none}" "$load" "$utc" "$out"
    done
done
