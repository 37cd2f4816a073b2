#!/usr/bin/env bash
# PostgreSQL restarted under load (issue 9, faults). Too disruptive for the
# test suite, whose PostgreSQL tests share the server: run it by hand.
#
#   scripts/fault-postgres-restart.sh            # 30 s of load, restart at 8 s
#   DURATION=60 RESTART_AT=20 scripts/fault-postgres-restart.sh
#
# Starts `navigator serve` on a fresh PostgreSQL database (127.0.0.1 only),
# drives a bounded load of broker transfers (operator token) and
# /api/understand from a few client threads, restarts the PostgreSQL cluster
# in the middle, and reports:
#   - how requests were answered before, during and after the outage
#     (status, problem+json or not, slowest answer, transport errors);
#   - that the same server answers again afterwards (no restart of ours);
#   - that the audit log holds one success entry per transfer the clients
#     saw acknowledged, and `navigator audit verify` passes.
# Exit 0 when every claim holds, 1 otherwise. Needs the PostgreSQL cluster of
# scripts/ensure-postgres.sh, python3 and curl; run as root or with sudo for
# pg_ctlcluster. NAVIGATOR_BIN picks the binary (default: the debug build).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/mydata-navigator-target}"
export CANDLE_NUM_THREADS="${CANDLE_NUM_THREADS:-1}"
DURATION="${DURATION:-30}"
RESTART_AT="${RESTART_AT:-8}"
CLIENTS="${CLIENTS:-4}"
PORT="${PORT:-18091}"
TOKEN="fault-postgres-restart-token"
PG="postgres://postgres@127.0.0.1:5432"

if [ -z "${NAVIGATOR_BIN:-}" ]; then
  cargo build --locked --bin navigator
  NAVIGATOR_BIN="$CARGO_TARGET_DIR/debug/navigator"
fi
scripts/ensure-postgres.sh

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
version=$(ls /etc/postgresql | sort -V | tail -n 1)
db="nav_pgfault_$(date +%s)_$$"
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $db"
url="$PG/$db"
"$NAVIGATOR_BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$work" \
  --database-url "$url" --operator-token "$TOKEN" --embed-workers 1 \
  >"$work/serve.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$PORT"
for _ in $(seq 1 600); do
  curl -sf -o /dev/null "$base/readyz" && break
  sleep 0.2
done
curl -sf -o /dev/null "$base/readyz" || { echo "the server did not start"; cat "$work/serve.log"; exit 1; }

# The load, the restart in its middle, and the tally.
python3 - "$base" "$TOKEN" "$DURATION" "$RESTART_AT" "$CLIENTS" "$version" >"$work/load.json" <<'PY'
import json, subprocess, sys, threading, time, urllib.error, urllib.request

base, token, duration, restart_at, clients, version = sys.argv[1:7]
duration, restart_at, clients = float(duration), float(restart_at), int(clients)
# Subjects from the synthetic citizens (datasets/citizens): any will do.
subjects = ["A123456789"]
try:
    import glob
    subjects = sorted({json.load(open(f))["identity"]["national_id"] for f in glob.glob("datasets/citizens/*.json")})[:20] or subjects
except Exception:
    pass
datasets = ["household.registration", "education.degrees", "tax.income"]
results, lock, window = [], threading.Lock(), {}
start = time.monotonic()

def call(path, body, auth):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST")
    request.add_header("content-type", "application/json")
    if auth:
        request.add_header("authorization", "Bearer " + token)
    began = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, r.headers.get("content-type", ""), r.read(), began, None
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type", ""), e.read(), began, None
    except Exception as e:  # refused, reset, or no answer within 60 s
        return None, "", b"", began, type(e).__name__

def worker(k):
    n = 0
    while time.monotonic() - start < duration:
        n += 1
        if k % 2 == 0:
            purpose = f"pgfault {k}.{n}"
            subject = subjects[(k * 7 + n) % len(subjects)]
            status, kind, body, began, error = call("/api/broker/fetch",
                {"subject": subject, "datasets": datasets, "purpose": purpose}, True)
            fetched = failed = 0
            if status == 200:
                try:
                    outcomes = json.loads(body)["outcomes"]
                except (ValueError, KeyError):
                    outcomes, error = [], "unreadable 200"
                for o in outcomes:
                    if o["status"] == "fetched":
                        fetched += 1
                    elif o["reason"]["kind"] == "not_audited":
                        failed += 1
            row = dict(path="fetch", purpose=purpose, fetched=fetched, not_audited=failed)
        else:
            status, kind, body, began, error = call("/api/understand", {"text": "失業了，該怎麼辦？"}, False)
            row = dict(path="understand")
        row.update(status=status, problem=kind.startswith("application/problem+json"),
                   at=began - start, ms=(time.monotonic() - began) * 1000, error=error)
        with lock:
            results.append(row)

def restart():
    time.sleep(restart_at)
    window["from"] = time.monotonic() - start
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True)
    window["to"] = time.monotonic() - start

threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
threads.append(threading.Thread(target=restart))
for t in threads: t.start()
for t in threads: t.join()
json.dump({"window": window, "results": results}, sys.stdout)
PY

# The same process serves again: ready, and a transfer goes through.
alive="no"; kill -0 "$server_pid" 2>/dev/null && alive="yes"
ready=$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz" || true)
after=$(curl -s -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d '{"subject":"'"$(python3 -c 'import json,glob;print(json.load(open(sorted(glob.glob("datasets/citizens/*.json"))[0]))["identity"]["national_id"])')"'","datasets":["education.degrees"],"purpose":"pgfault after"}' \
  "$base/api/broker/fetch" | python3 -c 'import json,sys;print(json.load(sys.stdin)["outcomes"][0]["status"])' || echo "no answer")
logged=$(psql -h 127.0.0.1 -U postgres -d "$db" -tAc \
  "SELECT COUNT(*) FROM audit_log WHERE event = 'broker.fetch' AND outcome = 'success' AND purpose LIKE 'pgfault %' AND purpose <> 'pgfault after'")
verify=$("$NAVIGATOR_BIN" audit verify --data-dir "$work" --database-url "$url" 2>&1) && verified=yes || verified=no

python3 - "$work/load.json" "$alive" "$ready" "$after" "$logged" "$verified" "$verify" <<'PY'
import json, sys
from collections import Counter
data = json.load(open(sys.argv[1]))
alive, ready, after, logged, verified, verify = sys.argv[2:8]
w, rows = data["window"], data["results"]
def phase(r):
    if r["at"] + r["ms"] / 1000 < w["from"]: return "before"
    if r["at"] > w["to"] + 1: return "after"
    return "during"
print(f"PostgreSQL restart from {w['from']:.1f} s to {w['to']:.1f} s ({w['to'] - w['from']:.1f} s)")
print("| phase | endpoint | answers | statuses | problem+json of non-2xx | transport errors | slowest ms |")
print("|---|---|---|---|---|---|---|")
bad = False
for p in ["before", "during", "after"]:
    for path in ["fetch", "understand"]:
        rs = [r for r in rows if phase(r) == p and r["path"] == path]
        if not rs: continue
        statuses = Counter(str(r["status"]) for r in rs)
        non2xx = [r for r in rs if r["status"] is not None and not 200 <= r["status"] < 300]
        clean = sum(r["problem"] for r in non2xx)
        errors = Counter(r["error"] for r in rs if r["error"])
        slowest = max(r["ms"] for r in rs)
        print(f"| {p} | {path} | {len(rs)} | {dict(statuses)} | {clean}/{len(non2xx)} | {dict(errors) or 0} | {slowest:.0f} |")
        if errors or clean != len(non2xx) or any(r["status"] == 500 for r in rs): bad = True
        if p == "after" and any(r["status"] != 200 for r in rs): bad = True
acked = sum(r["fetched"] for r in rows if r["path"] == "fetch" and r["status"] == 200)
withheld = sum(r.get("not_audited", 0) for r in rows if r["path"] == "fetch")
print(f"transfers acknowledged: {acked}; audit success entries: {logged}; withheld as not audited: {withheld}")
print(f"server process alive: {alive}; /readyz after: {ready}; a transfer after: {after}")
print(f"navigator audit verify: {verified} ({verify.strip()})")
if str(acked) != logged or alive != "yes" or ready != "200" or after != "fetched" or verified != "yes": bad = True
print("RESULT:", "FAIL" if bad else "PASS")
sys.exit(1 if bad else 0)
PY
