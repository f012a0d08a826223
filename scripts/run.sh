#!/usr/bin/env bash
# The main job: builds everything, then opens the time-travel debugger on the
# bundled demo. Without a display it records the demo instead and prints a
# summary of the recording.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"

demo="$root/assets/demo/two_lock_deadlock.dir.json"
bin="$root/build/bin"
if [[ -n "${DISPLAY:-}" && -x "$bin/dustdbg" ]]; then
  exec "$bin/dustdbg" "$demo"
fi

echo "No display: recording the demo and summarising it." >&2
trace="$root/build/demo.dtrace"
"$bin/dustrun" record "$demo" -o "$trace" --seed 0 || true  # the demo deadlocks on purpose
"$bin/dustrun" inspect "$trace" --info
steps=$("$bin/dustrun" inspect "$trace" --info | awk '/^steps:/ {print $2}')
echo
echo "The state just before the last step (where the run failed):"
"$bin/dustrun" inspect "$trace" --at "$((steps - 1))"
