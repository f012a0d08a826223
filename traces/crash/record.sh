#!/usr/bin/env bash
# Re-records every crash trace in this folder from the DIR program beside
# it: traces/crash/<name>.dir.json -> traces/crash/<name>.dtrace.
# Run after a trace format change (the crash-trace test says when).
#   traces/crash/record.sh [path/to/dustrun]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dustrun=$(realpath "${1:-"$here/../../build/bin/dustrun"}")
# Record from inside the folder, so each trace names its program relatively.
cd "$here"
for program in *.dir.json; do
  name=$(basename "$program" .dir.json)
  # Every program here fails on purpose: dustrun exits 10 for a failed run.
  status=0
  "$dustrun" record "$program" -o "$name.dtrace" --seed 0 --every-step --no-progress >/dev/null 2>&1 || status=$?
  if [[ $status -ne 10 ]]; then
    echo "record.sh: $name: expected a failed run (exit 10), got exit $status" >&2
    exit 1
  fi
  echo "recorded $name.dtrace"
done
