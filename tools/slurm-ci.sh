#!/usr/bin/env bash
# slurm-ci.sh install|up|down|status [DIR]
#
# A throwaway single-node SLURM cluster on this machine, for CI and for testing the `slurm` profile:
# munged + MariaDB + slurmdbd + slurmctld + slurmd, started without systemd (run as root), with
# accounting through slurmdbd (so snakemake-executor-plugin-slurm polls with `sacct` and checks
# accounts as on a real cluster) and one fake GPU (`Gres=gpu:1`, `File=/dev/null`; jobs see
# CUDA_VISIBLE_DEVICES=0 but no device).  Partition `debug`, account `ci` (user root).
#
#   install   apt-get the Debian packages when a binary is missing (once per fresh machine)
#   up        (re)start the cluster; state, config and every daemon's log live in DIR
#   down      cancel jobs, stop the daemons whose PIDs `up` recorded in DIR/pids, unlink /etc/slurm
#   status    sinfo + squeue + the recorded daemons
#
# DIR defaults to /tmp/slurm-ci.  The node advertises $SLURM_CI_CPUS CPUs (16) and $SLURM_CI_MEM_MB MB
# (65536) whatever the hardware has, so that rules keep their real resource requests in CI.  A failed
# `up` stops what it started (logs stay); a later `up` first stops a cluster left in DIR.
# The facts this relies on (tested on Debian 12, Slurm 22.05):
# /etc/slurm/slurm.conf must be the real path (the slurm-jobstep executor drops $SLURM_CONF before
# `srun`); `DefMemPerCPU` keeps a job without --mem from taking the whole node; `File=/dev/null`
# keeps the node from going INVAL; `MinJobAge` keeps finished jobs visible to squeue.
set -euo pipefail

D=$(realpath -m "${2:-/tmp/slurm-ci}")
[ "$D" != / ] || { echo "DIR must not be /" >&2; exit 2; }
HOST=$(hostname -s)
CPUS=${SLURM_CI_CPUS:-16}        # what the fake node advertises (see write_confs)
MEM_MB=${SLURM_CI_MEM_MB:-65536}
[[ $CPUS =~ ^[1-9][0-9]*$ && $MEM_MB =~ ^[1-9][0-9]*$ ]] || { echo "SLURM_CI_CPUS/SLURM_CI_MEM_MB must be positive integers" >&2; exit 2; }
CONFS="slurm.conf gres.conf slurmdbd.conf"
SOCK=/run/mysqld/mysqld.sock
MARK="written by tools/slurm-ci.sh"
PKGS="slurmctld slurmd slurm-client munge slurmdbd mariadb-server"
BINS="slurmctld slurmd sbatch sacct sacctmgr munged slurmdbd mariadbd mariadb-install-db mariadb-admin"

log() { printf '[slurm-ci] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# wait_for SECONDS CMD...: retry CMD (each try limited to 5 s) every 0.2 s until it succeeds
wait_for() {
  local end=$((SECONDS + $1)); shift
  until timeout 5 "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$end" ] || return 1
    sleep 0.2
  done
}
wait_for_dead() { local end=$((SECONDS + $1)); while alive "$2"; do [ "$SECONDS" -lt "$end" ] || return 1; sleep 0.2; done; }
# start NAME CMD...: run a daemon in the foreground of a background job, log to DIR/NAME.out
start() {
  local n=$1; shift
  "$@" > "$D/$n.out" 2>&1 &
  echo "$n $!" >> "$D/pids"
}
alive() {  # a process that exists and is no zombie (a killed daemon may wait a while to be reaped)
  local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }; [ "${s%% *}" != Z ]
}
check_alive() {  # every recorded daemon must still run
  local n p
  while read -r n p; do
    alive "$p" || die "$n (pid $p) died; see $D/$n.out and $D/*.log"
  done < "$D/pids"
}

need_root() { [ "$(id -u)" = 0 ] || die "run as root (daemons, /etc/slurm and /run/munge need it)"; }

install() {
  need_root
  local missing="" b
  for b in $BINS; do command -v "$b" >/dev/null || missing="$missing $b"; done
  if [ -n "$missing" ]; then
    log "installing $PKGS (missing:$missing)"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $PKGS
  fi
  [ -s /etc/munge/munge.key ] || {
    log "creating /etc/munge/munge.key"
    dd if=/dev/urandom of=/etc/munge/munge.key bs=128 count=1 status=none
    chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key
  }
}

write_confs() {
  # The node advertises CPUS x MEM_MB (config_overrides: not the hardware's), so the rules' real requests
  # (e.g. cpus_per_task=8, mem_mb=32000) are schedulable in CI; nothing enforces them (no cgroups).
  local node="NodeName=$HOST CPUs=$CPUS Boards=1 SocketsPerBoard=1 CoresPerSocket=$CPUS ThreadsPerCore=1 RealMemory=$MEM_MB"
  cat > "$D/slurm.conf" <<EOF
# $MARK: single-node CI cluster, removed by 'down'
ClusterName=ci
SlurmctldHost=$HOST
SlurmUser=root
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
SlurmdParameters=config_overrides
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStorageTRES=gres/gpu
AccountingStorageEnforce=associations
AccountingStoreFlags=job_comment
JobAcctGatherType=jobacct_gather/none
MinJobAge=300
DefMemPerCPU=1000
GresTypes=gpu
$node Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  printf '# %s\nNodeName=%s Name=gpu File=/dev/null\n' "$MARK" "$HOST" > "$D/gres.conf"
  printf '%s\n' "# $MARK" AuthType=auth/munge DbdHost=localhost SlurmUser=root StorageUser=root \
    StorageType=accounting_storage/mysql StorageLoc=slurm_acct_db \
    "PidFile=$D/slurmdbd.pid" "LogFile=$D/slurmdbd.log" > "$D/slurmdbd.conf"
  chmod 600 "$D/slurmdbd.conf"
}

link_confs() {  # the default path is required (see header); never overwrite a real site config
  local f t
  mkdir -p /etc/slurm
  for f in $CONFS; do
    t=/etc/slurm/$f
    if [ -e "$t" ] && ! { [ -L "$t" ] && grep -qs "$MARK" "$t"; }; then
      die "$t exists and was not made by this script; refusing to replace a site config"
    fi
    ln -sfn "$D/$f" "$t"   # a dangling link (left by a killed run) is replaced too
  done
}

unlink_confs() {
  local f
  for f in $CONFS; do
    [ "$(readlink "/etc/slurm/$f" 2>/dev/null)" != "$D/$f" ] || rm -f "/etc/slurm/$f"
  done
}

start_munge() {
  if timeout 5 munge -n >/dev/null 2>&1; then
    log "munged already running; using it"
    return
  fi
  mkdir -p /run/munge && chown munge:munge /run/munge
  start munged setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged --foreground
  wait_for 20 munge -n || die "munged does not answer; see $D/munged.out"
}

start_db() {
  [ ! -S "$SOCK" ] || ! timeout 5 mariadb-admin --socket="$SOCK" ping >/dev/null 2>&1 ||
    die "a MariaDB not started by this script already listens on $SOCK; stop it or use its DIR"
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
  mkdir -p "$D/mysql"
  mariadb-install-db --no-defaults --datadir="$D/mysql" --user=mysql \
    --auth-root-authentication-method=socket --skip-test-db > "$D/install-db.out" 2>&1 ||
    die "mariadb-install-db failed; see $D/install-db.out"
  start mariadbd /usr/sbin/mariadbd --no-defaults --datadir="$D/mysql" --user=mysql \
    --socket="$SOCK" --skip-networking --innodb-buffer-pool-size=64M \
    --pid-file="$D/mysql/mariadbd.pid" --log-error="$D/mariadbd.log"
  wait_for 30 mariadb-admin --socket="$SOCK" ping || die "MariaDB does not start; see $D/mariadbd.log"
  start slurmdbd /usr/sbin/slurmdbd -D
  wait_for 30 sacctmgr -n show cluster || die "slurmdbd does not answer; see $D/slurmdbd.log"
  local a
  for a in "cluster ci" "account ci Description=ci Organization=ci" "user root Account=ci DefaultAccount=ci"; do
    timeout 20 sacctmgr -i add $a > /dev/null || die "sacctmgr add $a failed"
  done
}

up() {
  need_root
  local b
  for b in $BINS; do command -v "$b" >/dev/null || die "$b missing; run: $0 install"; done
  [ ! -f "$D/pids" ] || { log "stopping the cluster left in $D"; down; }
  for b in slurmctld slurmd slurmdbd; do
    ! pgrep -x -r D,R,S,T "$b" >/dev/null || die "a $b not started from $D runs (pid $(pgrep -x -r D,R,S,T "$b" | tr '\n' ' ')); stop it first"
  done
  rm -rf "$D/state" "$D/spool" "$D/mysql" "$D"/*.log "$D"/*.out
  mkdir -p "$D/state" "$D/spool"; : > "$D/pids"
  trap 'rc=$?; [ $rc = 0 ] || { log "up failed: stopping what it started (logs stay in $D)"; down; }' EXIT
  write_confs
  link_confs
  start_munge
  start_db
  start slurmctld /usr/sbin/slurmctld -D -i
  start slurmd /usr/sbin/slurmd -D
  wait_for 30 sh -c '[ "$(sinfo -h -N -o %T)" = idle ]' || {
    sinfo -N -l >&2 || true; check_alive; die "node not idle after 30 s; see $D/slurmctld.log $D/slurmd.log"; }
  check_alive
  trap - EXIT
  sinfo -N -o '%N %T %c %m %G'
  log "up: logs in $D"
}

down() {
  [ -f "$D/pids" ] || { unlink_confs; log "nothing recorded in $D/pids"; return 0; }
  local ctld
  ctld=$(awk '$1 == "slurmctld" {print $2}' "$D/pids")
  if [ -n "$ctld" ] && alive "$ctld"; then   # a dead slurmctld would make scancel/squeue retry for long
    timeout 10 scancel --user="$(id -un)" 2>/dev/null || true
    wait_for 15 sh -c '[ -z "$(squeue -h -t R,CG)" ]' || true
  fi
  local group n p pids
  # stop in reverse dependency order: compute daemons, then accounting, then database, then munge
  for group in "slurmd slurmctld" slurmdbd mariadbd munged; do
    pids=""
    while read -r n p; do [[ " $group " == *" $n "* ]] && alive "$p" && pids="$pids $p"; done < "$D/pids"
    [ -n "$pids" ] || continue
    kill -TERM $pids 2>/dev/null || true
    for p in $pids; do
      wait_for_dead 15 "$p" || { log "pid $p ignores SIGTERM; killing"; kill -KILL "$p" 2>/dev/null || true; }
    done
  done
  rm -rf "$D/pids" "$D/mysql"   # the database (~180 MB) is rebuilt by every 'up'; logs stay
  unlink_confs
  log "down"
}

status() {
  [ -f "$D/pids" ] || { echo "no cluster recorded in $D"; return 0; }
  local n p
  while read -r n p; do printf '%-10s %-8s %s\n' "$n" "$p" "$(alive "$p" && echo running || echo DEAD)"; done < "$D/pids"
  timeout 10 sinfo -N -o '%N %T %c %m %G' || true
  timeout 10 squeue -t all || true
}

case ${1:-} in
  install) install ;;
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 install|up|down|status [DIR]   (DIR defaults to /tmp/slurm-ci)" >&2; exit 2 ;;
esac
