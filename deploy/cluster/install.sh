#!/usr/bin/env bash
# Install what the cluster profile needs and is missing: PostgreSQL 15 binaries and Redis
# (Debian packages, when root) and the pinned cluster Python packages in the main .venv.
set -euo pipefail
source "$(dirname "$0")/env.sh"

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "cannot install $* (not root): install it, or run as root" >&2
    return 1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

[ -x "$PG_BIN/pg_ctl" ] || apt_install postgresql-15
command -v redis-server >/dev/null || apt_install redis-server
# The lock pins only what the main lock lacks, so installing it changes no main pin.
if ! "$VENV_BIN/python" -c "import dagster_postgres, dagster_celery, redis" 2>/dev/null; then
  "$VENV_BIN/pip" install --quiet --disable-pip-version-check --no-deps \
    -r "$REPO_DIR/requirements-cluster.lock"
fi
echo "cluster profile: PostgreSQL, Redis and the Python packages are installed"
