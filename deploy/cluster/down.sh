#!/usr/bin/env bash
# Stop everything up.sh started, by the pid files it left (never by process name), then
# check that no process carrying up.sh's marker is left; exit 1, naming them, if any is.
set -uo pipefail
source "$(dirname "$0")/env.sh"

wait_gone() {  # test command..., up to 30 s
  for _ in $(seq 300); do "$@" || return 0; sleep 0.1; done
  return 1
}

stop_pid() {  # name, pid file: TERM, wait up to 30 s, then KILL
  local name=$1 file=$2 pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    wait_gone kill -0 "$pid" 2>/dev/null || kill -KILL "$pid"
    echo "stopped $name (pid $pid)"
  fi
  rm -f "$file"
}

stop_group() {  # name, pid file of a process-group leader: the whole group, children included
  local name=$1 file=$2 pgid
  [ -s "$file" ] || return 0
  pgid=$(cat "$file")
  if pgrep -g "$pgid" >/dev/null; then
    kill -TERM -- "-$pgid" 2>/dev/null
    wait_gone pgrep -g "$pgid" >/dev/null || kill -KILL -- "-$pgid" 2>/dev/null
    echo "stopped $name and its child processes (process group $pgid)"
  fi
  rm -f "$file"
}

# Processes whose environment carries up.sh's marker for this cluster (whatever up.sh
# started, and their children, under any name), or whose command line names the cluster's
# folder (servers that rewrite their process title, which can hide the environment).
leftovers() {
  local proc pid
  for proc in /proc/[0-9]*; do
    pid=${proc#/proc/}
    [ "$pid" = $$ ] && continue
    grep -qzx "$STARTED_MARK=$DATAOPS_CLUSTER_DIR" "$proc/environ" 2>/dev/null \
      || grep -qzF -- "$DATAOPS_CLUSTER_DIR/" "$proc/cmdline" 2>/dev/null || continue
    # A zombie has exited already; only its parent's wait is pending.
    [ "$(awk '{print $3}' "$proc/stat" 2>/dev/null)" = Z ] || echo "$pid"
  done
}

# Daemon and webserver first, so no run starts (or loses its servers) while they stop.
stop_group daemon "$RUN_DIR/daemon.pid"
stop_group webserver "$RUN_DIR/webserver.pid"
for file in "$RUN_DIR"/worker*.pid; do
  [ -e "$file" ] && stop_pid "$(basename "$file" .pid)" "$file"
done
stop_pid redis "$RUN_DIR/redis.pid"
if [ -s "$PGDATA_DIR/postmaster.pid" ]; then
  pg_pid=$(head -1 "$PGDATA_DIR/postmaster.pid")
  as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null && echo "stopped PostgreSQL"
  # pg_ctl returns once the pid file is gone, a moment before the postmaster exits.
  wait_gone kill -0 "$pg_pid" 2>/dev/null
fi
wait_gone test -n "$(leftovers)"
left=$(leftovers | paste -sd, -)
if [ -n "$left" ]; then
  echo "still running after stopping the cluster (pids): $left" >&2
  ps -o pid,pgid,args -p "$left" >&2 2>/dev/null
  exit 1
fi
echo "no process of the cluster is left running"
exit 0
