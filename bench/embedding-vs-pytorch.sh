#!/usr/bin/env bash
# Side-by-side timing of the service's embedding step (candle, examples/embed_timing.rs)
# and an independent PyTorch reference (bench/embedding_reference.py) running the same
# multilingual-e5-small weights on the same sentences; prints a Markdown table of the
# speed ratios and of the cosine similarity between the two sides' vectors.
#
# Usage: bench/embedding-vs-pytorch.sh
# Environment (all optional):
#   BENCH_VENV   virtual environment for the reference  (/var/tmp/mydata-navigator-bench-venv)
#   BENCH_WORK   sentences and raw JSON results          (/var/tmp/mydata-navigator-bench)
#   ROUNDS       passes over the sentences per run       (5)
#   REPS         interleaved repetitions per condition   (2)
#   PER_LANG     sentences per language (zh-TW, en)      (32)
#   THREADS      thread counts to compare                ("1 2")
#   PYTHON       interpreter that creates the venv       (python3)
#
# The venv lives outside the repository. torch comes from PyPI by name: its default
# Linux wheel also pulls the CUDA libraries (several GB; unused here), hence the disk check.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${BENCH_VENV:-/var/tmp/mydata-navigator-bench-venv}"
WORK="${BENCH_WORK:-/var/tmp/mydata-navigator-bench}"
ROUNDS="${ROUNDS:-5}"
REPS="${REPS:-2}"
PER_LANG="${PER_LANG:-32}"
THREADS="${THREADS:-1 2}"
PYTHON="${PYTHON:-python3}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/mydata-navigator-target}"
MODEL_DIR="$REPO_ROOT/models/multilingual-e5-small"

say() { echo "embedding-vs-pytorch: $*" >&2; }

"$REPO_ROOT/scripts/fetch-model.sh"

# Reference environment: created once, reused while its imports work.
if ! "$VENV/bin/python" -c 'import torch, tokenizers, numpy' >/dev/null 2>&1; then
    mkdir -p "$(dirname "$VENV")"
    free_gb="$(df -P -BG "$(dirname "$VENV")" | awk 'NR == 2 { sub("G", "", $4); print $4 }')"
    if [ "${free_gb:-0}" -lt 10 ]; then
        say "only ${free_gb} GB free under $(dirname "$VENV"); torch with its CUDA libraries needs ~8 GB"
        exit 1
    fi
    say "installing torch, tokenizers and numpy into $VENV (large download)"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --progress-bar off torch tokenizers numpy
fi

say "building examples/embed_timing.rs (release)"
(cd "$REPO_ROOT" && cargo build --release --locked --quiet --example embed_timing)
OURS="$CARGO_TARGET_DIR/release/examples/embed_timing"

mkdir -p "$WORK"
rm -f "$WORK"/run-*.json
SENTENCES="$WORK/sentences.txt"
"$VENV/bin/python" "$REPO_ROOT/bench/embedding_compare.py" sentences \
    "$REPO_ROOT/datasets/eval/needs-dev.jsonl" "$PER_LANG" >"$SENTENCES"

run_ours() {
    CANDLE_NUM_THREADS="$1" RAYON_NUM_THREADS="$1" \
        "$OURS" "$MODEL_DIR" "$SENTENCES" "$ROUNDS" >"$WORK/run-ours-t$1-r$2.json"
}
run_torch() {
    OMP_NUM_THREADS="$1" MKL_NUM_THREADS="$1" \
        "$VENV/bin/python" "$REPO_ROOT/bench/embedding_reference.py" \
        "$MODEL_DIR" "$SENTENCES" "$1" "$ROUNDS" >"$WORK/run-torch-t$1-r$2.json"
}

load_before="$(uptime)"
# Interleave the sides, alternating which goes first, so drifting load from other
# processes falls on both.
for rep in $(seq 1 "$REPS"); do
    for t in $THREADS; do
        say "repetition $rep, $t thread(s)"
        if [ $((rep % 2)) -eq 1 ]; then
            run_ours "$t" "$rep"
            run_torch "$t" "$rep"
        else
            run_torch "$t" "$rep"
            run_ours "$t" "$rep"
        fi
    done
done
load_after="$(uptime)"

echo "$(wc -l <"$SENTENCES") sentences ($PER_LANG zh-TW + $PER_LANG en from datasets/eval/needs-dev.jsonl)," \
    "$ROUNDS rounds per run, $REPS repetition(s), rustc $(rustc --version | cut -d' ' -f2)"
echo "load before: $load_before"
echo "load after:  $load_after"
echo
"$VENV/bin/python" "$REPO_ROOT/bench/embedding_compare.py" table "$WORK"/run-*.json
