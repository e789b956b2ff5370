#!/usr/bin/env bash
# A one-machine Slurm cluster for testing the regression runner's --slurm mode (Debian's
# slurm-wlm and munge), on loopback addresses only, with every file under one private directory.
# Not for production: no accounting, no cgroups, one partition `hycim` holding this machine.
#
#   scripts/slurm_local.sh start     install (apt, if missing and root) and start munged,
#                                    slurmctld and slurmd; wait until the node is idle
#   scripts/slurm_local.sh stop      cancel jobs, wait for the queue to empty, stop the daemons
#   scripts/slurm_local.sh status    sinfo and squeue
#   scripts/slurm_local.sh env       print the export line for SLURM_CONF
#
# Directory: $HYCIM_SLURM_DIR (default /tmp/hycim-slurm). Clients need SLURM_CONF pointing at its
# slurm.conf: eval "$(scripts/slurm_local.sh env)". Must run as root (the daemons switch users).
set -euo pipefail
dir=${HYCIM_SLURM_DIR:-/tmp/hycim-slurm}
conf=$dir/etc/slurm.conf
cmd=${1:-}

die() { echo "slurm_local.sh: $*" >&2; exit 1; }
pid_alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

install() {
  local missing=()
  for p in slurm-wlm munge; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  [[ $(id -u) -eq 0 ]] || die "missing ${missing[*]}; run as root: apt-get install -y --no-install-recommends ${missing[*]}"
  echo "slurm_local.sh: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

write_conf() {
  local cpus
  cpus=$(nproc)
  mkdir -p "$dir"/{etc,munge,log,spool/ctld,spool/d,run}
  cat >"$conf" <<EOF
# Written by scripts/slurm_local.sh: one node on loopback, everything under $dir.
ClusterName=hycim
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
StateSaveLocation=$dir/spool/ctld
SlurmdSpoolDir=$dir/spool/d
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
MailProg=/bin/true
ReturnToService=2
MpiDefault=none
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=hycim Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
  [[ $(id -u) -eq 0 ]] || die "start must run as root (slurmd and munged switch users)"
  install
  if pid_alive "$dir/run/slurmctld.pid"; then
    echo "slurm_local.sh: already running (stop first)"
    return 0
  fi
  write_conf
  # munge: its own key, socket, log and pid under $dir, run as user munge.
  chown munge:munge "$dir/munge"
  chmod 755 "$dir/munge"
  if [[ ! -f $dir/munge/munge.key ]]; then
    dd if=/dev/urandom bs=1 count=1024 of="$dir/munge/munge.key" status=none
  fi
  chown munge:munge "$dir/munge/munge.key"
  chmod 600 "$dir/munge/munge.key"
  runuser -u munge -- munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --log-file="$dir/munge/munged.log" --pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/munged.seed"
  export SLURM_CONF=$conf
  slurmctld -f "$conf"
  slurmd -f "$conf"
  local i
  for i in $(seq 1 60); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then
      echo "slurm_local.sh: up (partition hycim, $(nproc) CPUs); export SLURM_CONF=$conf"
      return 0
    fi
    sleep 0.5
  done
  echo "slurm_local.sh: the node did not become idle in 30 s; the end of the logs:" >&2
  tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
  stop
  exit 1
}

stop() {
  export SLURM_CONF=$conf
  if pid_alive "$dir/run/slurmctld.pid"; then
    scancel --partition hycim 2>/dev/null || true
    local i
    for i in $(seq 1 60); do
      [[ -z $(squeue -h 2>/dev/null) ]] && break
      sleep 0.5
    done
  fi
  local f
  for f in "$dir/run/slurmd.pid" "$dir/run/slurmctld.pid" "$dir/munge/munged.pid"; do
    if pid_alive "$f"; then
      kill "$(cat "$f")"
      for i in $(seq 1 40); do
        pid_alive "$f" || break
        sleep 0.25
      done
    fi
  done
  pkill -f "slurmstepd.*$dir" 2>/dev/null || true
  echo "slurm_local.sh: stopped"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) export SLURM_CONF=$conf; sinfo; squeue ;;
  env) echo "export SLURM_CONF=$conf" ;;
  -h|--help|"") sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; [[ -n $cmd ]] ;;
  *) die "unknown command '$cmd' (start, stop, status, env)" ;;
esac
