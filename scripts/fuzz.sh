#!/usr/bin/env bash
# Fuzzes the DIR loader, the trace reader and the debug adapter with libFuzzer.
#
#   scripts/fuzz.sh [dir|trace|dap|all] [seconds]     default: all, 60 seconds per target
#
# Builds build-fuzz/ with clang (-fsanitize=fuzzer,address,undefined; the
# project's own build in build/ is untouched), then runs each fuzzer for
# the given time at low priority, starting from the committed seeds in
# tests/fuzz/corpus/<target>/ and the past findings in
# tests/fuzz/regressions/<target>/. New inputs that cover more code go to
# build-fuzz/corpus/<target>/; a crash, leak, timeout or out-of-memory is
# written to build-fuzz/findings/<target>/ and ends that target's run with
# a non-zero exit. Fix it, then copy the input into
# tests/fuzz/regressions/<target>/ so the test suite replays it for ever.
# A timeout whose input runs in time when run again alone was the machine's
# load (the fuzzers run at the lowest priority): it is reported as such,
# and the run has found nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
which=${1:-all}
seconds=${2:-60}
case $which in
  dir | trace | dap) targets=("$which") ;;
  all) targets=(dir trace dap) ;;
  *)
    echo "usage: scripts/fuzz.sh [dir|trace|dap|all] [seconds]" >&2
    exit 2
    ;;
esac

"$root/scripts/install-deps.sh"
build="$root/build-fuzz"
flags="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
# ccache speeds rebuilds where it is installed; the project does not need it.
launcher=$(command -v ccache || true)
CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_COMPILER_LAUNCHER="$launcher" -DCMAKE_CXX_FLAGS="$flags" \
  -DDUST_FUZZ=ON -DDUST_BUILD_GUI=OFF -DBUILD_TESTING=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/%/_fuzzer}"

# The fuzzers run at the lowest priority, so on a busy machine an input can
# pass libFuzzer's 10-second timeout without being slow. True when every
# artifact this run wrote to findings/ (those not in `before`) is a timeout
# whose input runs in time when run again alone, at normal priority: such
# artifacts stay in findings/ for a look, but the run has found nothing.
only_load_timeouts() {
  local target=$1 findings=$2 before=$3 artifact any=1
  for artifact in $(ls "$findings"); do
    grep -qxF "$artifact" <<<"$before" && continue
    [[ $artifact == timeout-* ]] || return 1
    "$build/bin/${target}_fuzzer" -timeout=10 -rss_limit_mb=2048 "$findings/$artifact" >/dev/null 2>&1 || return 1
    any=0
  done
  return $any
}

status=0
for target in "${targets[@]}"; do
  corpus="$build/corpus/$target"
  findings="$build/findings/$target"
  mkdir -p "$corpus" "$findings"
  seeds=("$root/tests/fuzz/corpus/$target")
  [[ -d "$root/tests/fuzz/regressions/$target" ]] && seeds+=("$root/tests/fuzz/regressions/$target")
  echo "fuzz.sh: $target for ${seconds}s" >&2
  # A trace input is at most 64 KiB (the seeds are a few KiB); a DIR input or a
  # DAP session 16 KiB.
  max_len=$([[ $target == trace ]] && echo 65536 || echo 16384)
  before=$(ls "$findings")
  set +e +o pipefail
  nice -n 19 "$build/bin/${target}_fuzzer" "$corpus" "${seeds[@]}" \
    -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$findings/" -print_final_stats=1 2>&1 | tee "$build/$target.log" |
    grep -E "^#[0-9]+ +(INITED|DONE|pulse)|ERROR|SUMMARY|stat::" >&2
  run_status=${PIPESTATUS[0]}
  set -e -o pipefail
  if [[ $run_status -ne 0 ]] && only_load_timeouts "$target" "$findings" "$before"; then
    echo "fuzz.sh: $target: the timeout above was the machine's load, not a hang (the input runs in time alone)" >&2
  elif [[ $run_status -ne 0 ]]; then
    echo "fuzz.sh: $target found something: see $findings/ and $build/$target.log" >&2
    status=1
  fi
done
exit $status
