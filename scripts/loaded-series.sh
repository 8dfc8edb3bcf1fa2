#!/usr/bin/env bash
# Runs the full default suite several times in a row while two busy loops
# occupy both cores of a 2-core machine (as a shared CI runner, or `go test
# ./...` running packages side by side, would), and prints each run's
# verdict and wall time. A verdict that differs from an idle run's is a
# check that does not wait for what it reads.
#
#   bash scripts/loaded-series.sh [RUNS] [-- extra flags for the suite]
#
# RUNS defaults to 3. Reports and logs of each run are kept under
# $OUT (default: a new folder under /tmp), printed at the end. Exit 0 when
# every run exited 0.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-3}
shift $(( $# > 0 ? 1 : 0 ))
[ "${1:-}" = "--" ] && shift
out=${OUT:-$(mktemp -d /tmp/loaded-series.XXXXXX)}
mkdir -p "$out"

bin=$out/conformance
(cd "$root" && go build -o "$bin" .) || { echo "build failed" >&2; exit 2; }

# busy starts one busy loop in the background; its output goes nowhere, so
# that it does not hold the caller's pipe open.
busy() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'while True: pass' >/dev/null 2>&1 &
  else
    sh -c 'while :; do :; done' >/dev/null 2>&1 &
  fi
  loops="$loops $!"
}
loops=""
busy
busy
trap 'kill $loops 2>/dev/null' EXIT INT TERM
echo "busy loops: pids $loops ($(nproc) cores)"

failed=0
for i in $(seq 1 "$runs"); do
  start=$(date +%s%N)
  "$bin" --reports "$out/run-$i" "$@" >"$out/run-$i.log" 2>&1
  code=$?
  took=$(( ($(date +%s%N) - start) / 1000000 ))
  verdict=$(sed -n '1s/^## RocketMQ conformance: //p' "$out/run-$i/summary.md" 2>/dev/null)
  printf 'run %d: exit %d, %s, %d.%03d s wall\n' "$i" "$code" "${verdict:-no report}" $((took / 1000)) $((took % 1000))
  if [ "$code" -ne 0 ]; then
    failed=1
    grep -E '^\[.*\] (FAIL|ERROR) ' "$out/run-$i.log" | sed 's/^/    /'
  fi
done
echo "reports and logs in $out"
exit $failed
