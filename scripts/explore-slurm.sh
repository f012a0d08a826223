#!/usr/bin/env bash
# explore-slurm.sh — runs `dustrun explore --exhaustive` as N shards of one
# Slurm job array and merges them into what a single run prints.
#
#   scripts/explore-slurm.sh [-n N] [-o DIR] [--dustrun PATH] PROGRAM [explore options...]
#
# Task I of `sbatch --array=0-(N-1)` runs `explore --exhaustive --shard I/N
# --json` (I from SLURM_ARRAY_TASK_ID) into DIR/shard-I.json; once every
# task is done (`sbatch --wait`), `dustrun explore-merge` prints the merged
# JSON on stdout. DIR (default: a new temporary directory) must be visible
# to every node. Slurm is found the usual way (SLURM_CONF, sbatch on PATH).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
shards=4
out=""
dustrun="$here/../build/bin/dustrun"
usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    -n) shards=${2:?}; shift 2 ;;
    -o) out=${2:?}; shift 2 ;;
    --dustrun) dustrun=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) break ;;
  esac
done
[[ $# -ge 1 ]] || usage
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || { echo "explore-slurm: -n needs a positive number, got '$shards'" >&2; exit 2; }
program=$(realpath "$1"); shift
dustrun=$(realpath "$dustrun")
[[ -x "$dustrun" ]] || { echo "explore-slurm: no dustrun at $dustrun (build first, or pass --dustrun)" >&2; exit 2; }
command -v sbatch >/dev/null || { echo "explore-slurm: sbatch not found (install slurm-wlm)" >&2; exit 2; }
[[ -n "$out" ]] || out=$(mktemp -d "${TMPDIR:-/tmp}/dust-explore-XXXXXX")
mkdir -p "$out"
out=$(realpath "$out")

# The task script: one shard, its JSON into the shared directory.
{
  echo '#!/usr/bin/env bash'
  echo 'set -euo pipefail'
  printf 'exec %q explore --exhaustive --json --shard "${SLURM_ARRAY_TASK_ID}/%d"' "$dustrun" "$shards"
  for a in "$@"; do printf ' %q' "$a"; done
  printf ' %q > %q/shard-"${SLURM_ARRAY_TASK_ID}".json\n' "$program" "$out"
} > "$out/task.sh"
chmod +x "$out/task.sh"

sbatch --wait --quiet --job-name=dust-explore --array="0-$((shards - 1))" \
  --output="$out/task-%a.log" --chdir="$out" "$out/task.sh" >&2

files=()
for ((i = 0; i < shards; i++)); do files+=("$out/shard-$i.json"); done
exec "$dustrun" explore-merge "${files[@]}"
