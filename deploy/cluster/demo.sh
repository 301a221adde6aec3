#!/usr/bin/env bash
# Start the cluster, run the demo through it (every version queued at once; or the first
# DATAOPS_CLUSTER_DEMO_VERSIONS), and stop everything it started, whether the demo succeeds,
# fails or is interrupted. Exits non-zero if the demo failed or a process was left running.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/env.sh"
trap '"$HERE/down.sh"' EXIT
"$HERE/up.sh"
export DAGSTER_HOME="$DATAOPS_CLUSTER_HOME"
status=0
"$VENV_BIN/python" -m dataops_assets.cluster.demo \
  ${DATAOPS_CLUSTER_DEMO_VERSIONS:+--versions "$DATAOPS_CLUSTER_DEMO_VERSIONS"} || status=$?
trap - EXIT
"$HERE/down.sh" || status=$((status ? status : 1))
exit "$status"
