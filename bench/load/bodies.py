"""Writes the request bodies the load test sends, one JSON document a line.

understand.jsonl: every question of datasets/needs (zh-TW and English).
recommend.jsonl: every question of datasets/eval/recommend-dev.jsonl with
its citizen's records, so the rules run on real-shaped data.
"""
import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parents[2]
out = pathlib.Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)

with open(out / "understand.jsonl", "w", encoding="utf-8") as f:
    for name in ("zh-TW.jsonl", "en.jsonl"):
        for line in open(root / "datasets/needs" / name, encoding="utf-8"):
            text = json.loads(line)["text"]
            f.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")

with open(out / "recommend.jsonl", "w", encoding="utf-8") as f:
    for line in open(root / "datasets/eval/recommend-dev.jsonl", encoding="utf-8"):
        case = json.loads(line)
        body = {"text": case["question"], "records": case.get("records", {}), "date": "2026-12-01"}
        f.write(json.dumps(body, ensure_ascii=False) + "\n")
