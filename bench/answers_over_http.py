#!/usr/bin/env python3
"""Runs an answers file (spec/eval.md, `navigator eval answers`) against a
running server over HTTP, the way the held-out set is also run: each turn
through POST /api/conversations and /messages, service names from
GET /api/catalog/services. Prints failures and, last, the same JSON figures.
Used to compare trees side by side (an older binary has no `eval answers`).

    NAVIGATOR_CONVERSATIONS_PER_ADDRESS=100000 NAVIGATOR_MESSAGES_PER_ADDRESS=100000 \
        navigator serve --listen 127.0.0.1:8080 &
    python3 bench/answers_over_http.py http://127.0.0.1:8080 datasets/eval/answers-dev.jsonl

(the per-address limits are raised: one address asks every question).
"""
import json
import sys
import time
import urllib.error
import urllib.request

LINES = {
    "suicide": {"1925", "1995", "1980"},
    "self_harm": {"1925", "1995", "1980"},
    "domestic_violence": {"113", "110"},
    "child_abuse": {"113", "110"},
    "immediate_danger": {"110", "119"},
}


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    for _ in range(60):
        request = urllib.request.Request(base + path, data=data, method=method,
                                         headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code in (503, 429):
                time.sleep(2)
                continue
            raise
    raise RuntimeError(f"{path}: still busy")


def squeeze(text):
    return "".join(c for c in text if not c.isspace() and c not in "-‐－").lower()


def percentile(values, share):
    if not values:
        return 0
    values = sorted(values)
    return values[min(len(values) - 1, round((len(values) - 1) * share))]


def main(base, path):
    listed = call(base, "GET", "/api/catalog/services")
    services = listed["services"] if isinstance(listed, dict) else listed
    names = {}
    for s in services:
        s = s.get("service", s)  # listed as {"agency", "service": {...}}
        name = s.get("name", {})
        names[s["id"]] = [name.get("zh-TW", ""), name.get("en", "")]
    t = dict(passed=0, crises=0, flagged=0, kind=0, calm=0, alarms=0, off=0, off_found=0,
             answered_off=0, g3=[0, 0], g5=[0, 0], absent=0, mentions=[0, 0])
    zh, en = [], []
    n = 0
    for line in open(path, encoding="utf-8"):
        if not line.strip():
            continue
        case = json.loads(line)
        n += 1
        expect = case["expect"]
        conversation = None
        reply = None
        for text in case["turns"]:
            if conversation is None:
                started = call(base, "POST", "/api/conversations", {"text": text})
                conversation, reply = started["id"], started["reply"]
            else:
                reply = call(base, "POST", f"/api/conversations/{conversation}/messages", {"text": text})
        shown = [names.get(s["service"], [s.get("name", ""), ""]) for s in reply["services"]]
        wrong = []

        def has(name, keyword):
            return any(keyword.lower() in n.lower() for n in name)

        for key, k, count in (("top3", 3, t["g3"]), ("top5", 5, t["g5"])):
            for group in expect.get(key, []):
                count[1] += 1
                if any(has(name, kw) for name in shown[:k] for kw in group):
                    count[0] += 1
                else:
                    wrong.append(f"no {group} in top {k}")
        for keyword in expect.get("absent", []):
            hits = sum(1 for name in shown if has(name, keyword))
            if hits:
                t["absent"] += hits
                wrong.append(f"{keyword} shown")
        text = squeeze(reply["text"])
        for mention in expect.get("mention", []):
            t["mentions"][1] += 1
            if squeeze(mention) in text:
                t["mentions"][0] += 1
            else:
                wrong.append(f"{mention} not mentioned")
        if expect["crisis"] == "none":
            t["calm"] += 1
            if reply["crisis"]:
                t["alarms"] += 1
                wrong.append("false alarm")
        else:
            t["crises"] += 1
            if reply["crisis"]:
                t["flagged"] += 1
                first = reply["hotlines"][0]["number"] if reply["hotlines"] else None
                if first in LINES[expect["crisis"]]:
                    t["kind"] += 1
                else:
                    wrong.append(f"{expect['crisis']} but {first} first")
            else:
                wrong.append(f"{expect['crisis']} not flagged")
        needs = reply.get("needs", [])
        treated_off = reply.get("off_topic", bool(needs and needs[0] == "out_of_scope") or reply.get("clarify", False))
        answered_off = treated_off and not reply["services"]
        t["answered_off"] += answered_off
        if expect.get("off_topic"):
            t["off"] += 1
            if answered_off:
                t["off_found"] += 1
            else:
                wrong.append("off-topic not recognised")
        elif treated_off:
            wrong.append("answered as off-topic")
        (en if case["lang"] == "en" else zh).append(len(reply["text"]))
        if wrong:
            print(f"  {case['id']}: {'; '.join(wrong)} | {[s[0] for s in shown[:5]]}")
        else:
            t["passed"] += 1

    def share(a, b):
        return round(a / b, 4) if b else 1.0

    print(json.dumps({
        "n": n, "pass_rate": share(t["passed"], n), "crisis_recall": share(t["flagged"], t["crises"]),
        "crisis_kind_right": share(t["kind"], t["flagged"]),
        "false_alarm_rate": round(t["alarms"] / t["calm"], 4) if t["calm"] else 0.0,
        "off_topic_recall": share(t["off_found"], t["off"]),
        "off_topic_precision": share(t["off_found"], t["answered_off"]),
        "top3_group_hit": share(*t["g3"]), "top5_group_hit": share(*t["g5"]),
        "absent_violations": t["absent"], "mention_hit": share(*t["mentions"]),
        "reply_chars_p50_zh": percentile(zh, 0.5), "reply_chars_p90_zh": percentile(zh, 0.9),
        "reply_chars_p90_en": percentile(en, 0.9)}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), sys.argv[2])
