#!/usr/bin/env bash
# Speed and memory benchmarks, run on purpose (not by the test suite). Each
# prints the figure the README and the issue targets talk about.
#   scripts/bench.sh [load|loop|record|all]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/bin"
work=${BENCH_DIR:-/tmp/dust-bench}
mkdir -p "$work"
what=${1:-all}

bench_load() {
  echo "== 1M-statement straight-line program (issue 2): end to end, execution, peak RSS"
  [[ -f "$work/big.dir.json" ]] || python3 "$root/../shared/bench/gen_straight_line.py" 1000000 "$work/big.dir.json"
  /usr/bin/time -f "wall %e s, peak RSS %M KiB" "$bin/dustrun" --emit-trace --stats "$work/big.dir.json" >"$work/big.out"
  python3 - "$work/big.out" "$work/big.expected.trace.json" <<'PY'
import json, sys
same = json.load(open(sys.argv[1])) == json.load(open(sys.argv[2]))
print("trace equals the expected trace" if same else "TRACE DIFFERS from the expected trace")
sys.exit(0 if same else 1)
PY
}

bench_loop() {
  echo "== While loop of 10,000,000 iterations (issue 3): dustrun vs Lua 5.4"
  /usr/bin/time -f "dustrun: wall %e s" "$bin/dustrun" --quiet --stats "$root/assets/bench/while_loop_10m.dir.json"
  /usr/bin/time -f "lua5.4:  wall %e s" lua5.4 "$root/assets/bench/while_loop_10m.lua" >/dev/null
}

case "$what" in
  load) bench_load ;;
  loop) bench_loop ;;
  all) bench_load; bench_loop ;;
  *) echo "usage: scripts/bench.sh [load|loop|all]" >&2; exit 2 ;;
esac
