#!/usr/bin/env python3
"""p50/p90 latency at concurrency 1 of /api/understand and of starting a
conversation, over HTTP against a running server; for comparing two trees
side by side on a quiet machine (say the load average).

    python3 bench/latency_c1.py http://127.0.0.1:8080 [rounds]
"""
import json
import os
import sys
import time
import urllib.request

QUESTIONS = [
    "失業了，該怎麼辦？",
    "租金補貼要怎麼申請",
    "我媽中風後需要人照顧，有什麼長照服務？",
    "I lost my job last month. What support can I get?",
    "卡債太多還不出來",
    "我家巷口的路燈壞了",
    "寶寶下個月出生，育兒津貼要怎麼申請？",
    "My elderly father needs daily care. What help is there?",
]


def post(base, path, body):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
    return (time.perf_counter() - started) * 1000


def main(base, rounds):
    for path in ("/api/understand", "/api/conversations"):
        for q in QUESTIONS:  # warm caches and the recommender
            post(base, path, {"text": q})
        times = sorted(post(base, path, {"text": q}) for _ in range(rounds) for q in QUESTIONS)
        p50 = times[len(times) // 2]
        p90 = times[int(len(times) * 0.9)]
        print(f"{path}: n={len(times)} p50={p50:.1f} ms p90={p90:.1f} ms")
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), int(sys.argv[2]) if len(sys.argv) > 2 else 10)
