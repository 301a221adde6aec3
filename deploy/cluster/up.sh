#!/usr/bin/env bash
# Start the local cluster profile: a throwaway PostgreSQL cluster under the data directory,
# Redis on a loopback port, DATAOPS_CLUSTER_WORKERS Celery workers (one process each), the
# Dagster daemon (launches queued runs, runs sensors) and the webserver (loopback only).
# Every process started leaves a pid file under $DATAOPS_CLUSTER_DIR/run; down.sh stops them.
# If any step fails, whatever this script already started is stopped again (trap).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/env.sh"

if [ -z "${DATAOPS_PG_PASSWORD:-}" ]; then
  echo "DATAOPS_PG_PASSWORD is not set: the cluster's PostgreSQL needs a password" >&2
  exit 2
fi
# down.sh must not count this script (or itself) among the processes it started.
trap 'echo "cluster start failed; stopping what was started" >&2
      env -u "$STARTED_MARK" "$HERE/down.sh"' ERR
# Every process started from here on carries this marker in its environment, and so do their
# children (code servers, run workers): down.sh finds any left over by it, whatever its name.
export "$STARTED_MARK=$DATAOPS_CLUSTER_DIR"

mkdir -p "$DATAOPS_CLUSTER_DIR" "$RUN_DIR" "$LOG_DIR" "$DATAOPS_CLUSTER_HOME"
cp "$HERE/dagster.yaml" "$HERE/workspace.yaml" "$DATAOPS_CLUSTER_HOME/"

# PostgreSQL: initdb once, then start on loopback and a private socket folder.
if [ ! -s "$PGDATA_DIR/PG_VERSION" ]; then
  mkdir -p "$PGDATA_DIR" "$PG_SOCKET_DIR"
  [ "$(id -u)" != 0 ] || chown postgres: "$PGDATA_DIR" "$PG_SOCKET_DIR"
  chmod 700 "$PGDATA_DIR"
  as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" -U "$DATAOPS_PG_USER" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$LOG_DIR/initdb.log"
  set_password=1
fi
if ! as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
  touch "$LOG_DIR/postgres.log"
  [ "$(id -u)" != 0 ] || chown postgres: "$LOG_DIR/postgres.log"
  as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$LOG_DIR/postgres.log" -w -t 60 start \
    -o "-p $DATAOPS_PG_PORT -k $PG_SOCKET_DIR -c listen_addresses=$DATAOPS_PG_HOST" >/dev/null
fi
if ! as_pg psql -h "$PG_SOCKET_DIR" -p "$DATAOPS_PG_PORT" -U "$DATAOPS_PG_USER" -d postgres \
     -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATAOPS_PG_DB'" | grep -q 1; then
  as_pg "$PG_BIN/createdb" -h "$PG_SOCKET_DIR" -p "$DATAOPS_PG_PORT" -U "$DATAOPS_PG_USER" \
    "$DATAOPS_PG_DB"
fi
if [ -n "${set_password:-}" ]; then
  # The password travels on standard input, never on a command line or in a file.
  printf "ALTER ROLE \"%s\" PASSWORD '%s';\n" "$DATAOPS_PG_USER" \
    "${DATAOPS_PG_PASSWORD//\'/\'\'}" | as_pg psql -q -h "$PG_SOCKET_DIR" \
    -p "$DATAOPS_PG_PORT" -U "$DATAOPS_PG_USER" -d postgres -v ON_ERROR_STOP=1 >/dev/null
fi
echo "PostgreSQL on $DATAOPS_PG_HOST:$DATAOPS_PG_PORT (data: $PGDATA_DIR)"

# Redis: loopback only, no persistence (the broker holds only in-flight step tasks).
if [ ! -s "$RUN_DIR/redis.pid" ] || ! kill -0 "$(cat "$RUN_DIR/redis.pid")" 2>/dev/null; then
  mkdir -p "$DATAOPS_CLUSTER_DIR/redis"
  redis-server --port "$DATAOPS_REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
    --pidfile "$RUN_DIR/redis.pid" --logfile "$LOG_DIR/redis.log" \
    --dir "$DATAOPS_CLUSTER_DIR/redis" --save '' --appendonly no
  for _ in $(seq 50); do [ -s "$RUN_DIR/redis.pid" ] && break; sleep 0.1; done
fi
redis-cli -p "$DATAOPS_REDIS_PORT" ping >/dev/null
echo "Redis on 127.0.0.1:$DATAOPS_REDIS_PORT"

# Celery workers: one process each (--concurrency=1), so N workers run N steps at once.
# dagster_celery_config (this folder, on PYTHONPATH) reads the broker from the environment.
export DAGSTER_HOME="$DATAOPS_CLUSTER_HOME"
export PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}"
for i in $(seq "$DATAOPS_CLUSTER_WORKERS"); do
  pidfile="$RUN_DIR/worker$i.pid"
  if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then continue; fi
  "$VENV_BIN/celery" -A dagster_celery.app worker --concurrency=1 --prefetch-multiplier=1 \
    -n "dataops-worker$i@%h" --loglevel=INFO --pidfile="$pidfile" \
    --logfile="$LOG_DIR/worker$i.log" --detach
done
# Ready when every worker answers a ping through the broker.
for _ in $(seq 120); do
  ready=$("$VENV_BIN/celery" -A dagster_celery.app inspect ping --timeout 1 2>/dev/null \
          | grep -c 'pong' || true)
  [ "$ready" -ge "$DATAOPS_CLUSTER_WORKERS" ] && break
  sleep 1
done
[ "$ready" -ge "$DATAOPS_CLUSTER_WORKERS" ] || { echo "workers did not start" >&2; false; }
echo "$DATAOPS_CLUSTER_WORKERS Celery workers ready (logs: $LOG_DIR)"

# Daemon and webserver: each in its own process group (setsid), so down.sh stops them with
# the code servers and run workers they spawn. Standard input from /dev/null: they never read.
start_group() {  # name, command...: start in a new session, pid (= group id) in the pid file
  local name=$1 pidfile="$RUN_DIR/$1.pid"
  shift
  if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then return 0; fi
  setsid "$@" </dev/null >"$LOG_DIR/$name.log" 2>&1 &
  echo $! >"$pidfile"
}
cd "$DATAOPS_CLUSTER_HOME"  # where Dagster puts its own scratch files, never the repository
start_group daemon "$VENV_BIN/dagster-daemon" run -w "$DATAOPS_CLUSTER_HOME/workspace.yaml"
start_group webserver "$VENV_BIN/dagster-webserver" -h "$DATAOPS_CLUSTER_WEB_HOST" \
  -p "$DATAOPS_CLUSTER_WEB_PORT" -w "$DATAOPS_CLUSTER_HOME/workspace.yaml"
# Ready when the webserver has loaded the code location (runs can then be submitted).
for _ in $(seq 240); do
  kill -0 "$(cat "$RUN_DIR/webserver.pid")" 2>/dev/null || break
  state=$("$VENV_BIN/python" "$HERE/location_state.py" "$DATAOPS_CLUSTER_WEB_HOST" \
          "$DATAOPS_CLUSTER_WEB_PORT" dataops_cluster || true)
  case "$state" in loaded|error) break ;; esac
  sleep 1
done
if [ "${state:-}" != loaded ]; then
  echo "the webserver did not load the code location (${state:-no answer}); see" \
       "$LOG_DIR/webserver.log" >&2
  false
fi
kill -0 "$(cat "$RUN_DIR/daemon.pid")" 2>/dev/null || {
  echo "the daemon stopped; see $LOG_DIR/daemon.log" >&2; false; }
echo "daemon and webserver on http://$DATAOPS_CLUSTER_WEB_HOST:$DATAOPS_CLUSTER_WEB_PORT" \
  "(code location loaded)"
