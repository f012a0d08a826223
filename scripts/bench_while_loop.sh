#!/usr/bin/env bash
# The loop benchmark of the K-regime issue: a DIR `While` loop of N
# iterations (default 10,000,000), each an add, a compare and an assign,
# run by dustrun, next to the same loop in Lua 5.4. Prints both wall times
# (best of R runs, default 3) and the ratio. Not run by ctest.
#
#   scripts/bench_while_loop.sh [build-dir] [iterations] [repeats]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
iterations=${2:-10000000}
repeats=${3:-3}
dustrun="$build/bin/dustrun"
[[ -x "$dustrun" ]] || { echo "bench: no dustrun at $dustrun (build first)" >&2; exit 2; }
command -v lua5.4 >/dev/null || { echo "bench: lua5.4 is not installed (apt-get install lua5.4)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/loop.dir.json" <<DIR
{"forges":[{"name":"Bench","shapes":[],"binds":[],"procs":[{"regime":"K","name":"main","params":[],"uses":[],
 "ret":null,"qualifiers":[],"body":[
  {"Let":{"name":"i","expr":"0"}},
  {"While":{"condition":"i Lt $iterations","body":[{"Assign":{"target":"i","expr":"i Add 1"}}]}},
  {"Return":{"expr":"i"}}]}]}]}
DIR
cat >"$work/loop.lua" <<LUA
local i = 0
while i < $iterations do
  i = i + 1
end
print("return: " .. i)
LUA

# Best wall time of `repeats` runs of a command, in seconds.
best_of() {
  local best=""
  for _ in $(seq "$repeats"); do
    local start end elapsed
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    elapsed=$(echo "$end - $start" | bc -l)
    if [[ -z "$best" ]] || (( $(echo "$elapsed < $best" | bc -l) )); then best=$elapsed; fi
  done
  printf '%.3f' "$best"
}

expected="return: $iterations"
[[ "$("$dustrun" "$work/loop.dir.json" | head -1)" == "$expected" ]] || { echo "bench: dustrun gave a wrong result" >&2; exit 1; }
[[ "$(lua5.4 "$work/loop.lua")" == "$expected" ]] || { echo "bench: lua gave a wrong result" >&2; exit 1; }

dust_time=$(best_of "$dustrun" "$work/loop.dir.json")
lua_time=$(best_of lua5.4 "$work/loop.lua")
printf 'while loop, %d iterations (add, compare, assign), best of %d:\n' "$iterations" "$repeats"
printf '  dustrun  %s s\n' "$dust_time"
printf '  lua5.4   %s s\n' "$lua_time"
printf '  ratio    %.2fx Lua (target: within 3x)\n' "$(echo "$dust_time / $lua_time" | bc -l)"
