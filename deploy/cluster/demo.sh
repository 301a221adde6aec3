#!/usr/bin/env bash
# Start the cluster, run demo versions through it, and stop everything it started (trap),
# whether the demo succeeds, fails or is interrupted.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/env.sh"
trap '"$HERE/down.sh"' EXIT
"$HERE/up.sh"
export DAGSTER_HOME="$DATAOPS_CLUSTER_HOME"
"$VENV_BIN/python" -m dataops_assets.cluster.demo --versions "${DATAOPS_CLUSTER_DEMO_VERSIONS:-1}"
