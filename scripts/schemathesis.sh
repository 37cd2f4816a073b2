#!/usr/bin/env bash
# Property-based API testing with Schemathesis against the server's own
# OpenAPI document (GET /openapi.json), bounded in examples and time.
#
#   scripts/schemathesis.sh [EXTRA SCHEMATHESIS ARGS...]
#
# Builds and starts `navigator serve` on a free loopback port with a fresh
# temporary data directory and a known operator token, waits for /readyz,
# runs `schemathesis run` (every operation, the operator token sent as a
# bearer header), then stops the server. Schemathesis lives in a virtual
# environment outside the repository, installed from the package index by
# name on first use.
#
# Environment:
#   SCHEMATHESIS_VENV          (default /var/tmp/mydata-navigator-schemathesis-venv)
#   SCHEMATHESIS_MAX_EXAMPLES  examples per operation and phase (default 25)
#   SCHEMATHESIS_MAX_SECONDS   wall-clock bound for the whole run (default 900)
#   SCHEMATHESIS_REPORT_DIR    where the JUnit report and server log go
#                              (default: a temporary directory, printed)
#   NAVIGATOR_BIN              a navigator binary already built (skips the
#                              build, e.g. one `cargo test` left behind)
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/mydata-navigator-target}"
export CANDLE_NUM_THREADS="${CANDLE_NUM_THREADS:-1}"
VENV="${SCHEMATHESIS_VENV:-/var/tmp/mydata-navigator-schemathesis-venv}"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-25}"
MAX_SECONDS="${SCHEMATHESIS_MAX_SECONDS:-900}"

if [ ! -x "$VENV/bin/schemathesis" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet schemathesis
fi
echo "schemathesis: $("$VENV/bin/schemathesis" --version)"

scripts/fetch-model.sh
if [ -n "${NAVIGATOR_BIN:-}" ]; then
    NAVIGATOR="$NAVIGATOR_BIN"
else
    cargo build --locked --bin navigator
    NAVIGATOR="$CARGO_TARGET_DIR/debug/navigator"
fi
"$NAVIGATOR" train needs --if-stale

WORK="$(mktemp -d /tmp/navigator-schemathesis.XXXXXX)"
REPORTS="${SCHEMATHESIS_REPORT_DIR:-$WORK}"
mkdir -p "$REPORTS"
REPORTS="$(cd "$REPORTS" && pwd)"
# A free loopback port: bind port 0, read what the kernel chose, let it go.
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
BASE="http://127.0.0.1:$PORT"
# WebAuthn wants a host name for the public origin, not an address.
TOKEN="schemathesis-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"

"$NAVIGATOR" serve \
    --listen "127.0.0.1:$PORT" \
    --data-dir "$WORK/data" \
    --operator-token "$TOKEN" \
    --public-origin "http://localhost:$PORT" \
    --embed-workers 1 \
    >"$REPORTS/server.log" 2>&1 &
SERVER=$!
stop() {
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
}
trap stop EXIT

for _ in $(seq 1 120); do
    if curl -fsS "$BASE/readyz" >/dev/null 2>&1; then
        break
    fi
    if ! kill -0 "$SERVER" 2>/dev/null; then
        echo "the server exited; its log:" >&2
        cat "$REPORTS/server.log" >&2
        exit 1
    fi
    sleep 1
done
curl -fsS "$BASE/readyz" >/dev/null

status=0
# From the work directory, so that Schemathesis's cache stays out of the tree.
cd "$WORK"
timeout --signal=INT "$MAX_SECONDS" "$VENV/bin/schemathesis" run "$BASE/openapi.json" \
    --url "$BASE" \
    --header "Authorization: Bearer $TOKEN" \
    --checks all \
    --max-examples "$MAX_EXAMPLES" \
    --request-timeout 35 \
    --workers 1 \
    --seed 20261127 \
    --report junit --report-dir "$REPORTS" \
    "$@" || status=$?

# A server that died under the run is a finding of its own.
if ! kill -0 "$SERVER" 2>/dev/null; then
    echo "the server died during the run; its log: $REPORTS/server.log" >&2
    status=1
fi
if grep -q 'a handler panicked\|panicked at' "$REPORTS/server.log"; then
    echo "the server logged a panic: $REPORTS/server.log" >&2
    status=1
fi
echo "reports and server log: $REPORTS"
exit "$status"
