#!/usr/bin/env bash
# Stop everything up.sh started, by the pid files it left (never by process name).
set -uo pipefail
source "$(dirname "$0")/env.sh"

stop_pid() {  # name, pid file: TERM, wait up to 30 s, then KILL
  local name=$1 file=$2 pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "stopped $name (pid $pid)"
  fi
  rm -f "$file"
}

for file in "$RUN_DIR"/worker*.pid; do
  [ -e "$file" ] && stop_pid "$(basename "$file" .pid)" "$file"
done
stop_pid redis "$RUN_DIR/redis.pid"
if [ -s "$PGDATA_DIR/postmaster.pid" ]; then
  pg_pid=$(head -1 "$PGDATA_DIR/postmaster.pid")
  as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null && echo "stopped PostgreSQL"
  # pg_ctl returns once the pid file is gone, a moment before the postmaster exits.
  for _ in $(seq 100); do kill -0 "$pg_pid" 2>/dev/null || break; sleep 0.1; done
fi
exit 0
