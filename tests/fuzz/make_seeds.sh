#!/usr/bin/env bash
# Regenerates the fuzzing seeds from the example programs: each DIR as is
# (tests/fuzz/corpus/dir/) and a recording of each, with a keyframe every
# 16 steps so even short runs have many chunks (tests/fuzz/corpus/trace/).
# Run after a trace format change.
#   tests/fuzz/make_seeds.sh [path/to/dustrun]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dustrun=$(realpath "${1:-"$root/build/bin/dustrun"}")
mkdir -p "$here/corpus/dir" "$here/corpus/trace"
rm -f "$here/corpus/dir/"* "$here/corpus/trace/"*
cd "$root/assets/examples"
for program in *.dir.json; do
  name=$(basename "$program" .dir.json)
  cp "$program" "$here/corpus/dir/$name.dir.json"
  # Some examples fail on purpose (exit 10); any recorded run is a seed.
  "$dustrun" record "$program" -o "$here/corpus/trace/$name.dtrace" --seed 1 --keyframe-every 16 \
    --no-progress >/dev/null 2>&1 || [[ $? -eq 10 ]]
done
echo "make_seeds.sh: $(ls "$here/corpus/dir" | wc -l) DIR and $(ls "$here/corpus/trace" | wc -l) trace seeds"
