"""Helpers for bench/embedding-vs-pytorch.sh: pick the sentences, then tabulate.

  python embedding_compare.py sentences EVAL_JSONL PER_LANG > sentences.txt
  python embedding_compare.py table RUN.json...

`table` reads the JSON printed by examples/embed_timing.rs and
bench/embedding_reference.py (several repetitions of each condition are pooled)
and prints a Markdown table of speed ratios and of the cosine similarity
between the two implementations' vectors for the same sentences.
"""

import json
import sys
from collections import defaultdict

import numpy as np


def pick_sentences(path, per_lang):
    """The first PER_LANG questions of each language, interleaved (zh-TW, en, …)."""
    by_lang = defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            text = " ".join(row["text"].split())  # one sentence per line
            if len(by_lang[row["lang"]]) < per_lang:
                by_lang[row["lang"]].append(text)
    langs = sorted(by_lang, reverse=True)
    for group in zip(*(by_lang[lang] for lang in langs)):
        for text in group:
            print(text)


def latency_stats(ms):
    a = np.asarray(ms)
    return a.mean(), np.percentile(a, 50), np.percentile(a, 95)


def throughput(runs):
    return sum(n for n, _ in runs) / sum(s for _, s in runs)


def cpu_per_sentence(runs, phase):
    """Process CPU milliseconds per sentence over all runs of one phase."""
    cpu = sum(r[f"{phase}_cpu_s"] for r in runs)
    if phase == "batch1":
        n = sum(len(r["batch1_latencies_ms"]) for r in runs)
    else:
        n = sum(k for r in runs for k, _ in r["batch32_runs"])
    return cpu * 1e3 / n


def agreement(a, b):
    """Cosine min and mean over the sentences, and the largest component difference."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return cos.min(), cos.mean(), np.abs(a - b).max()


def table(paths):
    runs = defaultdict(list)  # (threads, implementation) → run dicts
    for p in paths:
        with open(p, encoding="utf-8") as f:
            r = json.load(f)
        runs[(r["threads"], r["implementation"])].append(r)
    threads = sorted({t for t, _ in runs})
    rows = []
    print("| threads | measure | candle (ours) | PyTorch | ours/PyTorch |")
    print("| --- | --- | ---: | ---: | ---: |")
    for t in threads:
        ours, ref = runs[(t, "candle")], runs[(t, "pytorch")]
        if not ours or not ref:
            continue
        o_lat = latency_stats([x for r in ours for x in r["batch1_latencies_ms"]])
        r_lat = latency_stats([x for r in ref for x in r["batch1_latencies_ms"]])
        for name, o, p in zip(("batch 1 mean ms", "batch 1 p50 ms", "batch 1 p95 ms"),
                              o_lat, r_lat):
            print(f"| {t} | {name} | {o:.2f} | {p:.2f} | {o / p:.2f} |")
        o_tp = throughput([x for r in ours for x in r["batch32_runs"]])
        r_tp = throughput([x for r in ref for x in r["batch32_runs"]])
        print(f"| {t} | batch 32 sentences/s | {o_tp:.1f} | {r_tp:.1f} | {o_tp / r_tp:.2f} |")
        # CPU time is less disturbed than wall time when other processes share the cores.
        o_cpu, r_cpu = cpu_per_sentence(ours, "batch1"), cpu_per_sentence(ref, "batch1")
        print(f"| {t} | batch 1 CPU ms/sentence | {o_cpu:.2f} | {r_cpu:.2f} | {o_cpu / r_cpu:.2f} |")
        o_cpu, r_cpu = cpu_per_sentence(ours, "batch32"), cpu_per_sentence(ref, "batch32")
        print(f"| {t} | batch 32 sentences/CPU-s | {1e3 / o_cpu:.1f} | {1e3 / r_cpu:.1f} "
              f"| {r_cpu / o_cpu:.2f} |")
        n1 = sum(len(r["batch1_latencies_ms"]) for r in ours)
        rows.append((t, ours[0], ref[0], n1, len(ours)))

    print()
    print("| threads | vectors | sentences | cosine min | cosine mean | max abs diff |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for t, o, r, _, _ in rows:
        for key, label in (("vectors_batch1", "batch 1"), ("vectors_batch32", "batch 32")):
            lo, mean, diff = agreement(o[key], r[key])
            print(f"| {t} | ours vs PyTorch, {label} | {len(o[key])} "
                  f"| {lo:.8f} | {mean:.8f} | {diff:.1e} |")
        lo, mean, diff = agreement(o["vectors_batch1"], o["vectors_batch32"])
        print(f"| {t} | ours batch 1 vs ours batch 32 | {len(o['vectors_batch1'])} "
              f"| {lo:.8f} | {mean:.8f} | {diff:.1e} |")
    print()
    for t, _, _, n1, reps in rows:
        print(f"threads {t}: {reps} interleaved repetition(s) per side, "
              f"{n1} batch-1 calls per side in total")
    versions = next((r[0]["versions"] for (_, impl), r in runs.items()
                     if impl == "pytorch"), {})
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))


def main(argv):
    if len(argv) == 3 and argv[0] == "sentences":
        pick_sentences(argv[1], int(argv[2]))
    elif len(argv) >= 2 and argv[0] == "table":
        table(argv[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
