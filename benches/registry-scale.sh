#!/usr/bin/env bash
# The bundled analyses job (examples/jobs/pooled_analyses.toml: logistic
# regression, Kaplan-Meier, t-test, odds ratio, quartiles) at registry
# scale: ROWS synthetic records per side, the logistic regression fitted
# with FIT ("opened-iterates" by default, or "sealed", the job's default
# fit on per-record shares), two `duet run` processes over loopback QUIC
# with mutual TLS, as two institutions would run it. Prints each side's
# wall time and peak memory, and the traffic from its manifest.
#
#   bash benches/registry-scale.sh [ROWS] [FIT]  (default 1000000 opened-iterates)
#
# The records are drawn by awk with fixed seeds (a cohort shaped like
# datasets/hospital_*.csv); the job's data.max_rows becomes ROWS.
# Results: docs/BENCHMARKS.md, "Registry scale".
set -euo pipefail

rows="${1:-1000000}"
fit="${2:-opened-iterates}"
case "$fit" in
opened-iterates | sealed) ;;
*) echo "FIT must be opened-iterates or sealed, not $fit" >&2; exit 2 ;;
esac
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release --bin duet
duet="$PWD/target/release/duet"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT

# One side's CSV: N rows, awk's generator seeded with SEED.
cohort() {
    awk -v n="$1" -v seed="$2" -v prefix="$3" 'BEGIN {
        srand(seed)
        split("north south east west", region, " ")
        print "patient_id,age,sex,region,smoker,bmi,sbp,diabetes,followup_days,event"
        for (i = 0; i < n; i++) {
            age = 18 + int(rand() * 80)
            smoker = rand() < 0.25 ? "yes" : "no"
            bmi = 18 + rand() * 22
            eta = -9.8 + 0.043 * age + 0.166 * bmi + (smoker == "yes" ? 0.6 : 0)
            diabetes = rand() < 1 / (1 + exp(-eta)) ? "yes" : "no"
            printf "%s%07d,%d,%s,%s,%s,%.1f,%.1f,%s,%d,%d\n", prefix, i, age,
                rand() < 0.5 ? "F" : "M", region[1 + int(rand() * 4)], smoker, bmi,
                100 + rand() * 60 + 0.2 * age, diabetes, 1 + int(rand() * 1825),
                rand() < 0.05 ? 1 : 0
        }
    }'
}

echo "== generating $rows records per side"
cohort "$rows" 1 A >"$dir/a.csv"
cohort "$rows" 2 B >"$dir/b.csv"

fingerprint() {
    "$duet" keygen --name "$1" --out "$dir/keys" --json |
        sed -e 's/.*"cert_sha256":"\([0-9a-f]*\)".*/\1/'
}
fa="$(fingerprint hospital-a)"
fb="$(fingerprint hospital-b)"
port=$((20000 + RANDOM % 20000))

sed -e "s/0\{64\}/$fa/" -e "s/1\{64\}/$fb/" \
    -e "s/127.0.0.1:4433/127.0.0.1:$port/" \
    -e "s/^max_rows = 2000$/max_rows = $rows/" \
    -e 's/^x = \["age", "bmi", "smoker"\]$/&\nfit = "'"$fit"'"/' \
    examples/jobs/pooled_analyses.toml >"$dir/job.toml"
grep -q "fit = \"$fit\"" "$dir/job.toml"

local_toml() { # role csv name peer-line
    printf 'role = "%s"\ncsv = "%s"\nkey = "%s/keys/%s.key.pem"\ncert = "%s/keys/%s.cert.pem"\noutput_dir = "%s/out-%s"\n%s\n' \
        "$1" "$2" "$dir" "$3" "$dir" "$3" "$dir" "$1" "$4" >"$dir/$1.toml"
}
local_toml p0 "$dir/a.csv" hospital-a "dial = \"127.0.0.1:$port\""
local_toml p1 "$dir/b.csv" hospital-b "listen = \"127.0.0.1:$port\""

echo "== two processes: duet run (p1 listens, p0 dials)"
side() {
    /usr/bin/time -f "$1: %e s wall, %M kB peak memory, %U s user" \
        "$duet" run --job "$dir/job.toml" --local "$dir/$1.toml" --quiet
}
start=$(date +%s.%N)
side p1 &
listener=$!
side p0
wait "$listener"
end=$(date +%s.%N)
echo "both sides done in $(echo "$end - $start" | bc) s"

for role in p0 p1; do
    echo "$role totals (manifest.json):"
    grep -A6 '"totals"' "$dir/out-$role/manifest.json" | grep -E '"(sent|received)_bytes"'
done
sed -n '/logistic_regression/,/^$/p' "$dir/out-p0/report.txt"
