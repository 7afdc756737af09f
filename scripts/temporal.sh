#!/usr/bin/env bash
# `npm run temporal -- <args>`: the project's Temporal CLI, pointed at Kept's server.
# The CLI reads TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / TEMPORAL_API_KEY / TEMPORAL_TLS_* itself,
# so the same variables that configure Kept configure this command.
set -euo pipefail
cd "$(dirname "$0")/.."
CLI="${KEPT_TEMPORAL_CLI:-${KEPT_TOOLS_DIR:-.tools}/venv/bin/temporal}"
if [[ ! -x "$CLI" ]]; then
  if command -v temporal >/dev/null; then CLI="$(command -v temporal)"
  else echo "kept: no Temporal CLI found at $CLI. Run: npm run setup" >&2; exit 1; fi
fi
export TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-localhost:${KEPT_TEMPORAL_PORT:-7233}}"
export TEMPORAL_NAMESPACE="${TEMPORAL_NAMESPACE:-${KEPT_NAMESPACE:-default}}"
exec "$CLI" "$@"
