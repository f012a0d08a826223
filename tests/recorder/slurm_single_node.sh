#!/usr/bin/env bash
# slurm_single_node.sh — brings up a one-node Slurm on this machine, runs
# scripts/explore-slurm.sh on a program, checks that the merged shards are
# byte for byte what one `dustrun explore --exhaustive --json` prints, and
# brings everything down again.
#
#   slurm_single_node.sh DUSTRUN PROGRAM SHARDS
#
# Needs root and Debian's slurm-wlm and munge; no systemd. munged runs as
# the munge user with the key in /etc/munge (made if missing); slurmctld
# and slurmd run as root with a slurm.conf in a temporary directory
# (SLURM_CONF), proctrack/linuxproc, task/none, select/cons_tres, and are
# stopped by their pid files. When the machine cannot host them the script
# says why on a line starting "SKIP:" and exits 77.
set -uo pipefail

dustrun=$(realpath "$1"); program=$(realpath "$2"); shards=$3
repo=$(cd "$(dirname "$0")/../.." && pwd)
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; for f in "$tmp"/*.log; do echo "--- $f"; tail -n 20 "$f"; done; exit 1; }

[[ $(id -u) -eq 0 ]] || skip "not root: a test Slurm needs root to start slurmd"
for tool in munged slurmctld slurmd sbatch sinfo; do
  command -v "$tool" >/dev/null || skip "$tool not installed (apt-get install slurm-wlm munge)"
done
id munge >/dev/null 2>&1 || skip "no munge user (the munge package makes it)"

tmp=$(mktemp -d /tmp/dust-slurm-XXXXXX)
chmod 755 "$tmp"
stop() {
  for name in slurmd slurmctld munged; do
    [[ -s "$tmp/$name.pid" ]] || continue
    pid=$(cat "$tmp/$name.pid")
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { echo "stopping $name ($pid) took too long; killing it"; kill -9 "$pid"; }
  done
  rm -rf "$tmp"
}
trap stop EXIT

# munge: a key in /etc/munge, the daemon as the munge user, its socket here.
if [[ ! -s /etc/munge/munge.key ]]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key
fi
mkdir -p "$tmp/munge"; chown munge:munge "$tmp/munge"
touch "$tmp/munged.pid" "$tmp/munged.log"; chown munge:munge "$tmp/munged.pid" "$tmp/munged.log"
runuser -u munge -- munged --socket="$tmp/munge/munge.sock" --pid-file="$tmp/munged.pid" \
  --log-file="$tmp/munged.log" --seed-file="$tmp/munge/seed" || skip "munged would not start: $(tail -n 3 "$tmp/munged.log")"

host=$(hostname -s)
port=$((20000 + RANDOM % 20000))
mkdir -p "$tmp/state" "$tmp/spool"
cat > "$tmp/slurm.conf" <<CONF
ClusterName=dusttest
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.sock
CredType=cred/munge
SlurmUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=dust Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$tmp/slurm.conf"
started=$(date +%s)
slurmctld || skip "slurmctld would not start: $(tail -n 3 "$tmp/slurmctld.log" 2>/dev/null)"
slurmd || skip "slurmd would not start: $(tail -n 3 "$tmp/slurmd.log" 2>/dev/null)"
for _ in $(seq 100); do
  state=$(sinfo -h -N -o %T 2>/dev/null | head -n 1)
  [[ "$state" == idle* || "$state" == mixed* ]] && break
  sleep 0.2
done
[[ "$state" == idle* || "$state" == mixed* ]] || skip "the node never became idle (state '$state'): $(tail -n 3 "$tmp/slurmd.log")"
echo "slurm up in $(( $(date +%s) - started )) s: node $host, $(nproc) CPUs"

merged=$(timeout 120 "$repo/scripts/explore-slurm.sh" -n "$shards" -o "$tmp/out" --dustrun "$dustrun" "$program") ||
  fail "explore-slurm.sh failed"
single=$("$dustrun" explore --exhaustive --json "$program") || fail "the single run failed"
[[ "$merged" == "$single" ]] || fail "merged shards differ from one run:
$merged
$single"
echo "merged $shards Slurm array tasks = one run: ${single:0:120}..."
echo "slurm up and down in $(( $(date +%s) - started )) s"
