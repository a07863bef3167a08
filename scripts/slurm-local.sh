#!/usr/bin/env bash
# A one-node Slurm on this machine, for the tests of `augbench slurm` and for trying a cluster run locally.
# Installs Debian's slurmctld, slurmd, slurm-client and munge when missing, writes /etc/slurm/slurm.conf for this
# machine (its CPUs and memory as `slurmd -C` reports them), starts munged, slurmctld and slurmd without systemd,
# and waits until `sinfo` shows the node idle. Needs root (or sudo).
#   bash scripts/slurm-local.sh          install, configure, start (does nothing more when already running)
#   bash scripts/slurm-local.sh --stop   stop the three daemons
# It never overwrites a slurm.conf it did not write: on a machine with its own Slurm, use that one.
set -euo pipefail
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
conf=/etc/slurm/slurm.conf
marker="# Written by AugBench's scripts/slurm-local.sh"

stop() {
  for daemon in slurmd slurmctld munged; do
    $sudo pkill -x "$daemon" 2>/dev/null || true
  done
  for _ in $(seq 1 50); do
    pgrep -x slurmd >/dev/null || pgrep -x slurmctld >/dev/null || pgrep -x munged >/dev/null || return 0
    sleep 0.2
  done
  echo "Error: the Slurm daemons did not stop" >&2
  return 1
}

if [ "${1:-}" = "--stop" ]; then
  stop
  echo "local Slurm stopped"
  exit 0
fi

packages=(slurmctld slurmd slurm-client munge)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -f "$conf" ] && ! grep -q "^$marker" "$conf"; then
  echo "Error: $conf exists and was not written by this script: this machine has its own Slurm; use it" >&2
  exit 1
fi

host=$(hostname -s)
# slurmd -C prints this node's hardware as a slurm.conf line (NodeName=... CPUs=... RealMemory=...).
node=$(slurmd -C | head -1 | sed "s/^NodeName=[^ ]*/NodeName=$host/")
$sudo mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
$sudo tee "$conf" >/dev/null <<EOF
$marker: a one-node cluster for tests.
ClusterName=augbench-local
SlurmctldHost=$host
AuthType=auth/munge
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
MpiDefault=none
$node State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

# Each daemon starts with only stdin, stdout and stderr open (to /dev/null): a descriptor inherited from the caller
# (a test runner watches its child through one) would otherwise stay open in the daemon and the caller would wait
# for it forever.
start() {
  (
    for fd in /proc/$BASHPID/fd/*; do
      n=${fd##*/}
      [ "$n" -gt 2 ] && eval "exec $n>&-" 2>/dev/null || true
    done
    exec "$@" </dev/null >/dev/null 2>&1
  )
}
if ! pgrep -x munged >/dev/null; then
  $sudo chown munge:munge /run/munge
  start $sudo runuser -u munge -- /usr/sbin/munged
fi
pgrep -x slurmctld >/dev/null || start $sudo slurmctld
pgrep -x slurmd >/dev/null || start $sudo slurmd

for _ in $(seq 1 120); do
  state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
  case "$state" in
    idle*|mixed*|allocated*) echo "local Slurm up: node $host $state ($(echo "$node" | grep -o 'CPUs=[0-9]*'))"; exit 0 ;;
    down*|drain*) $sudo scontrol update nodename="$host" state=resume 2>/dev/null || true ;;
  esac
  sleep 0.5
done
echo "Error: the local Slurm node did not become idle within 60 s (logs: /var/log/slurm/)" >&2
exit 1
