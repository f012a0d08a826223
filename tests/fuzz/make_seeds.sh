#!/usr/bin/env bash
# Regenerates the fuzzing seeds (run after a trace format change):
#   tests/fuzz/corpus/dir/    every DIR program of assets/ and traces/v3/, as is
#   tests/fuzz/corpus/trace/  a steps recording (format 3) of each example with a
#                             keyframe every 16 steps, so even short runs have many
#                             blocks to seek into; the threaded ones at two more
#                             seeds (other interleavings, thread forecasts and
#                             switch shortcuts); a checkpoint recording (format 4)
#                             of each example, whose steps the reader re-derives;
#                             and the committed v3 and v4 traces (recorded with
#                             the default keyframe interval). Recordings over
#                             64 KiB, the fuzzer's input limit, are left out.
#   tests/fuzz/corpus/dap/    written by hand, not regenerated: DAP sessions.
#   tests/fuzz/make_seeds.sh [path/to/dustrun]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dustrun=$(realpath "${1:-"$root/build/bin/dustrun"}")
mkdir -p "$here/corpus/dir" "$here/corpus/trace"
rm -f "$here/corpus/dir/"* "$here/corpus/trace/"*

for program in "$root"/assets/*/*.dir.json "$root"/traces/v3/*.dir.json; do
  folder=$(basename "$(dirname "$program")")
  cp "$program" "$here/corpus/dir/$folder-$(basename "$program")"
done

record() {  # record PROGRAM NAME SEED [FLAGS...]
  local out="$here/corpus/trace/$2.dtrace"
  # Some examples fail on purpose (exit 10); any recorded run is a seed.
  "$dustrun" record "$1" -o "$out" --seed "$3" --keyframe-every 16 --max-steps 200000 \
    --no-progress "${@:4}" >/dev/null 2>&1 || [[ $? -eq 10 ]]
  if (($(stat -c %s "$out") > 65536)); then rm "$out"; fi
}
cd "$root/assets/examples"
for program in *.dir.json; do
  name=$(basename "$program" .dir.json)
  record "$program" "$name" 1 --every-step
  record "$program" "$name-checkpoints" 7 --checkpoints
  if grep -q 'spawn(' "$program"; then
    record "$program" "$name-seed7" 7 --every-step
    record "$program" "$name-seed42" 42 --every-step
  fi
done
for version in v3 v4; do
  for trace in "$root/traces/$version"/*.dtrace; do
    if (($(stat -c %s "$trace") <= 65536)); then cp "$trace" "$here/corpus/trace/$version-$(basename "$trace")"; fi
  done
done
echo "make_seeds.sh: $(ls "$here/corpus/dir" | wc -l) DIR and $(ls "$here/corpus/trace" | wc -l) trace seeds"
