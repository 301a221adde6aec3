# Settings of the local cluster profile, sourced by the other scripts in this folder.
# Everything comes from the environment; the defaults suit one developer machine.
# Nothing secret is written here: DATAOPS_PG_PASSWORD must come from the caller (the
# Makefile sets a demo-only value, like DATAOPS_HASH_KEY).
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export DATAOPS_DATA_DIR="${DATAOPS_DATA_DIR:-$REPO_DIR/.dataops}"
# Servers' files live under the data directory: a throwaway cluster goes with its data.
export DATAOPS_CLUSTER_DIR="${DATAOPS_CLUSTER_DIR:-$DATAOPS_DATA_DIR/cluster}"
# The cluster's Dagster instance, beside the embedded one (never the same directory).
export DATAOPS_CLUSTER_HOME="${DATAOPS_CLUSTER_HOME:-$REPO_DIR/.dagster_home_cluster}"
export DATAOPS_PG_HOST="${DATAOPS_PG_HOST:-127.0.0.1}"
export DATAOPS_PG_PORT="${DATAOPS_PG_PORT:-55432}"
export DATAOPS_PG_USER="${DATAOPS_PG_USER:-dataops}"
export DATAOPS_PG_DB="${DATAOPS_PG_DB:-dagster}"
export DATAOPS_REDIS_PORT="${DATAOPS_REDIS_PORT:-56379}"
export DATAOPS_CELERY_BROKER="${DATAOPS_CELERY_BROKER:-redis://127.0.0.1:$DATAOPS_REDIS_PORT/0}"
export DATAOPS_CELERY_BACKEND="${DATAOPS_CELERY_BACKEND:-redis://127.0.0.1:$DATAOPS_REDIS_PORT/1}"
export DATAOPS_CLUSTER_WORKERS="${DATAOPS_CLUSTER_WORKERS:-2}"
# The cluster's webserver: loopback, and not `make run`'s port 3000, so both can run at once.
export DATAOPS_CLUSTER_WEB_HOST="${DATAOPS_CLUSTER_WEB_HOST:-127.0.0.1}"
export DATAOPS_CLUSTER_WEB_PORT="${DATAOPS_CLUSTER_WEB_PORT:-3300}"
# Several runs write at once here: one immutable Parquet file per dataset version (README,
# "Scale out"). Until that backend exists the DuckDB file is used, its duckdb_writer pool of
# 1 (dagster.yaml) serialising the writes.
export DATAOPS_WAREHOUSE="${DATAOPS_WAREHOUSE:-parquet}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
VENV_BIN="${VENV_BIN:-$REPO_DIR/.venv/bin}"
PGDATA_DIR="$DATAOPS_CLUSTER_DIR/pgdata"
PG_SOCKET_DIR="$DATAOPS_CLUSTER_DIR/pgsocket"
RUN_DIR="$DATAOPS_CLUSTER_DIR/run"
LOG_DIR="$DATAOPS_CLUSTER_DIR/logs"
# Name of the environment variable up.sh gives every process it starts (see down.sh).
STARTED_MARK=DATAOPS_CLUSTER_STARTED_BY

# PostgreSQL refuses to run as root: as root, its files belong to (and it runs as) postgres.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
