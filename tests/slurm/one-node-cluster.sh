#!/usr/bin/env bash
# The Slurm test: a real one-node Slurm cluster on this machine runs
# deploy/slurm/sweep.sbatch as an array job, and the shards it writes, merged,
# must equal the same sweep made here in one go, byte for byte.
#
#   tests/slurm/one-node-cluster.sh [PROCSIM]      (default: target/release/procsim)
#
# It starts munged, slurmctld and slurmd (Debian's `munge` and `slurm-wlm`),
# configured in a temporary folder, on ports that are free, as root;
# submits the array with `sbatch --wait`; merges; compares; and stops the
# daemons it started, by their pids, however it ends. Where it cannot run —
# the packages are not installed, it is not root — it prints one line
# starting `slurm test skipped:` and exits 0.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
procsim=$(realpath "${1:-$repo/target/release/procsim}")

skip() {
    echo "slurm test skipped: $*"
    exit 0
}
for command in munged mungekey slurmctld slurmd sbatch sinfo; do
    command -v "$command" >/dev/null || skip "$command is not installed (apt-get install slurm-wlm munge)"
done
[ "$(id -u)" -eq 0 ] || skip "slurmd must run as root"
[ -x "$procsim" ] || { echo "slurm test: no procsim at $procsim (cargo build --release)" >&2; exit 2; }

work=$(mktemp -d)
pids=()
stop() {
    local status=$?
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "$status" -ne 0 ]; then
        for log in "$work"/*.log "$work"/job-*.out; do
            [ -f "$log" ] && { echo "--- $log"; tail -n 20 "$log"; }
        done
    fi
    rm -rf "$work"
}
trap stop EXIT

# A port no one listens on: one the kernel hands out, then lets go.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

mkdir -p "$work/state" "$work/spool"
mungekey --create --keyfile "$work/munge.key" >/dev/null
chmod 0400 "$work/munge.key"
munged --foreground --force --key-file "$work/munge.key" --socket "$work/munge.socket" \
    --pid-file "$work/munged.pid" --log-file "$work/munged.log" --seed-file "$work/munged.seed" \
    >>"$work/munged.out.log" 2>&1 &
pids+=($!)

host=$(hostname -s)
cat >"$work/slurm.conf" <<EOF
ClusterName=procsim-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge.socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$work/slurm.conf

for _ in $(seq 50); do [ -S "$work/munge.socket" ] && break; sleep 0.1; done
slurmctld -D -f "$SLURM_CONF" >>"$work/slurmctld.out.log" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" >>"$work/slurmd.out.log" 2>&1 &
pids+=($!)
state=
for _ in $(seq 120); do
    state=$(sinfo -h -N -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.5
done
[ "$state" = idle ] || { echo "slurm test: the node did not come up (state: ${state:-none})" >&2; exit 1; }
echo "slurm: a one-node cluster is up ($(slurmctld -V), node $host, $(nproc) CPUs)"

# A small sweep: 2 points x 4 seeds, in 3 shards.
cat >"$work/tiny.toml" <<'EOF'
seed = 1
duration = "20s"
tick = "100ms"

[shells]
initial = 20
suspend = 0.5

[sweep]
shells.hangup = [0.1, 0.9]
EOF
started=$(date +%s)
(
    cd "$repo"
    PROCSIM=$procsim SCENARIO=$work/tiny.toml SEEDS=1..4 OUT=$work/shards \
        sbatch --wait --array=0-2 --cpus-per-task=1 --output="$work/job-%a.out" deploy/slurm/sweep.sbatch
)
echo "slurm: the array job ended after $(($(date +%s) - started)) s"
for task in 0 1 2; do
    grep -q "shard $task/3" "$work/job-$task.out" || { echo "slurm test: task $task made no shard" >&2; exit 1; }
done

"$procsim" merge --out "$work/merged" "$work"/shards/shard-* >/dev/null
"$procsim" sweep "$work/tiny.toml" --seeds 1..4 --out "$work/local" >/dev/null
for table in sweep.csv points.csv runs.csv metrics.csv summary.csv; do
    cmp "$work/merged/$table" "$work/local/$table"
done
echo "slurm test passed: 3 array tasks, merged, equal the local sweep byte for byte ($(($(wc -l <"$work/local/runs.csv") - 1)) runs)"
