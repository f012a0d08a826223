#!/usr/bin/env bash
# Speed and memory benchmarks, run on purpose (not by the test suite). Each
# prints the figure the README and the issue targets talk about.
#   scripts/bench.sh [load|loop|record|all]
# Wall time is what a user waits; CPU time (user + sys) is the same work
# without the waits of a loaded machine, so both are printed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/bin"
work=${BENCH_DIR:-/tmp/dust-bench}
mkdir -p "$work"
what=${1:-all}

bench_load() {
  echo "== 1M-statement straight-line program (issue 2): end to end, execution, peak RSS"
  [[ -f "$work/big.dir.json" ]] || python3 "$root/scripts/bench/gen_straight_line.py" 1000000 "$work/big.dir.json"
  /usr/bin/time -f "wall %e s, cpu %U+%S s, peak RSS %M KiB" "$bin/dustrun" --emit-trace --stats "$work/big.dir.json" >"$work/big.out"
  python3 - "$work/big.out" "$work/big.expected.trace.json" <<'PY'
import json, sys
same = json.load(open(sys.argv[1])) == json.load(open(sys.argv[2]))
print("trace equals the expected trace" if same else "TRACE DIFFERS from the expected trace")
sys.exit(0 if same else 1)
PY
}

bench_loop() {
  echo "== While loop of 10,000,000 iterations (issue 3): dustrun vs Lua 5.4"
  for run in 1 2 3; do
    /usr/bin/time -f "dustrun: wall %e s, cpu %U+%S s" "$bin/dustrun" --quiet --stats "$root/assets/bench/while_loop_10m.dir.json"
    /usr/bin/time -f "lua5.4:  wall %e s, cpu %U+%S s" lua5.4 "$root/assets/bench/while_loop_10m.lua" >/dev/null
  done
}

bench_record() {
  echo "== Recording a 10,000,000-step program (issue 4): overhead, bytes per step, state_at latency"
  "$bin/recorder_bench"
}

case "$what" in
  load) bench_load ;;
  loop) bench_loop ;;
  record) bench_record ;;
  all) bench_load; bench_loop; bench_record ;;
  *) echo "usage: scripts/bench.sh [load|loop|record|all]" >&2; exit 2 ;;
esac
