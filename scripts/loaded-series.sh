#!/usr/bin/env bash
# Runs the full default suite several times in a row while two busy loops
# occupy both cores of a 2-core machine (as a shared CI runner, or `go test
# ./...` running packages side by side, would), and prints each run's
# verdict, wall time and the machine's load. A verdict that differs from
# an idle run's is a check that does not wait for what it reads, or a
# timing clause that blames the addon for a starved machine: a starved
# process makes a timing clause inconclusive (errored, naming the process
# and its figures), never failed.
#
#   bash scripts/loaded-series.sh [RUNS] [-- extra flags for the suite]
#
# RUNS defaults to 3. With NICE_BUILD=DIR, a `go build -a ./...` of the Go
# module in DIR runs at nice 19 throughout, over and over, besides the
# busy loops (a developer compiling beside the suite). Reports and logs of
# each run are kept under $OUT (default: a new folder under /tmp), printed
# at the end. The runs take turns with the tests' RocketMQ topologies
# through the same machine-wide lock. Exit 0 when every run exited 0.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-3}
shift $(( $# > 0 ? 1 : 0 ))
[ "${1:-}" = "--" ] && shift
out=${OUT:-$(mktemp -d /tmp/loaded-series.XXXXXX)}
mkdir -p "$out"

bin=$out/conformance
(cd "$root" && go build -o "$bin" .) || { echo "build failed" >&2; exit 2; }

# load prints the load average and the CPU pressure (some avg60).
load() {
  printf 'load average %s, CPU pressure some avg60 %s%%' \
    "$(cut -d' ' -f1 /proc/loadavg)" \
    "$(sed -n 's/^some avg10=[0-9.]* avg60=\([0-9.]*\).*/\1/p' /proc/pressure/cpu 2>/dev/null || echo n/a)"
}

# busy starts one busy loop in the background; its output goes nowhere, so
# that it does not hold the caller's pipe open.
pids=""
busy() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'while True: pass' >/dev/null 2>&1 &
  else
    sh -c 'while :; do :; done' >/dev/null 2>&1 &
  fi
  pids="$pids $!"
}
busy
busy
if [ -n "${NICE_BUILD:-}" ]; then
  (cd "$NICE_BUILD" && while :; do nice -n 19 go build -a -o /dev/null ./... >/dev/null 2>&1; done) &
  pids="$pids $!"
fi
# Stop every helper and its children (the build loop's go and compilers).
stop() { for p in $pids; do pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done; }
trap stop EXIT INT TERM
echo "load: pids $pids ($(nproc) cores${NICE_BUILD:+; nice 19 build of $NICE_BUILD})"

lock=${XDG_CACHE_HOME:-$HOME/.cache}/rmqkb-conformance/test.lock
mkdir -p "$(dirname "$lock")"
failed=0
for i in $(seq 1 "$runs"); do
  before=$(load)
  start=$(date +%s%N)
  flock "$lock" "$bin" --reports "$out/run-$i" "$@" >"$out/run-$i.log" 2>&1
  code=$?
  took=$(( ($(date +%s%N) - start) / 1000000 ))
  verdict=$(sed -n '1s/^## RocketMQ conformance: //p' "$out/run-$i/summary.md" 2>/dev/null)
  printf 'run %d: exit %d, %s, %d.%03d s wall; before: %s; after: %s\n' "$i" "$code" "${verdict:-no report}" \
    $((took / 1000)) $((took % 1000)) "$before" "$(load)"
  if [ "$code" -ne 0 ]; then
    failed=1
    grep -E -A3 '^\[.*\] (FAIL|ERROR) ' "$out/run-$i.log" | sed 's/^/    /'
  fi
done
echo "reports and logs in $out"
exit $failed
