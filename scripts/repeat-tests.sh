#!/usr/bin/env bash
# Runs the test suite N times under CPU load, each run under a fresh
# MAPPED_SEED, and reports every failure with the seed that replays it.
# Run it before you stop, after changing tests or anything they race on.
#
#   scripts/repeat-tests.sh [N] [cargo test arguments...]
#
# N defaults to 5; the arguments default to `--workspace`. One busy loop
# per core keeps the machine loaded while the suite runs (after one build
# without them). Exits non-zero if any run failed.
set -uo pipefail
cd "$(dirname "$0")/.."

runs=${1:-5}
shift || true
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--workspace)

echo "building: cargo test ${args[*]} --no-run"
cargo test "${args[@]}" --no-run -q || exit 1

hogs=()
stop_hogs() { [ ${#hogs[@]} -eq 0 ] || kill "${hogs[@]}" 2>/dev/null; }
trap stop_hogs EXIT
for _ in $(seq 1 "$(nproc)"); do
    ( while :; do :; done ) &
    hogs+=($!)
done

logs=$(mktemp -d)
failed=0
for run in $(seq 1 "$runs"); do
    seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
    log="$logs/run-$run-seed-$seed.log"
    start=$SECONDS
    if MAPPED_SEED=$seed cargo test "${args[@]}" -q >"$log" 2>&1; then
        echo "run $run/$runs: ok ($((SECONDS - start)) s, MAPPED_SEED=$seed)"
    else
        failed=$((failed + 1))
        echo "run $run/$runs: FAILED ($((SECONDS - start)) s) -- replay with MAPPED_SEED=$seed; log $log"
        grep -E "^test .* FAILED|panicked at|^error: test failed" "$log" | sed 's/^/    /' | head -20
    fi
done
echo "$failed of $runs runs failed (logs in $logs)"
[ "$failed" -eq 0 ]
