#!/usr/bin/env bash
# Load test of `navigator serve` on loopback with wrk (Debian's package).
#
#   bench/load.sh [seconds-per-run] [concurrencies] [soak-seconds]
#   defaults:      30                "1 4 8 16 32"    0 (no soak)
#
# Builds the release binary, starts it on a fresh SQLite data folder at
# 127.0.0.1:18080, and for each concurrency runs wrk against
#   GET  /healthz          the ceiling: the same server doing no work
#   POST /api/understand   every question of datasets/needs in turn
#   POST /api/recommend    every dev question with its citizen's records
# printing requests/s and p50/p95/p99 (ms), socket errors and non-2xx
# answers. The peak resident size is read from /proc after start (model
# loaded) and after the load. NAVIGATOR=path measures a binary already built.
# With soak-seconds > 0 it then runs
# understand and recommend at twice the concurrency named by SOAK_C
# (default 16) for that long each and reports errors.
# Every request goes to 127.0.0.1 only; each run stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_RUN="${1:-30}"
CONCURRENCIES="${2:-1 4 8 16 32}"
SOAK_SECONDS="${3:-0}"
SOAK_C="${SOAK_C:-16}"
PORT="${PORT:-18080}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/mydata-navigator-target}"
export CANDLE_NUM_THREADS=1

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
# NAVIGATOR names an already built binary to measure instead of building.
if [ -z "${NAVIGATOR:-}" ]; then
    scripts/ensure-build-deps.sh
    scripts/fetch-model.sh
    cargo build --release --locked --bin navigator
    NAVIGATOR="$CARGO_TARGET_DIR/release/navigator"
fi
"$NAVIGATOR" train needs --if-stale

work="$(mktemp -d)"
python3 bench/load/bodies.py "$work"
"$NAVIGATOR" serve --listen "127.0.0.1:$PORT" --data-dir "$work/data" \
    --public-origin "http://localhost:$PORT" >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT

base="http://127.0.0.1:$PORT"
for _ in $(seq 1 300); do
    curl -fsS "$base/readyz" >/dev/null 2>&1 && break
    sleep 1
done
# The first recommend builds the catalogue's index; it is not measured.
for _ in $(seq 1 60); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
        -d "$(head -1 "$work/recommend.jsonl")" "$base/api/recommend")
    [ "$code" = 200 ] && break
    sleep 2
done

rss() { awk -v what="$1" '$1 == what":" {printf "%.0f MiB", $2 / 1024}' "/proc/$server/status"; }
echo "server pid $server; after start: VmRSS $(rss VmRSS), peak VmHWM $(rss VmHWM)"
echo "cores: $(nproc); wrk threads: 2; ${SECONDS_PER_RUN}s per run"

run() { # endpoint concurrency seconds
    local endpoint=$1 c=$2 secs=$3 script bodies url
    case $endpoint in
        healthz) script=bench/load/get.lua; bodies=/dev/null; url="$base/healthz" ;;
        *) script=bench/load/post.lua; bodies="$work/$endpoint.jsonl"; url="$base/api/$endpoint" ;;
    esac
    local threads=2
    [ "$c" -lt 2 ] && threads=1
    line=$(BODIES=$bodies wrk -t"$threads" -c"$c" -d"${secs}s" --timeout 10s -s "$script" "$url" \
        | grep '^RESULT' | sed 's/^RESULT //')
    printf '| %-10s | %4s | %s |\n' "$endpoint" "$c" "$line"
}

echo "| endpoint   |    c | result |"
echo "| ---------- | ---- | ------ |"
for c in $CONCURRENCIES; do
    for endpoint in healthz understand recommend; do
        run "$endpoint" "$c" "$SECONDS_PER_RUN"
    done
done
echo "after load: VmRSS $(rss VmRSS), peak VmHWM $(rss VmHWM)"

if [ "$SOAK_SECONDS" -gt 0 ]; then
    echo "soak at concurrency $((2 * SOAK_C)), ${SOAK_SECONDS}s each:"
    run understand $((2 * SOAK_C)) "$SOAK_SECONDS"
    run recommend $((2 * SOAK_C)) "$SOAK_SECONDS"
    echo "after soak: VmRSS $(rss VmRSS), peak VmHWM $(rss VmHWM)"
fi
grep -c '"level":"ERROR"\| ERROR ' "$work/serve.log" | sed 's/^/server log errors: /' || true
# Show them: the warm-up's first recommend is expected to be one (a 503 while
# the recommender is being built, before any measured run).
grep '"level":"ERROR"\| ERROR ' "$work/serve.log" | head -5 | cut -c1-300 || true
