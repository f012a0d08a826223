#!/usr/bin/env bash
# The scrub benchmark: records the ten-million-step program beside this
# script (three workers sharing a mutex, private scratch blocks, a few
# effects) once, then sweeps dustdbg's cursor across it under Xvfb with
# software OpenGL and prints median and p99 frame times.
#   debugger-ui/bench/bench_scrub.sh [build-dir] [extra dustdbg options]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(realpath "${1:-"$here/../../build"}")
shift || true
trace="$build/scrub_10m.dtrace"
if [[ ! -f "$trace" || "$here/scrub_10m.dir.json" -nt "$trace" ]]; then
  echo "recording $trace (10,000,042 steps)..." >&2
  "$build/bin/dustrun" record "$here/scrub_10m.dir.json" -o "$trace" --no-progress >/dev/null
fi
# Software rendering even where a GPU exists, so figures compare.
export LIBGL_ALWAYS_SOFTWARE=1
exec xvfb-run -a -s "-screen 0 1600x1000x24" "$build/bin/dustdbg" --bench-scrub "$@" "$trace"
