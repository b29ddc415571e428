#!/usr/bin/env bash
# Mutation testing of duet's privacy-critical code with cargo-mutants
# (install: cargo install cargo-mutants --locked). Each group mutates a few
# files and runs only the tests that guard them; groups run in the order
# given, most important first. docs/MUTANTS.md records the last run's
# figures and why each surviving mutant is harmless.
#
#   scripts/mutants.sh                 every group, in the order below
#   scripts/mutants.sh psi-session dp  just these groups
#   scripts/mutants.sh --list          the groups and their files
#
# MUTANTS_DIR  the tree to mutate (default: this repo). Mutants are made in
#              place (--in-place: no copy of the tree or of target/), so point
#              it at a scratch copy (git archive HEAD | tar -xm -C DIR) to keep
#              working meanwhile; an interrupted run can leave a mutated file.
# MUTANTS_OUT  where each group's mutants.out goes (default: target/mutants)
# MUTANTS_TIMEOUT  seconds per test run of one mutant (default 300)
# MUTANTS_ARGS     more cargo-mutants options, e.g. "--iterate" to retry only
#                  the mutants a previous run in MUTANTS_OUT missed, or
#                  "--test-tool=nextest" (stops a mutant's tests at the
#                  first failure: the ot group's caught mutants end sooner)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${MUTANTS_DIR:-$repo}"
out="${MUTANTS_OUT:-$dir/target/mutants}"
timeout="${MUTANTS_TIMEOUT:-300}"

# group|test package|cargo test args|files (space-separated, relative to the root)|
# test binary args (after `--`: skips a test too slow to run per mutant)
groups=(
  "psi-session|duet-psi||crates/duet-psi/src/session.rs"
  "dp|duet-stats|--lib --test stats|crates/duet-stats/src/dp.rs"
  "gate|duet-stats|--lib --test stats|crates/duet-stats/src/release/threshold.rs crates/duet-stats/src/release/per_party.rs crates/duet-stats/src/release/dominance.rs"
  "gate-other|duet-stats|--lib --test stats|crates/duet-stats/src/release/floor.rs crates/duet-stats/src/release/gates.rs"
  "padding|duet-stats|--lib --test stats|crates/duet-stats/src/per_record.rs"
  "psi-join|duet-psi||crates/duet-psi/src/join.rs crates/duet-psi/src/aggregate.rs crates/duet-psi/src/stream.rs"
  "disclosure|duet-stats|--lib --test stats|crates/duet-stats/src/release/survival.rs crates/duet-stats/src/release/secondary.rs crates/duet-stats/src/release/span.rs crates/duet-stats/src/release/models.rs crates/duet-stats/src/release/open.rs crates/duet-stats/src/release/agree.rs"
  "protocol|duet-stats|--lib --test stats|crates/duet-stats/src/protocol.rs"
  "core-open|duet-core||crates/duet-core/src/engine/mod.rs crates/duet-core/src/engine/material.rs"
  "leaves|duet-core|--lib --test engine --test open|crates/duet-core/src/engine/millionaire.rs crates/duet-core/src/leaf_ots.rs"
  "leaves-ot|duet-ot|--lib --test ot|crates/duet-ot/src/leaves.rs|--skip one_million_triples_per_ring"
  "and-gates|duet-core|--lib --test engine --test open|crates/duet-core/src/engine/boolean.rs crates/duet-core/src/and_pairs.rs"
  "ot-material|duet-ot|--lib --test ot|crates/duet-ot/src/triples.rs crates/duet-ot/src/rot.rs|--skip one_million_triples_per_ring"
  "ot|duet-ot|--lib --test ot|crates/duet-ot/src/hash.rs crates/duet-ot/src/iknp.rs crates/duet-ot/src/softspoken.rs crates/duet-ot/src/gilboa.rs|--skip one_million_triples_per_ring"
  "net|duet-net||crates/duet-net/src/identity.rs crates/duet-net/src/tls.rs crates/duet-net/src/handshake.rs crates/duet-net/src/transcript.rs"
)

if [ "${1:-}" = "--list" ]; then
  for g in "${groups[@]}"; do IFS='|' read -r name pkg args files _ <<<"$g"; echo "$name: $files (tests: $pkg $args)"; done
  exit 0
fi

# In a scratch copy, duet-stats builds at opt-level 0: its tests are light,
# and a mutant then rebuilds in about 5 s instead of 50 to 110 (measured
# 2026-12-07); every other crate keeps the test profile. Run the script
# under `mold -run` (Debian's mold) to link faster still.
if [ "$dir" != "$repo" ] && ! grep -q 'package.duet-stats]' "$dir/.cargo/config.toml" 2>/dev/null; then
  mkdir -p "$dir/.cargo"
  printf '\n[profile.dev.package.duet-stats]\nopt-level = 0\ndebug = 0\n' >>"$dir/.cargo/config.toml"
fi

# MUTANTS_ARGS: more cargo-mutants options (e.g. --iterate, -F REGEX).
read -r -a extra <<<"${MUTANTS_ARGS:-}"
want=("$@")
for g in "${groups[@]}"; do
  IFS='|' read -r name pkg args files test_args <<<"$g"
  if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " == *" $name "* ]]; then continue; fi
  file_args=()
  for f in $files; do file_args+=(--file "$f"); done
  # As --cargo-arg, so that building a mutant links only these test targets.
  for a in $args; do file_args+=("--cargo-arg=$a"); done
  if [ -n "$test_args" ]; then
    file_args+=("--cargo-test-arg=--")
    for a in $test_args; do file_args+=("--cargo-test-arg=$a"); done
  fi
  mkdir -p "$out/$name"
  echo "==> $name ($(date -u +%FT%TZ)): $files"
  # cargo-mutants exits 2 when mutants survive and 3 on timeouts: keep going.
  (cd "$dir" && cargo mutants --in-place --no-shuffle --test-package "$pkg" \
    --timeout "$timeout" --output "$out/$name" "${file_args[@]}" "${extra[@]}") || true
  for k in caught missed timeout unviable; do
    f="$out/$name/mutants.out/$k.txt"
    n=0
    if [ -f "$f" ]; then n=$(grep -c . "$f" || true); fi
    printf '%s %s: %s\n' "$name" "$k" "$n"
  done
done
if [ "$dir" = "$repo" ] && ! git -C "$repo" diff --quiet; then
  echo "warning: the tree differs from HEAD after the run; check for a leftover mutant" >&2
fi
