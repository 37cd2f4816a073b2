#!/usr/bin/env python3
"""Deterministic generator of the synthetic citizens in datasets/citizens/.

Every citizen is written by hand below (CITIZENS) as a compact spec; this
script derives the nine MyData records of datasets.yaml from it (labour-
insurance totals, 2025 salary, per-capita income, low/mid-low-income status,
NHI category, national ID and its check digit, medical-visit dates, ...),
checks a long list of consistency rules with assertions, and writes one
pretty-printed JSON file per citizen plus a README.md.

Python 3.11 standard library only. Nothing depends on the clock or on hash
order: randomness comes from random.Random seeded with a fixed string per
citizen, so two runs give byte-identical files.

    python3 tools/gen_citizens.py              # (re)write datasets/citizens/
    python3 tools/gen_citizens.py --out DIR    # write elsewhere (e.g. to diff)
    python3 tools/gen_citizens.py --check      # build and assert, write nothing
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

SEED = "mydata-navigator/citizens/v1"
REF = date(2026, 12, 1)             # "now" for ages, last 12 months, ...
TAX_YEAR = 2025                     # latest assessed tax year
WINDOW_START = date(2025, 12, 2)    # first day of the last 12 months
REPO = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------
# Figures from services.yaml (checked against the spec file when it is found)
# ---------------------------------------------------------------------------
MIN_LIVING = {
    "臺北市": 20744, "新北市": 17750, "桃園市": 17186, "臺中市": 16431,
    "臺南市": 15515, "高雄市": 16040, "基隆市": 15515, "新竹市": 15515,
    "新竹縣": 15515, "苗栗縣": 15515, "彰化縣": 15515, "南投縣": 15515,
    "雲林縣": 15515, "嘉義市": 15515, "嘉義縣": 15515, "屏東縣": 15515,
    "宜蘭縣": 15515, "花蓮縣": 15515, "臺東縣": 15515, "澎湖縣": 15515,
    "金門縣": 15173, "連江縣": 15173,
}
MID_LOW = {
    "臺北市": 29635, "新北市": 26625, "桃園市": 25779, "臺中市": 24647,
    "臺南市": 23273, "高雄市": 24060, "基隆市": 23273, "新竹市": 23273,
    "新竹縣": 23273, "苗栗縣": 23273, "彰化縣": 23273, "南投縣": 23273,
    "雲林縣": 23273, "嘉義市": 23273, "嘉義縣": 23273, "屏東縣": 23273,
    "宜蘭縣": 23273, "花蓮縣": 23273, "臺東縣": 23273, "澎湖縣": 23273,
    "金門縣": 22760, "連江縣": 22760,
}
# (movable assets per person, household real estate). The spec gives only a
# few cities; elsewhere we use a plausible approximation (see README).
LOW_PROP = {"新北市": (100000, 4720000), "桃園市": (96000, 4700000),
            "高雄市": (95000, 4000000)}
LOW_PROP_DEFAULT = (100000, 4000000)
MID_PROP = {"桃園市": (144000, 5640000)}
MID_PROP_DEFAULT = (150000, 5600000)
# 1.5 x the area's average monthly consumption per person (臺灣地區 115年).
CONSUMPTION_CAP = 39960
# Property limits used for the 2.5x-minimum-living-cost allowances
# (disability living allowance, mid-low-income senior allowance, special
# circumstances family): services.yaml quotes them for the disability
# allowance only; we apply the same figures to all three.
ALLOWANCE_MOVABLE_FIRST, ALLOWANCE_MOVABLE_EXTRA = 2000000, 250000
ALLOWANCE_REAL_ESTATE = 6500000

# Service ids (catalogue order of services.yaml) that may appear in
# welfare.status.receiving; each has a qualification check in qualifies().
WELFARE_SERVICES = [
    "wda.disability_employment", "mohw.low_income_household",
    "mohw.mid_low_income_household", "mohw.resilience_extra_allowance",
    "mohw.special_circumstances_family", "nlma.rent_subsidy_300b",
    "taipei.low_income_rent_subsidy", "mohw.childcare_allowance_under2",
    "moe.childcare_allowance_2to5", "mohw.quasi_public_childcare",
    "moe.public_preschool_fee_cap", "moe.tuition_waiver_disadvantaged",
    "moe.student_loan", "moe.college_disadvantaged_grant",
    "mohw.long_term_care", "mohw.ltc_respite",
    "mohw.mid_low_income_elderly_allowance",
    "mohw.elderly_special_care_allowance", "mohw.disability_living_allowance",
    "mohw.assistive_device_subsidy", "nhia.catastrophic_illness",
    "kcg.vulnerable_medical_assistance", "mohw.family_caregiver_support",
]
# Bureau of Labor Insurance short codes for labor.insurance_history.receiving.
BLI_CODES = ["unemployment_benefit", "vocational_training_allowance",
             "parental_leave_allowance", "old_age_benefit",
             "disability_pension", "occupational_accident_benefit"]

# Exact fields of datasets.yaml (checked against the spec file when found).
SCHEMA = {
    "household.registration": ["birth_date", "gender", "city", "district",
                               "marital_status", "indigenous",
                               "household_size", "members"],
    "tax.income": ["year", "personal_annual_income",
                   "household_annual_income", "items"],
    "tax.property": ["year", "household_real_estate_value",
                     "household_movable_assets", "owns_home", "vehicles"],
    "labor.insurance_history": ["currently_insured", "current_employer",
                                "insured_monthly_salary",
                                "total_insured_years",
                                "employment_insurance_years_last_3y",
                                "periods", "job_seeker_registered",
                                "receiving"],
    "education.degrees": ["highest_level", "degrees", "certificates"],
    "education.enrollment": ["enrolled", "level", "school", "public_school"],
    "health.nhi_enrollment": ["category", "premium_arrears",
                              "catastrophic_illness", "pregnant"],
    "health.medical_visits": ["last_12_months",
                              "out_of_pocket_last_12_months"],
    "welfare.status": ["low_income_household", "mid_low_income_household",
                       "disability_certificate", "ltc_cms_level",
                       "receiving"],
}
NESTED = {
    ("household.registration", "members"): ["relation", "birth_date",
                                            "disability", "student"],
    ("tax.income", "items"): ["kind", "amount"],
    ("labor.insurance_history", "periods"): ["employer", "industry",
                                             "occupation", "start", "end",
                                             "separation_reason"],
    ("education.degrees", "degrees"): ["level", "school", "major",
                                       "graduation_year"],
    ("health.medical_visits", "last_12_months"): ["date", "department",
                                                  "icd10_chapter"],
}

# ---------------------------------------------------------------------------
# Places, identity
# ---------------------------------------------------------------------------
CITY_DISTRICTS = {
    "臺北市": ["中正區", "大同區", "中山區", "松山區", "大安區", "萬華區", "信義區",
            "士林區", "北投區", "內湖區", "南港區", "文山區"],
    "新北市": ["板橋區", "三重區", "中和區", "永和區", "新莊區", "新店區", "土城區",
            "蘆洲區", "汐止區", "樹林區", "淡水區", "三峽區", "鶯歌區", "瑞芳區"],
    "桃園市": ["桃園區", "中壢區", "平鎮區", "八德區", "楊梅區", "龜山區", "蘆竹區",
            "大溪區", "復興區"],
    "臺中市": ["中區", "北區", "西屯區", "北屯區", "南屯區", "大里區", "豐原區",
            "太平區", "霧峰區", "沙鹿區", "和平區"],
    "臺南市": ["東區", "北區", "永康區", "安南區", "新營區", "麻豆區"],
    "高雄市": ["三民區", "鳳山區", "左營區", "前鎮區", "苓雅區", "楠梓區", "岡山區",
            "旗山區", "小港區", "那瑪夏區"],
    "基隆市": ["仁愛區", "七堵區", "安樂區"],
    "新竹市": ["東區", "北區", "香山區"],
    "新竹縣": ["竹北市", "竹東鎮", "湖口鄉", "尖石鄉"],
    "苗栗縣": ["苗栗市", "頭份市", "竹南鎮"],
    "彰化縣": ["彰化市", "員林市", "鹿港鎮", "和美鎮"],
    "南投縣": ["南投市", "埔里鎮", "草屯鎮", "仁愛鄉"],
    "雲林縣": ["斗六市", "虎尾鎮", "北港鎮", "麥寮鄉"],
    "嘉義市": ["東區", "西區"],
    "嘉義縣": ["太保市", "民雄鄉", "朴子市", "阿里山鄉"],
    "屏東縣": ["屏東市", "潮州鎮", "東港鎮", "三地門鄉"],
    "宜蘭縣": ["宜蘭市", "羅東鎮", "蘇澳鎮", "南澳鄉"],
    "花蓮縣": ["花蓮市", "吉安鄉", "玉里鎮", "秀林鄉", "壽豐鄉"],
    "臺東縣": ["臺東市", "成功鎮", "關山鎮", "太麻里鄉", "蘭嶼鄉"],
    "澎湖縣": ["馬公市", "湖西鄉"],
    "金門縣": ["金城鎮", "金湖鎮"],
    "連江縣": ["南竿鄉", "北竿鄉"],
}
CITY_LETTER = {
    "臺北市": "A", "臺中市": "B", "基隆市": "C", "臺南市": "D", "高雄市": "E",
    "新北市": "F", "宜蘭縣": "G", "桃園市": "H", "嘉義市": "I", "新竹縣": "J",
    "苗栗縣": "K", "南投縣": "M", "彰化縣": "N", "新竹市": "O", "雲林縣": "P",
    "嘉義縣": "Q", "屏東縣": "T", "花蓮縣": "U", "臺東縣": "V", "金門縣": "W",
    "澎湖縣": "X", "連江縣": "Z",
}
LETTER_CODE = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17,
    "I": 34, "J": 18, "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23,
    "Q": 24, "R": 25, "S": 26, "T": 27, "U": 28, "V": 29, "W": 32, "X": 30,
    "Y": 31, "Z": 33,
}
ID_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 1]


def national_id_valid(nid: str) -> bool:
    """Checksum of a Taiwanese national ID (letter + 1/2 + 7 digits + check)."""
    if not re.fullmatch(r"[A-Z][12][0-9]{8}", nid):
        return False
    code = LETTER_CODE[nid[0]]
    total = (code // 10) * 1 + (code % 10) * 9
    total += sum(int(c) * w for c, w in zip(nid[1:9], ID_WEIGHTS))
    total += int(nid[9])
    return total % 10 == 0


def make_national_id(letter: str, gender_digit: int, seven: str) -> str:
    code = LETTER_CODE[letter]
    body = f"{gender_digit}{seven}"
    total = (code // 10) + (code % 10) * 9
    total += sum(int(c) * w for c, w in zip(body, ID_WEIGHTS))
    check = (10 - total % 10) % 10
    nid = f"{letter}{body}{check}"
    assert national_id_valid(nid), nid
    return nid


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------
EDU_ORDER = ["none", "elementary", "junior_high", "senior_high",
             "vocational_high", "associate", "bachelor", "master", "doctorate"]
EDU_RANK = {k: i for i, k in enumerate(EDU_ORDER)}
# senior_high and vocational_high are the same stage
EDU_RANK["vocational_high"] = EDU_RANK["senior_high"]
EDU_GRAD_AGE = {"elementary": 12, "junior_high": 15, "senior_high": 18,
                "vocational_high": 18, "associate": 20, "bachelor": 22,
                "master": 24, "doctorate": 27}
ENROLL_AGES = {"elementary": (6, 12), "junior_high": (12, 16),
               "senior_high": (15, 19), "vocational_high": (15, 19),
               "associate": (15, 30), "bachelor": (17, 40),
               "master": (21, 60), "doctorate": (23, 65)}
INSURED_GRADES = [11100, 12540, 13500, 15840, 16500, 17280, 17880, 19047,
                  20008, 21009, 22000, 23100, 24000, 25250, 26400, 27600,
                  28800, 29500, 30300, 31800, 33300, 34800, 36300, 38200,
                  40100, 42000, 43900, 45800]
# Insurance units that are unions or fishermen's associations: labour
# insurance without employment insurance.
UNION_MARKERS = ("職業工會", "漁會")


def d(s):
    return s if isinstance(s, date) or s is None else date.fromisoformat(s)


def add_years(x: date, n: int) -> date:
    try:
        return x.replace(year=x.year + n)
    except ValueError:          # 29 February
        return x.replace(year=x.year + n, day=28)


def age_on(birth: date, on: date = REF) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def years1(days: int) -> float:
    q = (Decimal(days) / Decimal("365.25")).quantize(Decimal("0.1"),
                                                     rounding=ROUND_HALF_UP)
    return float(q)


def overlap_days(a0: date, a1: date, b0: date, b1: date) -> int:
    lo, hi = max(a0, b0), min(a1, b1)
    return (hi - lo).days + 1 if hi >= lo else 0


def round100(x: float) -> int:
    return int(Decimal(x).quantize(Decimal("1E2"), rounding=ROUND_HALF_UP))


def insured_grade(wage: int) -> int:
    for g in INSURED_GRADES:
        if wage <= g:
            return g
    return INSURED_GRADES[-1]


# Spec constructors -----------------------------------------------------------
def J(employer, industry, occupation, start, end=None, reason=None, wage=0):
    """A labour-insurance period; wage = actual monthly wage (NTD)."""
    return dict(employer=employer, industry=industry, occupation=occupation,
                start=d(start), end=d(end), reason=reason, wage=wage)


def K(relation, birth, dis=False, stu=None):
    """A household member; stu None = decided by age (6-17 in school)."""
    return dict(relation=relation, birth=d(birth), dis=dis, stu=stu)


def D(level, school, major, year):
    return dict(level=level, school=school, major=major, year=year)


def V(dept, ch, n, frm=None, to=None):
    """n medical visits to dept (ICD-10 chapter ch) between frm and to."""
    return dict(dept=dept, ch=ch, n=n, frm=d(frm) or WINDOW_START,
                to=d(to) or REF)


# ---------------------------------------------------------------------------
# Building one citizen
# ---------------------------------------------------------------------------
class Built:
    """A citizen's output JSON plus the derived facts the checks use."""

    def __init__(self, spec):
        self.spec = spec
        self.out = None
        self.facts = {}


def member_age(m):
    return age_on(m["birth"])


def is_union(period):
    return any(mk in period["employer"] for mk in UNION_MARKERS)


def salary_from_periods(periods, birth):
    """2025 salary: wage x 13 months (one month of bonus) pro rata."""
    y0, y1 = date(TAX_YEAR, 1, 1), date(TAX_YEAR, 12, 31)
    total = 0.0
    for p in periods:
        if is_union(p):
            continue
        days = overlap_days(p["start"], p["end"] or REF, y0, y1)
        total += p["wage"] * 13 * days / 365
    return round100(total)


def ei_years_last_3y(periods, birth):
    """Employment-insurance years in the 3 years before the latest separation
    (before the reference date when still insured). Union / fishermen's
    association periods and time after 65 carry no employment insurance."""
    if not periods:
        return 0.0
    last = periods[-1]
    anchor = last["end"] or REF
    w0 = add_years(anchor, -3) + timedelta(days=1)
    stop65 = add_years(birth, 65) - timedelta(days=1)
    days = 0
    for p in periods:
        if is_union(p):
            continue
        end = min(p["end"] or REF, stop65)
        if end < p["start"]:
            continue
        days += overlap_days(p["start"], end, w0, anchor)
    return min(years1(days), 3.0)


def gen_visits(rng, visit_specs):
    out = []
    for v in visit_specs:
        span = (v["to"] - v["frm"]).days + 1
        assert v["frm"] >= WINDOW_START and v["to"] <= REF, v
        assert 0 < v["n"] <= span, v
        if v["n"] * 3 <= span:
            # spread the visits: one per equal slice, random within the slice
            days = []
            for i in range(v["n"]):
                lo = span * i // v["n"]
                hi = span * (i + 1) // v["n"] - 1
                days.append(rng.randint(lo, hi))
        else:
            days = sorted(rng.sample(range(span), v["n"]))
        for k in days:
            out.append((v["frm"] + timedelta(days=k), v["dept"], v["ch"]))
    out.sort()
    return out


def base_visits(rng, age):
    """Ordinary care everybody has: colds, dentist, chronic checks."""
    if age < 40:
        specs = [V("family_medicine", "J", rng.randint(1, 3)),
                 V("dentistry", "K", rng.randint(0, 2) or 1)]
    elif age < 65:
        specs = [V("family_medicine", "J", rng.randint(1, 3)),
                 V("dentistry", "K", 1),
                 V("family_medicine", "Z", 1)]
    else:
        specs = [V("family_medicine", "J", rng.randint(1, 2)),
                 V("cardiology", "I", rng.randint(3, 6)),
                 V("ophthalmology", "H", 1)]
    return specs


VISIT_COST = {"family_medicine": 200, "dentistry": 250, "obstetrics": 150,
              "psychiatry": 250, "rehabilitation": 100, "pediatrics": 200}
VISIT_COST_DEFAULT = 520    # hospital out-patient: co-payment + registration


def out_of_pocket(visits, low_income, cat_chapters, extra):
    total = 0
    for _, dept, ch in visits:
        if low_income:
            total += 50                     # co-payment waived, registration
        elif ch in cat_chapters:
            total += 150                    # catastrophic illness: no co-pay
        else:
            total += VISIT_COST.get(dept, VISIT_COST_DEFAULT)
    return total + extra


def auto_issue(rng, birth):
    b14 = add_years(birth, 14)
    latest = REF - timedelta(days=20)
    if b14 >= date(2005, 7, 1):
        first = min(b14 + timedelta(days=rng.randint(20, 700)), latest)
        r = rng.random()
        room = (latest - first).days
        if r < 0.6 or room < 500 or age_on(birth) < 20:
            return first, "初發"
        later = first + timedelta(days=rng.randint(365, room))
        return later, ("換發" if r < 0.85 else "補發")
    r = rng.random()
    if r < 0.45:        # the 2005 nationwide replacement
        return date(2005, 7, 1) + timedelta(days=rng.randint(0, 180)), "換發"
    start = max(date(2006, 1, 1), b14)
    day = start + timedelta(days=rng.randint(0, (latest - start).days))
    return day, ("換發" if r < 0.8 else "補發")


def per_capita(household_income, size):
    return household_income / 12 / size


def build(spec, used_ids, used_nhi):
    b = Built(spec)
    cid = spec["id"]
    rng = random.Random(f"{SEED}:{cid}")
    birth = d(spec["birth"])
    city, gender = spec["city"], spec["g"]
    members = spec.get("members", [])
    periods = spec.get("jobs", [])
    size = 1 + len(members)

    # identity ------------------------------------------------------------
    letter = spec.get("id_letter") or CITY_LETTER[city]
    gdigit = spec.get("id_gender_digit") or (1 if gender == "M" else 2)
    while True:
        nid = make_national_id(letter, gdigit,
                               "".join(str(rng.randint(0, 9)) for _ in range(7)))
        if nid not in used_ids:
            break
    used_ids.add(nid)
    while True:
        nhi = "0000" + "".join(str(rng.randint(0, 9)) for _ in range(8))
        if nhi not in used_nhi:
            break
    used_nhi.add(nhi)
    if "issue" in spec:
        issue_date, issue_type = d(spec["issue"][0]), spec["issue"][1]
    elif spec.get("naturalised"):
        issue_date, issue_type = d(spec["naturalised"]), "初發"
    else:
        issue_date, issue_type = auto_issue(rng, birth)

    # income ----------------------------------------------------------------
    salary = spec.get("salary")
    if salary is None:
        salary = salary_from_periods(periods, birth)
    movable = spec["mov"]
    interest = spec.get("interest")
    if interest is None:     # larger deposits earn 0.5 %, booked to the citizen
        supported = any(m["relation"] in ("parent", "grandparent") for m in members)
        interest = round100(movable * 0.005) if movable >= 500000 and not supported else 0
    amounts = {"salary": salary, "business": spec.get("biz", 0),
               "interest": interest, "dividend": spec.get("dividend", 0),
               "rent": spec.get("rent", 0), "pension": spec.get("pension", 0),
               "other": spec.get("other", 0)}
    items = [{"kind": k, "amount": v} for k, v in amounts.items() if v]
    personal = sum(amounts.values())
    if "hh_pc" in spec:      # household income fixed by a per-capita target
        household = spec["hh_pc"] * 12 * size
    else:
        household = personal + spec.get("hh_other", 0)
    pc = per_capita(household, size)

    # means test --------------------------------------------------------------
    re_value = spec["re"]
    lo_mov, lo_re = LOW_PROP.get(city, LOW_PROP_DEFAULT)
    mid_mov, mid_re = MID_PROP.get(city, MID_PROP_DEFAULT)
    low = (pc <= MIN_LIVING[city] and movable / size <= lo_mov
           and re_value <= lo_re)
    midlow = (not low and pc <= MID_LOW[city] and movable / size <= mid_mov
              and re_value <= mid_re)

    # labour insurance ----------------------------------------------------------
    currently = bool(periods) and periods[-1]["end"] is None
    total_days = sum(((p["end"] or REF) - p["start"]).days + 1 for p in periods)
    labor = {
        "currently_insured": currently,
        "current_employer": periods[-1]["employer"] if currently else None,
        "insured_monthly_salary": insured_grade(periods[-1]["wage"]) if periods else 0,
        "total_insured_years": years1(total_days),
        "employment_insurance_years_last_3y": ei_years_last_3y(periods, birth),
        "periods": [{"employer": p["employer"], "industry": p["industry"],
                     "occupation": p["occupation"],
                     "start": p["start"].isoformat(),
                     "end": p["end"].isoformat() if p["end"] else None,
                     "separation_reason": p["reason"]} for p in periods],
        "job_seeker_registered": spec.get("seeker", False),
        "receiving": list(spec.get("lrecv", [])),
    }

    # NHI category -------------------------------------------------------------
    if low:
        category = 5
    elif "nhi_cat" in spec:
        category = spec["nhi_cat"]
    elif currently:
        category = 2 if is_union(periods[-1]) else 1
    else:
        category = 6

    # education ------------------------------------------------------------------
    degrees = spec.get("degrees", [])
    highest = "none"
    for dg in degrees:
        if EDU_RANK[dg["level"]] >= EDU_RANK[highest]:
            highest = dg["level"]
    enroll = spec.get("enroll")

    # visits ------------------------------------------------------------------------
    vspecs = [] if spec.get("no_base_visits") else base_visits(rng, age_on(birth))
    vspecs += spec.get("visits", [])
    visits = gen_visits(rng, vspecs)
    cat_chapters = set(spec.get("cat_ch", ""))
    oop = out_of_pocket(visits, low, cat_chapters, spec.get("oop_extra", 0))

    # welfare ---------------------------------------------------------------------------
    wrecv = set(spec.get("wrecv", []))
    if low:
        wrecv.add("mohw.low_income_household")
    if midlow:
        wrecv.add("mohw.mid_low_income_household")
    if spec.get("cat"):
        wrecv.add("nhia.catastrophic_illness")
    if low or midlow or wrecv & {"mohw.disability_living_allowance",
                                 "mohw.mid_low_income_elderly_allowance",
                                 "mohw.special_circumstances_family"}:
        wrecv.add("mohw.resilience_extra_allowance")
    unknown = wrecv - set(WELFARE_SERVICES)
    assert not unknown, (cid, unknown)

    def member_out(m):
        a = member_age(m)
        stu = m["stu"] if m["stu"] is not None else 6 <= a <= 17
        return {"relation": m["relation"], "birth_date": m["birth"].isoformat(),
                "disability": m["dis"], "student": stu}

    records = {
        "household.registration": {
            "birth_date": birth.isoformat(), "gender": gender, "city": city,
            "district": spec["dist"], "marital_status": spec["marital"],
            "indigenous": spec.get("indig", False), "household_size": size,
            "members": [member_out(m) for m in members],
        },
        "tax.income": {"year": TAX_YEAR, "personal_annual_income": personal,
                       "household_annual_income": household, "items": items},
        "tax.property": {"year": TAX_YEAR,
                         "household_real_estate_value": re_value,
                         "household_movable_assets": movable,
                         "owns_home": spec["home"],
                         "vehicles": spec.get("cars", 0)},
        "labor.insurance_history": labor,
        "education.degrees": {
            "highest_level": highest,
            "degrees": [{"level": x["level"], "school": x["school"],
                         "major": x["major"], "graduation_year": x["year"]}
                        for x in degrees],
            "certificates": list(spec.get("certs", [])),
        },
        "education.enrollment": {
            "enrolled": enroll is not None,
            "level": enroll[0] if enroll else None,
            "school": enroll[1] if enroll else None,
            "public_school": enroll[2] if enroll else None,
        },
        "health.nhi_enrollment": {
            "category": category, "premium_arrears": spec.get("arrears", 0),
            "catastrophic_illness": spec.get("cat", False),
            "pregnant": spec.get("preg", False),
        },
        "health.medical_visits": {
            "last_12_months": [{"date": x.isoformat(), "department": dep,
                                "icd10_chapter": ch} for x, dep, ch in visits],
            "out_of_pocket_last_12_months": oop,
        },
        "welfare.status": {
            "low_income_household": low, "mid_low_income_household": midlow,
            "disability_certificate": spec.get("dcert"),
            "ltc_cms_level": spec.get("ltc", 0),
            "receiving": [s for s in WELFARE_SERVICES if s in wrecv],
        },
    }
    b.out = {
        "id": cid,
        "persona_en": spec["persona"],
        "situations": list(spec["sit"]),
        "identity": {"name": spec["name"], "national_id": nid,
                     "nhi_card_number": nhi,
                     "id_issue_date": issue_date.isoformat(),
                     "id_issue_type": issue_type},
        "records": records,
    }
    b.facts = dict(birth=birth, age=age_on(birth), size=size, pc=pc, low=low,
                   midlow=midlow, periods=periods, members=members,
                   issue_date=issue_date, visits=visits, salary=salary,
                   amounts=amounts)
    return b


# ---------------------------------------------------------------------------
# Consistency checks
# ---------------------------------------------------------------------------
SITUATIONS = [
    "involuntary_job_loss", "contract_end", "voluntary_quit",
    "long_term_unemployment", "youth_first_job", "single_parent",
    "low_income_household", "mid_low_income_household", "near_threshold",
    "disability", "elderly_needing_care", "elderly_independent", "caregiver",
    "pregnancy", "newborn_or_toddler", "students", "migrant_spouse", "debt",
    "recent_bereavement", "occupational_injury", "indigenous", "retiree",
    "entrepreneur", "well_off", "mental_health", "disaster_victim",
    "catastrophic_illness",
]
RELATIONS = ["spouse", "child", "parent", "grandparent", "grandchild",
             "sibling", "other"]
REASONS = [None, "involuntary", "voluntary", "retirement", "contract_end",
           "injury"]
DCERTS = [None, "mild", "moderate", "severe", "profound"]
SECONDARY_PLUS = ["senior_high", "vocational_high", "associate", "bachelor",
                  "master", "doctorate"]
CONDITION_DEPTS = {"rehabilitation", "neurology", "psychiatry", "ophthalmology",
                   "otolaryngology", "nephrology", "orthopedics", "urology",
                   "endocrinology", "cardiology"}


class CheckError(AssertionError):
    pass


def ensure(cond, cid, msg):
    if not cond:
        raise CheckError(f"{cid}: {msg}")


def is_date(s):
    return isinstance(s, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", s) and d(s)


def children(b, max_age=None, min_age=0):
    return [m for m in b.facts["members"] if m["relation"] == "child"
            and min_age <= member_age(m) and (max_age is None or member_age(m) < max_age)]


def allowance_property_ok(r, size):
    p = r["tax.property"]
    return (p["household_movable_assets"] <= ALLOWANCE_MOVABLE_FIRST
            + ALLOWANCE_MOVABLE_EXTRA * (size - 1)
            and p["household_real_estate_value"] <= ALLOWANCE_REAL_ESTATE)


def qualifies(sid, b):
    """Would this citizen really qualify for service sid (checkable parts of
    services.yaml's eligibility list)?"""
    r, f = b.out["records"], b.facts
    hh, wf = r["household.registration"], r["welfare.status"]
    city, age, pc, size = hh["city"], f["age"], f["pc"], f["size"]
    recv = set(wf["receiving"])
    enr = r["education.enrollment"]
    income = r["tax.income"]
    two_half = pc < 2.5 * MIN_LIVING[city] and pc < CONSUMPTION_CAP
    if sid == "wda.disability_employment":
        return wf["disability_certificate"] is not None
    if sid == "mohw.low_income_household":
        return f["low"]
    if sid == "mohw.mid_low_income_household":
        return f["midlow"]
    if sid == "mohw.resilience_extra_allowance":
        return f["low"] or f["midlow"] or bool(recv & {
            "mohw.disability_living_allowance",
            "mohw.mid_low_income_elderly_allowance",
            "mohw.special_circumstances_family"})
    if sid == "mohw.special_circumstances_family":
        status = hh["marital_status"]
        reason = ((status == "widowed" and age <= 65)
                  or (status in ("divorced", "single", "widowed")
                      and children(b, 18) and not any(m["relation"] == "spouse" for m in f["members"]))
                  or any(m["relation"] == "grandchild" and member_age(m) < 18 for m in f["members"]))
        return (pc <= 2.5 * MIN_LIVING[city] and pc <= CONSUMPTION_CAP
                and allowance_property_ok(r, size) and bool(reason))
    if sid == "nlma.rent_subsidy_300b":
        mult = 3.5 if hh["marital_status"] == "married" or children(b, 18) else 3
        return (age >= 18 and not r["tax.property"]["owns_home"]
                and pc < mult * MIN_LIVING[city])
    if sid == "taipei.low_income_rent_subsidy":
        return city == "臺北市" and f["low"] and not r["tax.property"]["owns_home"]
    if sid == "mohw.childcare_allowance_under2":
        n = len(children(b, 2))
        return n >= 1 and ("mohw.quasi_public_childcare" not in recv or n >= 2)
    if sid == "moe.childcare_allowance_2to5":
        n = len(children(b, 5, 2))
        return n >= 1 and (not recv & {"moe.public_preschool_fee_cap",
                                       "mohw.quasi_public_childcare"}
                           or len(children(b, 7, 2)) >= 2)
    if sid == "mohw.quasi_public_childcare":
        return len(children(b, 2)) >= 1
    if sid == "moe.public_preschool_fee_cap":
        return len(children(b, 7, 2)) >= 1
    if sid == "moe.tuition_waiver_disadvantaged":
        disabled = (wf["disability_certificate"] is not None
                    or any(m["relation"] == "parent" and m["dis"] for m in f["members"]))
        return (enr["enrolled"] and enr["level"] in SECONDARY_PLUS
                and (f["low"] or f["midlow"] or hh["indigenous"]
                     or (disabled and income["household_annual_income"] <= 2200000)))
    if sid == "moe.student_loan":
        other_student = any(m["student"] and m["relation"] in ("sibling", "child")
                            for m in hh["members"])
        return (enr["enrolled"] and enr["level"] in SECONDARY_PLUS
                and (income["household_annual_income"] <= 1200000 or other_student))
    if sid == "moe.college_disadvantaged_grant":
        interest = sum(i["amount"] for i in income["items"] if i["kind"] == "interest")
        return (enr["enrolled"] and enr["level"] in ("associate", "bachelor")
                and income["household_annual_income"] <= 700000 and interest <= 20000
                and r["tax.property"]["household_real_estate_value"] <= 6500000)
    if sid == "mohw.long_term_care":
        return wf["ltc_cms_level"] >= 2 and (
            age >= 65 or (hh["indigenous"] and age >= 55)
            or wf["disability_certificate"] is not None)
    if sid == "mohw.ltc_respite":
        return wf["ltc_cms_level"] >= 2
    if sid == "mohw.mid_low_income_elderly_allowance":
        return age >= 65 and two_half and allowance_property_ok(r, size)
    if sid == "mohw.elderly_special_care_allowance":
        return 16 <= age < 65 and any(
            m["relation"] in ("parent", "grandparent", "spouse") and member_age(m) >= 65
            for m in f["members"])
    if sid == "mohw.disability_living_allowance":
        return (wf["disability_certificate"] is not None and two_half
                and allowance_property_ok(r, size))
    if sid == "mohw.assistive_device_subsidy":
        return wf["disability_certificate"] is not None
    if sid == "nhia.catastrophic_illness":
        return r["health.nhi_enrollment"]["catastrophic_illness"]
    if sid == "kcg.vulnerable_medical_assistance":
        return city == "高雄市" and (f["low"] or f["midlow"] or bool(recv & {
            "mohw.mid_low_income_elderly_allowance",
            "mohw.disability_living_allowance"}))
    if sid == "mohw.family_caregiver_support":
        return any(m["dis"] or member_age(m) >= 65 for m in f["members"])
    raise CheckError(f"no qualification check for {sid}")


def check_schema(cid, records):
    ensure(list(records) == list(SCHEMA), cid, f"datasets {list(records)}")
    for ds, fields in SCHEMA.items():
        ensure(list(records[ds]) == fields, cid, f"{ds} fields {list(records[ds])}")
    for (ds, field), sub in NESTED.items():
        for row in records[ds][field]:
            ensure(list(row) == sub, cid, f"{ds}.{field} row fields {list(row)}")


def check_identity(b):
    cid, f = b.out["id"], b.facts
    ident = b.out["identity"]
    hh = b.out["records"]["household.registration"]
    nid = ident["national_id"]
    ensure(national_id_valid(nid), cid, f"invalid national id {nid}")
    g = hh["gender"]
    ensure((g == "M" and nid[1] == "1") or (g == "F" and nid[1] == "2")
           or (g == "X" and nid[1] in "12"), cid, "gender digit")
    ensure(nid[0] == CITY_LETTER[hh["city"]] or "id_letter" in b.spec, cid,
           "id letter differs from the city without an explicit reason")
    ensure(re.fullmatch(r"\d{12}", ident["nhi_card_number"]), cid, "NHI card")
    ensure(ident["id_issue_type"] in ("初發", "補發", "換發"), cid, "issue type")
    issued = d(ident["id_issue_date"])
    ensure(add_years(f["birth"], 14) <= issued <= REF, cid,
           f"id issued {issued} before 14th birthday or in the future")
    ensure(ident["name"] and len(ident["name"]) >= 2, cid, "name")
    if b.spec.get("naturalised"):
        ensure(ident["id_issue_type"] == "初發" and issued == d(b.spec["naturalised"]),
               cid, "a naturalised citizen's first ID is issued on naturalisation")


def check_household(b):
    cid, f = b.out["id"], b.facts
    hh = b.out["records"]["household.registration"]
    ensure(is_date(hh["birth_date"]), cid, "birth date")
    ensure(hh["gender"] in ("F", "M", "X"), cid, "gender")
    ensure(hh["city"] in CITY_DISTRICTS, cid, f"city {hh['city']}")
    ensure(hh["district"] in CITY_DISTRICTS[hh["city"]], cid,
           f"district {hh['district']} not in {hh['city']}")
    ensure(hh["marital_status"] in ("single", "married", "divorced", "widowed"), cid, "marital")
    ensure(hh["household_size"] == 1 + len(hh["members"]), cid, "household size")
    birth = f["birth"]
    spouses = 0
    for m, mo in zip(f["members"], hh["members"]):
        ensure(m["relation"] in RELATIONS, cid, f"relation {m['relation']}")
        ensure(m["birth"] <= REF, cid, "member born in the future")
        a = member_age(m)
        rel = m["relation"]
        if rel == "spouse":
            spouses += 1
            ensure(hh["marital_status"] == "married" and a >= 18, cid, "spouse")
        if rel == "child":
            ensure(m["birth"] >= add_years(birth, 16), cid, "child too old for the citizen")
        if rel == "grandchild":
            ensure(m["birth"] >= add_years(birth, 32), cid, "grandchild")
        if rel == "parent":
            ensure(birth >= add_years(m["birth"], 16), cid, "parent too young")
        if rel == "grandparent":
            ensure(birth >= add_years(m["birth"], 32), cid, "grandparent too young")
        if rel == "sibling":
            ensure(abs((m["birth"] - birth).days) <= 25 * 366, cid, "sibling")
        if mo["student"]:
            ensure(6 <= a <= 30, cid, f"member student at {a}")
        if 6 <= a <= 15:
            ensure(mo["student"], cid, f"compulsory-school-age member not a student ({a})")
    ensure(spouses <= 1, cid, "several spouses")


def check_income(b):
    cid, f = b.out["id"], b.facts
    r = b.out["records"]
    inc, prop = r["tax.income"], r["tax.property"]
    ensure(inc["year"] == TAX_YEAR and prop["year"] == TAX_YEAR, cid, "tax year")
    kinds = ["salary", "business", "interest", "dividend", "rent", "pension", "other"]
    for it in inc["items"]:
        ensure(it["kind"] in kinds and isinstance(it["amount"], int) and it["amount"] > 0,
               cid, f"income item {it}")
    ensure(len({it["kind"] for it in inc["items"]}) == len(inc["items"]), cid, "dup item")
    ensure(inc["personal_annual_income"] == sum(i["amount"] for i in inc["items"]), cid,
           "personal income != sum of items")
    ensure(inc["household_annual_income"] >= inc["personal_annual_income"], cid,
           "household income < personal income")
    if f["size"] == 1:
        ensure(inc["household_annual_income"] == inc["personal_annual_income"], cid,
               "one-person household income differs from personal income")
    for k in ("household_real_estate_value", "household_movable_assets", "vehicles"):
        ensure(isinstance(prop[k], int) and prop[k] >= 0, cid, k)
    if prop["owns_home"]:
        ensure(prop["household_real_estate_value"] > 0, cid, "owns a home worth nothing")
    elif prop["household_real_estate_value"] > 0:
        # owns_home is about the citizen or spouse; the real estate must then
        # belong to another household member (parents, grandparents, ...) or
        # be land (a farmer's fields).
        ensure(any(m["relation"] not in ("spouse",) for m in f["members"])
               or b.spec.get("farmer"), cid, "real estate without an owner")
    # 2025 salary must come from labour-insured employment in 2025
    y0, y1 = date(TAX_YEAR, 1, 1), date(TAX_YEAR, 12, 31)
    days = sum(overlap_days(p["start"], p["end"] or REF, y0, y1)
               for p in f["periods"] if not is_union(p))
    salary = f["amounts"]["salary"]
    ensure((salary > 0) == (days > 0), cid, f"salary {salary} vs {days} insured days in 2025")
    lo_ok = (f["pc"] <= MIN_LIVING[r["household.registration"]["city"]])
    ensure(not (f["low"] and f["midlow"]), cid, "both low and mid-low income")
    ensure(not f["low"] or lo_ok, cid, "low-income flag")
    w = r["welfare.status"]
    ensure(w["low_income_household"] == f["low"]
           and w["mid_low_income_household"] == f["midlow"], cid, "welfare flags")


def check_labor(b):
    cid, f = b.out["id"], b.facts
    lab = b.out["records"]["labor.insurance_history"]
    periods, birth, age = f["periods"], f["birth"], f["age"]
    prev_end = None
    for i, p in enumerate(periods):
        ensure(p["start"] >= add_years(birth, 15), cid, "insured before 15")
        ensure(p["reason"] in REASONS, cid, f"reason {p['reason']}")
        if p["end"] is None:
            ensure(i == len(periods) - 1, cid, "open period not last")
            ensure(p["reason"] is None, cid, "open period with separation reason")
        else:
            ensure(p["start"] <= p["end"] <= REF, cid, f"period dates {p}")
            ensure(p["reason"] is not None, cid, "closed period without reason")
        if prev_end is not None:
            ensure(p["start"] > prev_end, cid, "periods overlap or not chronological")
        prev_end = p["end"]
        if p["reason"] == "retirement":
            ensure(age_on(birth, p["end"]) >= 55, cid, "retired before 55")
        ensure(p["wage"] > 0, cid, "period without wage")
    ensure(lab["currently_insured"] == (bool(periods) and periods[-1]["end"] is None), cid,
           "currently_insured")
    if lab["currently_insured"]:
        ensure(lab["current_employer"] == periods[-1]["employer"], cid, "current employer")
    else:
        ensure(lab["current_employer"] is None, cid, "employer while uninsured")
    total = sum(((p["end"] or REF) - p["start"]).days + 1 for p in periods) / 365.25
    ensure(abs(lab["total_insured_years"] - total) <= 0.051, cid, "total insured years")
    eiy = lab["employment_insurance_years_last_3y"]
    ensure(0 <= eiy <= 3.0, cid, "eiy range")
    if not periods:
        ensure(eiy == 0 and lab["insured_monthly_salary"] == 0, cid, "never insured")
    ensure(lab["insured_monthly_salary"] in INSURED_GRADES + [0], cid, "insured salary grade")
    if lab["job_seeker_registered"]:
        ensure(not lab["currently_insured"], cid, "job seeker while insured")
    recv = set(lab["receiving"])
    ensure(recv <= set(BLI_CODES), cid, f"unknown BLI codes {recv - set(BLI_CODES)}")
    ensure(len(recv) == len(lab["receiving"]), cid, "dup BLI code")
    ensure(not {"unemployment_benefit", "vocational_training_allowance"} <= recv, cid,
           "unemployment benefit and training allowance together")
    last = periods[-1] if periods else None
    wf = b.out["records"]["welfare.status"]
    hh = b.out["records"]["household.registration"]
    if "unemployment_benefit" in recv:
        ensure(last and last["reason"] == "involuntary" and not lab["currently_insured"]
               and lab["job_seeker_registered"] and eiy >= 1.0
               and (REF - last["end"]).days <= 274, cid, "unemployment benefit not plausible")
    if "vocational_training_allowance" in recv:
        special = (45 <= age <= 65 or wf["disability_certificate"] is not None
                   or hh["indigenous"] or f["low"] or f["midlow"])
        ensure(lab["job_seeker_registered"] and not lab["currently_insured"]
               and ((last and last["reason"] == "involuntary" and eiy >= 1) or special),
               cid, "training allowance not plausible")
    if "parental_leave_allowance" in recv:
        ensure(lab["currently_insured"] and lab["total_insured_years"] >= 1
               and children(b, 3), cid, "parental leave allowance")
    if "old_age_benefit" in recv:
        ensure(not lab["currently_insured"] and age >= 60
               and any(p["reason"] == "retirement" for p in periods), cid, "old-age benefit")
    if "disability_pension" in recv:
        ensure(wf["disability_certificate"] in ("severe", "profound") and 25 <= age < 65,
               cid, "disability pension")
    if "occupational_accident_benefit" in recv:
        ensure(any(p["reason"] == "injury" and (REF - p["end"]).days <= 730 for p in periods),
               cid, "occupational accident benefit without a recent injury")


def check_education(b):
    cid, f = b.out["id"], b.facts
    r = b.out["records"]
    ed, en = r["education.degrees"], r["education.enrollment"]
    best = "none"
    for dg in ed["degrees"]:
        ensure(dg["level"] in EDU_ORDER[1:], cid, f"degree level {dg['level']}")
        grad_age = dg["graduation_year"] - f["birth"].year
        ensure(EDU_GRAD_AGE[dg["level"]] - 1 <= grad_age, cid, f"graduated too young {dg}")
        ensure(dg["graduation_year"] <= REF.year, cid, "graduates in the future")
        if EDU_RANK[dg["level"]] >= EDU_RANK[best]:
            best = dg["level"]
    ensure(ed["highest_level"] == best, cid, "highest level")
    years = [dg["graduation_year"] for dg in ed["degrees"]]
    ensure(years == sorted(years), cid, "degrees not chronological")
    if en["enrolled"]:
        lo, hi = ENROLL_AGES[en["level"]]
        ensure(lo <= f["age"] <= hi, cid, f"enrolled in {en['level']} at {f['age']}")
        ensure(isinstance(en["school"], str) and isinstance(en["public_school"], bool), cid,
               "enrolment school")
        ensure(EDU_RANK[en["level"]] > EDU_RANK[ed["highest_level"]]
               or en["level"] in ("master", "doctorate"), cid, "enrolled below own degree")
    else:
        ensure(en["level"] is None and en["school"] is None and en["public_school"] is None,
               cid, "not enrolled but level/school set")


def check_health(b):
    cid, f = b.out["id"], b.facts
    r = b.out["records"]
    nhi, mv = r["health.nhi_enrollment"], r["health.medical_visits"]
    lab = r["labor.insurance_history"]
    ensure(nhi["category"] in range(1, 7), cid, "NHI category")
    ensure((nhi["category"] == 5) == f["low"], cid, "category 5 iff low-income")
    if not f["low"]:
        periods = f["periods"]
        if lab["currently_insured"]:
            want = 2 if is_union(periods[-1]) else 1
            ensure(nhi["category"] == want, cid, "insured person's NHI category")
        elif nhi["category"] == 1:
            ensure(f["amounts"]["business"] > 0, cid, "category 1 without job or business")
        elif nhi["category"] == 3:
            ensure(b.spec.get("farmer"), cid, "category 3 for a non-farmer")
        else:
            ensure(nhi["category"] == 6, cid, "uninsured person should be category 6")
    ensure(isinstance(nhi["premium_arrears"], int) and nhi["premium_arrears"] >= 0, cid, "arrears")
    dates = [v["date"] for v in mv["last_12_months"]]
    ensure(dates == sorted(dates), cid, "visits not sorted")
    for v in mv["last_12_months"]:
        ensure(WINDOW_START <= d(v["date"]) <= REF, cid, "visit outside last 12 months")
        ensure(re.fullmatch(r"[A-Z]", v["icd10_chapter"]), cid, "chapter letter")
    chapters = Counter(v["icd10_chapter"] for v in mv["last_12_months"])
    depts = Counter(v["department"] for v in mv["last_12_months"])
    hh = r["household.registration"]
    if nhi["pregnant"]:
        ensure(hh["gender"] == "F" and 15 <= f["age"] <= 50, cid, "pregnant")
        ensure(sum(1 for v in mv["last_12_months"] if v["department"] == "obstetrics"
                   and v["icd10_chapter"] == "O") >= 2, cid, "pregnant without obstetric visits")
    if chapters["O"]:
        ensure(nhi["pregnant"] or children(b, 1), cid, "pregnancy visits without pregnancy/baby")
    if nhi["catastrophic_illness"]:
        cat_ch = b.spec.get("cat_ch", "")
        ensure(cat_ch and sum(chapters[c] for c in cat_ch) >= 3, cid,
               "catastrophic illness without matching visits")
    if r["welfare.status"]["disability_certificate"]:
        ensure(sum(depts[x] for x in CONDITION_DEPTS) >= 2, cid,
               "disability without fitting visits")
    psych = sum(1 for v in mv["last_12_months"]
                if v["department"] == "psychiatry" and v["icd10_chapter"] == "F")
    ensure((psych > 0) == ("mental_health" in b.out["situations"]), cid,
           "psychiatry visits iff mental_health")
    oop = mv["out_of_pocket_last_12_months"]
    ensure(isinstance(oop, int) and 0 <= oop <= 200000, cid, "out of pocket")
    ensure(oop >= 50 * len(dates), cid, "out of pocket below registration fees")


def check_welfare(b):
    cid, f = b.out["id"], b.facts
    w = b.out["records"]["welfare.status"]
    hh = b.out["records"]["household.registration"]
    ensure(w["disability_certificate"] in DCERTS, cid, "certificate")
    ltc = w["ltc_cms_level"]
    ensure(ltc == 0 or 2 <= ltc <= 8, cid, "ltc level")
    if ltc:
        ensure(f["age"] >= 65 or w["disability_certificate"]
               or (hh["indigenous"] and f["age"] >= 55), cid, "ltc assessed for whom?")
    for sid in w["receiving"]:
        ensure(qualifies(sid, b), cid, f"receives {sid} without qualifying")
    ensure(w["low_income_household"] == ("mohw.low_income_household" in w["receiving"]), cid,
           "low-income status vs receiving")
    ensure(w["mid_low_income_household"] == ("mohw.mid_low_income_household" in w["receiving"]),
           cid, "mid-low status vs receiving")
    recv = set(w["receiving"])
    ensure(not {"mohw.childcare_allowance_under2", "mohw.quasi_public_childcare"} <= recv
           or len(children(b, 2)) >= 2, cid, "under-2 allowance and daycare subsidy together")


def check_situations(b):
    cid, f = b.out["id"], b.facts
    r = b.out["records"]
    sits = b.out["situations"]
    ensure(sits and len(set(sits)) == len(sits), cid, "situations empty or duplicated")
    for s in sits:
        ensure(s in SITUATIONS, cid, f"unknown situation {s}")
    hh, lab, wf = r["household.registration"], r["labor.insurance_history"], r["welfare.status"]
    nhi, en = r["health.nhi_enrollment"], r["education.enrollment"]
    last = f["periods"][-1] if f["periods"] else None
    age, persona = f["age"], b.out["persona_en"].lower()
    S = set(sits)
    city = hh["city"]

    def tag(name, cond, both=False):
        if name in S:
            ensure(cond, cid, f"situation {name} does not hold")
        elif both:
            ensure(not cond, cid, f"situation {name} holds but is not listed")

    recent = lambda days: last and last["end"] and (REF - last["end"]).days <= days
    tag("involuntary_job_loss", last and last["reason"] == "involuntary" and recent(366))
    tag("contract_end", last and last["reason"] == "contract_end" and recent(366))
    tag("voluntary_quit", last and last["reason"] == "voluntary" and recent(731))
    tag("long_term_unemployment", last and last["end"] and (REF - last["end"]).days > 365
        and not en["enrolled"] and age < 65)
    tag("youth_first_job", 15 <= age <= 29 and not f["periods"] and not en["enrolled"]
        and r["education.degrees"]["highest_level"] not in ("none", "elementary"))
    tag("single_parent", hh["marital_status"] != "married" and children(b, 18)
        and not any(m["relation"] == "spouse" for m in f["members"]))
    tag("low_income_household", f["low"], both=True)
    tag("mid_low_income_household", f["midlow"], both=True)
    dist = min(abs(f["pc"] - MIN_LIVING[city]), abs(f["pc"] - MID_LOW[city]))
    tag("near_threshold", dist <= 1)
    tag("disability", wf["disability_certificate"] is not None, both=True)
    tag("elderly_needing_care", age >= 65 and wf["ltc_cms_level"] >= 2)
    tag("elderly_independent", age >= 65 and wf["ltc_cms_level"] == 0)
    tag("caregiver", any(m["dis"] or member_age(m) >= 65 for m in f["members"]))
    tag("pregnancy", nhi["pregnant"], both=True)
    tag("newborn_or_toddler", children(b, 6))
    tag("students", en["enrolled"])
    tag("migrant_spouse", bool(b.spec.get("naturalised")), both=True)
    tag("debt", nhi["premium_arrears"] >= 10000
        and r["tax.property"]["household_movable_assets"] / f["size"] <= 150000
        and f["pc"] <= MID_LOW[city])
    tag("recent_bereavement", "died" in persona or "widowed in" in persona)
    tag("occupational_injury", any(p["reason"] == "injury" for p in f["periods"]))
    tag("indigenous", hh["indigenous"], both=True)
    tag("retiree", any(p["reason"] == "retirement" for p in f["periods"])
        and "old_age_benefit" in lab["receiving"])
    tag("entrepreneur", f["amounts"]["business"] > 0)
    tag("well_off", f["pc"] >= 60000 and not f["low"] and not f["midlow"]
        and r["tax.property"]["household_real_estate_value"]
        + r["tax.property"]["household_movable_assets"] >= 8000000)
    tag("disaster_victim", any(w in persona for w in ("typhoon", "earthquake", "flood",
                                                       "landslide")))
    tag("catastrophic_illness", nhi["catastrophic_illness"], both=True)


def check_all(built):
    for b in built:
        check_schema(b.out["id"], b.out["records"])
        check_identity(b)
        check_household(b)
        check_income(b)
        check_labor(b)
        check_education(b)
        check_health(b)
        check_welfare(b)
        check_situations(b)
    ids = [b.out["identity"]["national_id"] for b in built]
    nhis = [b.out["identity"]["nhi_card_number"] for b in built]
    assert len(set(ids)) == len(ids), "duplicate national ids"
    assert len(set(nhis)) == len(nhis), "duplicate NHI card numbers"
    assert len(built) >= 80, "fewer than 80 citizens"
    counts = Counter(s for b in built for s in b.out["situations"])
    thin = {s: counts[s] for s in SITUATIONS if counts[s] < 4}
    assert not thin, f"situations with fewer than 4 citizens: {thin}"
    return counts


# ---------------------------------------------------------------------------
# Cross-checks with the spec files (when present)
# ---------------------------------------------------------------------------
def find_spec_dir():
    for cand in (REPO / "datasets" / "spec", REPO.parent / "shared" / "spec"):
        if (cand / "services.yaml").exists() and (cand / "datasets.yaml").exists():
            return cand
    return None


def parse_city_table(text, key):
    m = re.search(rf"^  {key}:\n((?:    \S+: \d+\n)+)", text, re.M)
    assert m, f"table {key} not found in services.yaml"
    return {k: int(v) for k, v in re.findall(r"^    (\S+): (\d+)$", m.group(1), re.M)}


def parse_dataset_fields(text):
    fields, nested, ds, top = {}, {}, None, None
    text = text[text.index("\ndatasets:\n"):]
    for line in text.splitlines():
        m = re.match(r"^  - id: (\S+)$", line)
        if m:
            ds = m.group(1)
            fields[ds] = []
            continue
        if ds is None:
            continue
        m = re.match(r"^      (\w+):", line)
        if m:
            top = m.group(1)
            fields[ds].append(top)
            continue
        m = re.match(r"^        (?:- |  )(\w+):", line)
        if m:
            nested.setdefault((ds, top), []).append(m.group(1))
    return fields, nested


def cross_check_spec(spec_dir):
    services = (spec_dir / "services.yaml").read_text(encoding="utf-8")
    assert parse_city_table(services, "cities") == MIN_LIVING, "minimum living cost differs"
    assert parse_city_table(services, "mid_low_income_threshold") == MID_LOW, \
        "mid-low-income thresholds differ"
    ids = set(re.findall(r"^- id: (\S+)$", services, re.M))
    missing = [s for s in WELFARE_SERVICES if s not in ids]
    assert not missing, f"service ids not in services.yaml: {missing}"
    for city, (mov, rev) in LOW_PROP.items():
        block = re.search(rf"^    {city}:\n((?:      .*\n)+)", services, re.M).group(1)
        assert f"low_income_movable_per_person: {mov}" in block, city
        assert rev == LOW_PROP_DEFAULT[1] or f"low_income_real_estate: {rev}" in block, city
    fields, nested = parse_dataset_fields((spec_dir / "datasets.yaml").read_text(encoding="utf-8"))
    assert fields == SCHEMA, f"datasets.yaml fields differ: {fields}"
    assert nested == {k: v for k, v in NESTED.items()}, f"nested fields differ: {nested}"


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------
README_HEAD = """# Synthetic citizens

{n} invented people, one JSON file each (`cNNN.json`), with all nine MyData
datasets of `shared/spec/datasets.yaml` filled in with exactly the fields
listed there. They are fiction: names, national IDs (valid check digits) and
NHI card numbers are made up. Use them for rule tests (`navigator eval rules`),
recommendation tests and demos.

* Reference date ("now"): **2026-12-01** (ages, "last 12 months", open
  insurance periods). Tax and property data: tax year **2025**.
* Thresholds: `minimum_living_cost` of `shared/spec/services.yaml` (2026).

## Regenerate

```
python3 tools/gen_citizens.py            # rewrites datasets/citizens/
python3 tools/gen_citizens.py --check    # only builds and runs the assertions
python3 tools/gen_citizens.py --out /tmp/c && diff -r /tmp/c datasets/citizens
```

The generator uses only the Python 3.11 standard library and fixed seeds; two
runs give byte-identical files. The people are written by hand in the
`CITIZENS` list of the generator; everything derivable (labour-insurance
totals, 2025 salary, per-capita income, low/mid-low-income status, NHI
category, ID check digit, visit dates, out-of-pocket costs, ...) is computed,
then checked by assertions (schema, ID checksum, household and income sums,
means tests, insurance periods, benefit plausibility, education, health,
welfare-service eligibility, and that every listed situation really holds).
Edit a spec there and rerun, never edit the JSON by hand.

## Citizens

| id | persona | situations |
| --- | --- | --- |
"""

README_NOTES = """
## Boundary cases

| id | boundary |
| --- | --- |
{boundaries}

## Conventions and approximations

* **Per-capita income** = `household_annual_income / 12 / household_size`
  (services.yaml definition). `household_annual_income` is the 2025 income of
  the people registered in the household *now*; a member who died in 2026 is
  no longer in `members` and his or her income is not counted (the bereaved
  personas say who died).
* **Low-income status** (`welfare.status.low_income_household`) is true iff
  per-capita income <= the city's minimum living cost AND movable assets per
  person and household real estate are under the limits. services.yaml gives
  property limits only for 新北市 (100,000 / 4,720,000), 桃園市 (96,000 /
  4,700,000) and 高雄市 (movable 95,000); elsewhere we use **movable <= 100,000
  per person and real estate <= 4,000,000** as a plausible approximation.
  **Mid-low-income** is true iff not low-income AND per-capita <= the city's
  mid-low threshold AND movable <= 150,000 per person (桃園市 144,000) and
  real estate <= 5,600,000 (桃園市 5,640,000). Real social assistance counts
  family by kinship and imputes income to people able to work; these flags
  follow the dataset-level rule only.
* Allowances tested against 2.5x the minimum living cost (disability living
  allowance, mid-low-income senior allowance, special-circumstances family)
  use the disability allowance's property limits (movable 2,000,000 + 250,000
  per extra person, real estate 6,500,000) for all three.
* `welfare.status.receiving` lists catalogue service ids already granted. The
  statuses themselves are listed too (`mohw.low_income_household`,
  `mohw.mid_low_income_household`), as is `nhia.catastrophic_illness` for
  certificate holders, and `mohw.resilience_extra_allowance` (paid
  automatically in 2026) for everybody who qualifies for it. Each id is
  checked against the checkable eligibility conditions of services.yaml.
* **NHI category**: 5 iff low-income household (even when employed, as the
  brief asks); otherwise 1 for people currently labour-insured through an
  employer and for business owners/self-employed with business income, 2 for
  members insured through an occupational union, 3 for farmers, 6 for
  everybody else (unemployed, homemakers, students, retirees, dependants).
* **Labour insurance**: period days are counted inclusively; `total_insured_years`
  = days / 365.25 rounded to one decimal. `employment_insurance_years_last_3y`
  = employment-insured days in the three years up to the end of the last
  period (up to 2026-12-01 for someone still insured), / 365.25, one decimal;
  periods insured through an occupational union or a fishermen's association
  and time after 65 carry no employment insurance. `insured_monthly_salary`
  is the grade (2026 table, capped at 45,800) matching the wage of the last
  period.
* **2025 salary** = monthly wage x 13 (one month of bonus) pro rata to the
  insured days in 2025, rounded to 100 (a few boundary citizens set it
  exactly). Union-insured and self-employed people declare business/other
  income instead. Deposits of 500,000 or more earn interest of 0.5 %, booked
  to the citizen unless he or she lives with parents or grandparents.
* Labour-insurance `receiving` short codes used: {bli_codes}.
* **Medical visits**: everybody has ordinary visits (colds, dentist, check-ups;
  more for older people) plus condition visits. Pregnancy = obstetrics /
  chapter O; mental health = psychiatry / chapter F (dementia is coded G,
  neurology, so it does not count as mental health); cancer C; dialysis N;
  injuries S. `out_of_pocket_last_12_months` = registration and co-payments
  (50 a visit for low-income households, 150 for visits covered by a
  catastrophic-illness certificate, 100-520 otherwise) plus self-paid items.
* **National ID**: the letter is that of the city of registration except
  where the spec says otherwise (first registered elsewhere); the gender digit
  is 1 or 2 (the one gender-X citizen has 2). Naturalised citizens' IDs were
  first issued (初發) on naturalisation; others have 初發 at 14-16, the 2005
  nationwide replacement (換發), a later 換發, or a 補發 after a loss.
* `owns_home` follows datasets.yaml literally ("citizen or spouse owns a
  dwelling"): someone living in a parent's or grandparent's home has
  `owns_home: false` while `household_real_estate_value` includes that home.
  (services.yaml's rent-subsidy rule reads the field as "no family member
  owns a dwelling"; the lease condition is to be confirmed anyway.)
* `education.degrees` holds Taiwanese (MOE) records only: naturalised citizens
  schooled abroad may have `highest_level: none` or a supplementary-school
  (補校) degree.
* `disability_pension` in `labor.insurance_history.receiving` is the National
  Pension disability (basic guaranteed) pension, which the Bureau of Labor
  Insurance also pays; it can appear for someone never labour-insured.
* Every member aged 6-15 is a student; members aged 16-17 are students unless
  stated; older members only when stated.

## Situation coverage

| situation | citizens |
| --- | --- |
{coverage}
"""


def write_outputs(built, counts, out_dir: Path):
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in sorted(out_dir.glob("c[0-9][0-9][0-9].json")):
        old.unlink()
    for b in built:
        text = json.dumps(b.out, ensure_ascii=False, indent=2) + "\n"
        (out_dir / f"{b.out['id']}.json").write_text(text, encoding="utf-8")
    rows = []
    for b in built:
        persona = b.out["persona_en"].replace("|", "/")
        rows.append(f"| {b.out['id']} | {persona} | {', '.join(b.out['situations'])} |")
    bounds = [f"| {b.out['id']} | {b.spec['boundary']} |" for b in built if b.spec.get("boundary")]
    cov = [f"| {s} | {counts[s]} |" for s in SITUATIONS]
    text = (README_HEAD.format(n=len(built)) + "\n".join(rows) + "\n"
            + README_NOTES.format(boundaries="\n".join(bounds),
                                  bli_codes=", ".join(f"`{c}`" for c in BLI_CODES),
                                  coverage="\n".join(cov)))
    (out_dir / "README.md").write_text(text, encoding="utf-8")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "datasets" / "citizens")
    ap.add_argument("--check", action="store_true", help="build and assert only")
    args = ap.parse_args(argv)

    specs = CITIZENS
    for i, spec in enumerate(specs, 1):
        spec["id"] = f"c{i:03d}"
    used_ids, used_nhi = set(), set()
    built = [build(s, used_ids, used_nhi) for s in specs]
    counts = check_all(built)
    spec_dir = find_spec_dir()
    if spec_dir:
        cross_check_spec(spec_dir)
    else:
        print("note: spec files not found; skipped the cross-check", file=sys.stderr)
    if not args.check:
        write_outputs(built, counts, args.out)
    print(f"{len(built)} citizens, all checks passed"
          + ("" if args.check else f"; written to {args.out}"))
    for s in SITUATIONS:
        print(f"  {s:26s} {counts[s]}")
    return 0


# ---------------------------------------------------------------------------
# The citizens. Ids are assigned in this order (c001, c002, ...).
# Amounts: wage = monthly wage; biz/other/... = personal 2025 income items;
# hh_other = 2025 income of the other household members; hh_pc = fix the
# household income so that per-capita monthly income is exactly this figure;
# re / mov = household real estate / movable assets.
# ---------------------------------------------------------------------------
CITIZENS = [
    # ---- job loss ------------------------------------------------------------
    dict(persona="Plastics-factory machine operator, 47, laid off when the plant closed in "
                 "August 2026; wife at home, two children in school; drawing unemployment benefit",
         sit=["involuntary_job_loss"],
         name="王志明", g="M", birth="1979-05-14", city="新北市", dist="板橋區", marital="married",
         members=[K("spouse", "1981-02-20"), K("child", "2011-04-09"), K("child", "2015-09-30")],
         jobs=[J("建隆電子零件股份有限公司", "電子零組件製造業", "作業員", "1999-07-01", "2008-02-15",
                 "voluntary", 28000),
               J("鴻昇塑膠工業股份有限公司", "塑膠製品製造業", "射出成型機操作員", "2008-03-01",
                 "2026-08-31", "involuntary", 41000)],
         seeker=True, lrecv=["unemployment_benefit"],
         re=4200000, mov=720000, home=True, cars=1,
         degrees=[D("vocational_high", "臺北縣立三重高級商工職業學校", "機械科", 1997)],
         certs=["丙級機械加工技術士"],
         visits=[V("orthopedics", "M", 2)]),
    dict(persona="Department-store sales clerk, 34, living alone in a rented flat in 新莊; lost her "
                 "job when the store closed in October 2026; registered at the job centre, benefit "
                 "not yet paid",
         sit=["involuntary_job_loss"],
         name="林雅婷", g="F", birth="1992-03-18", city="新北市", dist="新莊區", marital="single",
         jobs=[J("和昇便利商店股份有限公司", "零售業", "門市店員", "2014-07-01", "2019-04-15",
                 "voluntary", 26000),
               J("家福生活百貨股份有限公司", "零售業", "專櫃銷售員", "2019-05-01", "2026-10-15",
                 "involuntary", 33000)],
         seeker=True,
         re=0, mov=260000, home=False,
         degrees=[D("senior_high", "新北市立新莊高級中學", "普通科", 2010),
                  D("bachelor", "醒吾科技大學", "觀光休閒系", 2014)]),
    dict(persona="Mechanical design engineer who turned 45 on 2026-12-01; laid off at 44 in a "
                 "June 2026 restructuring and receiving unemployment benefit; wife works, one child",
         sit=["involuntary_job_loss"],
         boundary="age exactly 45 on 2026-12-01 (born 1981-12-01)",
         name="陳建宏", g="M", birth="1981-12-01", city="臺中市", dist="西屯區", marital="married",
         members=[K("spouse", "1983-07-11"), K("child", "2016-05-02")],
         jobs=[J("台中精密工具股份有限公司", "機械設備製造業", "助理工程師", "2006-09-01",
                 "2010-07-15", "voluntary", 30000),
               J("昱成精密機械股份有限公司", "機械設備製造業", "機械設計工程師", "2010-08-01",
                 "2026-06-30", "involuntary", 52000)],
         seeker=True, lrecv=["unemployment_benefit"], hh_other=480000,
         re=5200000, mov=1100000, home=True, cars=1,
         degrees=[D("vocational_high", "臺中市立臺中高級工業職業學校", "機械科", 2000),
                  D("bachelor", "國立勤益科技大學", "機械工程系", 2004)],
         certs=["乙級電腦輔助機械設計製圖技術士"]),
    dict(persona="Electronics quality inspector, 44 (45 tomorrow), laid off in September 2026; "
                 "divorced, raising a 12-year-old daughter; in a full-time course on a training "
                 "allowance instead of unemployment benefit",
         sit=["involuntary_job_loss", "single_parent", "mid_low_income_household"],
         boundary="age 44, turns 45 on 2026-12-02 (born 1981-12-02)",
         name="黃淑芬", g="F", birth="1981-12-02", city="高雄市", dist="前鎮區", marital="divorced",
         members=[K("child", "2014-08-19")],
         jobs=[J("前鎮電子股份有限公司", "電子零組件製造業", "作業員", "2003-07-01", "2011-12-31",
                 "voluntary", 25000),
               J("南星光電股份有限公司", "電子零組件製造業", "品管員", "2012-03-01", "2026-09-30",
                 "involuntary", 34000)],
         seeker=True, lrecv=["vocational_training_allowance"],
         re=0, mov=90000, home=False,
         degrees=[D("vocational_high", "高雄市立中正高級工業職業學校", "電子科", 2000)],
         certs=["丙級電腦軟體應用技術士"],
         wrecv=["mohw.special_circumstances_family", "kcg.vulnerable_medical_assistance"]),
    dict(persona="Warehouse picker, 31, laid off in November 2026 after about ten and a half "
                 "months in the job: only 0.9 years of employment insurance in the last 3 years, "
                 "just short of the 1-year requirement; lives with his parents",
         sit=["involuntary_job_loss"],
         boundary="employment_insurance_years_last_3y = 0.9",
         name="劉家豪", g="M", birth="1995-04-22", city="桃園市", dist="中壢區", marital="single",
         members=[K("parent", "1963-10-05"), K("parent", "1966-01-30")],
         jobs=[J("大園物流倉儲股份有限公司", "倉儲業", "理貨員", "2018-09-01", "2022-05-31",
                 "voluntary", 30000),
               J("中壢捷運物流股份有限公司", "倉儲業", "揀貨員", "2026-01-05", "2026-11-20",
                 "involuntary", 31000)],
         seeker=True, other=120000, hh_other=720000,
         re=3800000, mov=600000, home=False, cars=1,
         degrees=[D("vocational_high", "桃園市立中壢高級商業職業學校", "資料處理科", 2013)]),
    dict(persona="Food-factory packer, 38, who went back to work after years at home with her son "
                 "and was laid off after exactly one year (1.0 year of employment insurance in the "
                 "last 3 years); registered at the job centre, benefit not yet paid",
         sit=["involuntary_job_loss"],
         boundary="employment_insurance_years_last_3y = 1.0",
         name="張美玲", g="F", birth="1988-06-09", city="臺南市", dist="永康區", marital="married",
         members=[K("spouse", "1986-02-14"), K("child", "2019-10-03")],
         jobs=[J("永和食品股份有限公司", "食品製造業", "生產線作業員", "2007-08-01", "2023-06-30",
                 "voluntary", 29000),
               J("永康鮮食股份有限公司", "食品製造業", "包裝作業員", "2025-11-20", "2026-11-19",
                 "involuntary", 30500)],
         seeker=True, hh_other=620000,
         re=2900000, mov=520000, home=True, cars=1,
         degrees=[D("vocational_high", "臺南市私立南英高級商工職業學校", "食品加工科", 2006)]),
    dict(persona="Research assistant, 27, with a master's degree; his one-year university project "
                 "contract ended in July 2026; lives with his parents and sister in 文山",
         sit=["contract_end"],
         name="吳冠廷", g="M", birth="1999-03-15", city="臺北市", dist="文山區", marital="single",
         members=[K("parent", "1968-04-02"), K("parent", "1970-09-17"),
                  K("sibling", "2003-06-21", stu=True)],
         jobs=[J("國立政治大學", "教育業", "專任研究助理", "2025-08-01", "2026-07-31",
                 "contract_end", 36000)],
         seeker=True, hh_other=1650000,
         re=9800000, mov=2400000, home=False, cars=1,
         degrees=[D("bachelor", "國立政治大學", "社會學系", 2021),
                  D("master", "國立政治大學", "社會學研究所", 2024)]),
    dict(persona="Project administrator, 41, whose two-year fixed-term contract at a science-park "
                 "firm ended in September 2026; two children aged 7 and 3 (the younger at home, "
                 "on the childcare allowance)",
         sit=["contract_end", "newborn_or_toddler"],
         name="蔡佩君", g="F", birth="1985-04-28", city="新竹市", dist="東區", marital="married",
         members=[K("spouse", "1983-11-02"), K("child", "2019-02-11"), K("child", "2023-06-15")],
         jobs=[J("竹科晶元股份有限公司", "半導體製造業", "行政助理", "2008-07-01", "2021-02-28",
                 "voluntary", 32000),
               J("新竹新創科技股份有限公司", "半導體製造業", "專案行政助理（定期契約）",
                 "2024-10-01", "2026-09-30", "contract_end", 38000)],
         hh_other=1480000,
         re=6800000, mov=1300000, home=True, cars=1,
         degrees=[D("bachelor", "中華大學", "企業管理學系", 2007)],
         wrecv=["moe.childcare_allowance_2to5"]),
    dict(persona="Township-office contract cleaner, 58, whose three-year temporary contract ended "
                 "in June 2026; lives with his wife and his 86-year-old mother, who needs daily care",
         sit=["contract_end", "caregiver", "mid_low_income_household"],
         name="鄭宇翔", g="M", birth="1968-02-17", city="嘉義縣", dist="民雄鄉", marital="married",
         members=[K("spouse", "1970-05-05"), K("parent", "1940-09-09", dis=True)],
         jobs=[J("民雄紡織股份有限公司", "紡織業", "織布機操作員", "1988-09-01", "2023-03-31",
                 "involuntary", 32000),
               J("嘉義縣民雄鄉公所", "公共行政業", "臨時清潔人員（定期契約）", "2023-07-01",
                 "2026-06-30", "contract_end", 29500)],
         seeker=True, hh_other=240000,
         re=2200000, mov=300000, home=True, cars=1,
         degrees=[D("junior_high", "嘉義縣立民雄國民中學", "普通班", 1983)],
         wrecv=["mohw.family_caregiver_support", "mohw.elderly_special_care_allowance"]),
    dict(persona="NGO project social worker, 29, whose one-year contract ended in July 2026; "
                 "lives with her mother in 淡水",
         sit=["contract_end"],
         name="許家瑜", g="F", birth="1997-05-20", city="新北市", dist="淡水區", marital="single",
         members=[K("parent", "1969-03-03")],
         jobs=[J("菁英文理補習班", "補習教育業", "課輔老師", "2020-07-01", "2025-06-30",
                 "voluntary", 30000),
               J("財團法人淡水社區文教基金會", "社會服務業", "專案社工（一年期約）", "2025-08-01",
                 "2026-07-31", "contract_end", 35000)],
         seeker=True, hh_other=520000,
         re=4100000, mov=800000, home=False,
         degrees=[D("bachelor", "淡江大學", "教育科技學系", 2019)]),
    dict(persona="Amis rebar worker, 36, whose construction project ended in October 2026; wife "
                 "works part-time, two children in school; their house in 吉安 was damaged by "
                 "flooding in the 2026 typhoon season; on a vocational training allowance",
         sit=["contract_end", "indigenous", "mid_low_income_household", "disaster_victim"],
         name="馬耀·谷木", g="M", birth="1990-07-07", city="花蓮縣", dist="吉安鄉", marital="married",
         indig=True,
         members=[K("spouse", "1992-12-25"), K("child", "2015-03-10"), K("child", "2018-08-08")],
         jobs=[J("洄瀾營造有限公司", "營造業", "鋼筋工", "2010-09-01", "2023-12-31",
                 "contract_end", 33000),
               J("東部營造股份有限公司", "營造業", "鋼筋工", "2024-04-01", "2026-10-20",
                 "contract_end", 38000)],
         seeker=True, lrecv=["vocational_training_allowance"], hh_other=330000,
         re=1600000, mov=200000, home=True, cars=1,
         degrees=[D("vocational_high", "國立花蓮高級工業職業學校", "土木科", 2008)],
         certs=["丙級鋼筋技術士"]),
    dict(persona="Software engineer, 33, who quit in August 2026 after burnout and depression; "
                 "sees a psychiatrist monthly; lives alone with savings but no job",
         sit=["voluntary_quit", "mental_health"],
         name="李承翰", g="M", birth="1993-01-20", city="臺北市", dist="中山區", marital="single",
         jobs=[J("碼農數位股份有限公司", "資訊服務業", "軟體工程師", "2016-08-01", "2019-08-15",
                 "voluntary", 52000),
               J("雲端方舟軟體股份有限公司", "資訊服務業", "資深軟體工程師", "2019-09-01",
                 "2026-08-31", "voluntary", 78000)],
         re=0, mov=2600000, home=False,
         degrees=[D("bachelor", "國立臺灣科技大學", "資訊工程系", 2015)],
         visits=[V("psychiatry", "F", 8, "2026-04-01")], oop_extra=12000),
    dict(persona="Insurance administrator, 36, who quit in April 2026 to care full-time for her "
                 "68-year-old mother with dementia; treated for anxiety",
         sit=["voluntary_quit", "caregiver", "mental_health"],
         name="蘇怡君", g="F", birth="1990-10-10", city="新北市", dist="中和區", marital="single",
         members=[K("parent", "1958-04-15", dis=True)],
         jobs=[J("安泰保險經紀人股份有限公司", "金融保險業", "行政專員", "2013-07-01",
                 "2026-04-30", "voluntary", 40000)],
         hh_other=180000,
         re=3600000, mov=900000, home=False,
         degrees=[D("bachelor", "輔仁大學", "會計學系", 2012)],
         visits=[V("psychiatry", "F", 4, "2026-05-01")],
         wrecv=["mohw.family_caregiver_support"]),
    dict(persona="Junior software tester, 24, who quit his first job after eight months in May "
                 "2026 and has been looking for work for six months; lives with his parents and "
                 "younger brother",
         sit=["voluntary_quit"],
         name="趙振宇", g="M", birth="2002-06-06", city="臺中市", dist="北屯區", marital="single",
         members=[K("parent", "1972-08-08"), K("parent", "1975-01-19"),
                  K("sibling", "2006-03-30", stu=True)],
         jobs=[J("智測科技股份有限公司", "資訊服務業", "軟體測試工程師", "2025-09-15",
                 "2026-05-31", "voluntary", 34000)],
         seeker=True, hh_other=1250000,
         re=5500000, mov=900000, home=False, cars=1,
         degrees=[D("bachelor", "逢甲大學", "資訊工程學系", 2024)]),
    dict(persona="Department-store floor supervisor who turned 30 on 2026-12-01; quit in October "
                 "2026 to study for the civil-service exam; married, renting",
         sit=["voluntary_quit"],
         boundary="age exactly 30 on 2026-12-01 (born 1996-12-01): too old for 15-29 youth schemes",
         name="周品妤", g="F", birth="1996-12-01", city="桃園市", dist="桃園區", marital="married",
         members=[K("spouse", "1994-05-05")],
         jobs=[J("桃城百貨股份有限公司", "零售業", "樓面主管", "2018-07-01", "2026-10-31",
                 "voluntary", 36000)],
         seeker=True, hh_other=720000,
         re=0, mov=650000, home=False,
         degrees=[D("bachelor", "元智大學", "國際企業學系", 2018)]),
    dict(persona="Former process engineer, 39, who quit in mid-2025 to open a specialty coffee "
                 "roastery; married, one child",
         sit=["voluntary_quit", "entrepreneur"],
         name="楊凱文", g="M", birth="1987-09-09", city="新竹縣", dist="竹北市", marital="married",
         members=[K("spouse", "1989-02-02"), K("child", "2020-03-03")],
         jobs=[J("台灣晶圓製造股份有限公司", "半導體製造業", "製程工程師", "2012-10-01",
                 "2025-06-30", "voluntary", 90000)],
         biz=420000, hh_other=900000, nhi_cat=1,
         re=8500000, mov=3200000, home=True, cars=1,
         degrees=[D("bachelor", "國立成功大學", "材料科學及工程學系", 2009),
                  D("master", "國立交通大學", "材料科學與工程學系", 2011)]),
    # ---- long-term unemployment ---------------------------------------------------
    dict(persona="Former container-truck driver, 52, laid off in March 2024 and doing odd jobs "
                 "since; wife cleans part-time, son at university; low-income household with "
                 "NT$28,000 of old health-insurance arrears and card debt",
         sit=["long_term_unemployment", "low_income_household", "debt"],
         name="謝國華", g="M", birth="1974-01-25", city="基隆市", dist="七堵區", marital="married",
         members=[K("spouse", "1976-08-08"), K("child", "2006-05-20", stu=True)],
         jobs=[J("基隆港貨櫃運輸股份有限公司", "運輸倉儲業", "貨櫃車司機", "1996-06-01",
                 "2024-03-31", "involuntary", 42000)],
         seeker=True, other=48000, hh_other=300000, arrears=28000,
         re=1500000, mov=120000, home=True,
         degrees=[D("junior_high", "基隆市立七堵國民中學", "普通班", 1989)],
         certs=["職業聯結車駕駛執照"]),
    dict(persona="Former textile-mill spinner, 49, unemployed since the mill moved abroad in "
                 "2023; registered job seeker now in a government care-worker course with a "
                 "training allowance; husband drives a delivery van, daughter in senior high",
         sit=["long_term_unemployment", "mid_low_income_household"],
         name="江美華", g="F", birth="1977-03-03", city="臺南市", dist="安南區", marital="married",
         members=[K("spouse", "1975-01-01"), K("child", "2008-11-11", stu=True)],
         jobs=[J("安南紡織股份有限公司", "紡織業", "紡紗作業員", "1995-08-01", "2023-05-31",
                 "involuntary", 31000)],
         seeker=True, lrecv=["vocational_training_allowance"], hh_other=560000,
         re=2400000, mov=200000, home=True, cars=1,
         degrees=[D("junior_high", "臺南市立安南國民中學", "普通班", 1992)]),
    dict(persona="Communication graduate, 28, unemployed since a six-month contract ended in "
                 "mid-2024; treated for depression; lives with his parents",
         sit=["long_term_unemployment", "mental_health"],
         name="何俊傑", g="M", birth="1998-08-18", city="高雄市", dist="苓雅區", marital="single",
         members=[K("parent", "1966-02-11"), K("parent", "1969-12-03")],
         jobs=[J("港都整合行銷有限公司", "廣告業", "行銷助理（短期約）", "2024-02-01",
                 "2024-07-31", "contract_end", 30000)],
         hh_other=1100000,
         re=4500000, mov=1200000, home=False, cars=1,
         degrees=[D("bachelor", "義守大學", "大眾傳播學系", 2021)],
         visits=[V("psychiatry", "F", 10)]),
    dict(persona="Former weaving-mill worker, 60, unemployed since 2022; lives with her 63-year-old "
                 "husband; household income per person exactly at 彰化縣's mid-low-income line "
                 "(NT$23,273)",
         sit=["long_term_unemployment", "mid_low_income_household", "near_threshold"],
         boundary="per-capita income = 23,273 = mid-low-income threshold of 彰化縣 (qualifies)",
         name="羅秀英", g="F", birth="1966-05-12", city="彰化縣", dist="和美鎮", marital="married",
         members=[K("spouse", "1963-02-02")],
         jobs=[J("和美織造股份有限公司", "紡織業", "整經作業員", "1984-03-01", "2022-08-31",
                 "involuntary", 30000)],
         hh_pc=23273,
         re=1900000, mov=260000, home=True,
         degrees=[D("elementary", "彰化縣和美鎮和美國民小學", "普通班", 1978)]),
    dict(persona="Former auto-parts quality technician, 41, partly paralysed by a stroke in 2023 "
                 "(moderate disability); unemployed since, registered for supported employment; "
                 "lives with his elderly parents",
         sit=["long_term_unemployment", "disability", "mid_low_income_household"],
         name="曾文彬", g="M", birth="1984-12-12", city="桃園市", dist="八德區", marital="single",
         members=[K("parent", "1955-06-06"), K("parent", "1958-07-07")],
         jobs=[J("八德汽車零件股份有限公司", "汽車零件製造業", "品保技術員", "2006-09-01",
                 "2023-09-30", "voluntary", 39000)],
         seeker=True, hh_other=420000,
         re=3000000, mov=350000, home=False,
         degrees=[D("associate", "萬能科技大學", "車輛工程系（二專）", 2005)],
         certs=["丙級汽車修護技術士"], dcert="moderate",
         visits=[V("rehabilitation", "I", 20), V("neurology", "I", 4)],
         wrecv=["mohw.disability_living_allowance", "mohw.assistive_device_subsidy",
                "wda.disability_employment"]),
    # ---- first job -------------------------------------------------------------------
    dict(persona="New graduate, 22, bachelor's degree in June 2026, looking for her first job "
                 "for five months; never insured; lives with her parents in 士林",
         sit=["youth_first_job"],
         name="陳怡安", g="F", birth="2004-03-08", city="臺北市", dist="士林區", marital="single",
         members=[K("parent", "1970-01-01"), K("parent", "1972-02-02"),
                  K("sibling", "2007-07-07", stu=True)],
         seeker=True, hh_other=1900000,
         re=12000000, mov=2000000, home=False, cars=1,
         degrees=[D("senior_high", "臺北市立士林高級商業職業學校", "普通科", 2022),
                  D("bachelor", "國立臺北教育大學", "數位科技設計學系", 2026)]),
    dict(persona="Junior-college graduate, 22, who finished his one-year military service in July "
                 "2026 and is looking for a first job; never insured",
         sit=["youth_first_job"],
         name="林冠宇", g="M", birth="2004-11-19", city="臺南市", dist="東區", marital="single",
         members=[K("parent", "1976-05-05"), K("parent", "1978-10-10")],
         seeker=True, hh_other=980000,
         re=3200000, mov=600000, home=False, cars=1,
         degrees=[D("associate", "遠東科技大學", "機械工程科（五專）", 2025)],
         certs=["丙級機器腳踏車修護技術士"]),
    dict(persona="Food-science master's graduate (June 2026), 25, looking for her first job; "
                 "never insured; lives with her parents and grandmother",
         sit=["youth_first_job"],
         name="黃郁婷", g="F", birth="2001-04-04", city="臺中市", dist="南屯區", marital="single",
         members=[K("parent", "1971-03-03"), K("parent", "1973-04-04"),
                  K("grandparent", "1942-05-05")],
         hh_other=1600000,
         re=6000000, mov=1800000, home=False, cars=1,
         degrees=[D("bachelor", "國立中興大學", "食品暨應用生物科技學系", 2023),
                  D("master", "國立中興大學", "食品暨應用生物科技學系", 2026)]),
    dict(persona="Vocational-high graduate, 19, raised by his 76-year-old grandmother; "
                 "low-income household; never insured, looking for his first job",
         sit=["youth_first_job", "low_income_household"],
         name="王柏翰", g="M", birth="2007-02-14", city="屏東縣", dist="屏東市", marital="single",
         members=[K("grandparent", "1950-06-06")],
         seeker=True, hh_other=96000,
         re=600000, mov=40000, home=False,
         degrees=[D("vocational_high", "國立屏東高級工業職業學校", "電機科", 2025)],
         certs=["丙級室內配線技術士"]),
    dict(persona="Political-science graduate who turned 29 on 2026-12-01; spent years preparing "
                 "for civil-service exams, never insured, now looking for a first job",
         sit=["youth_first_job"],
         boundary="age exactly 29 on 2026-12-01 (born 1997-12-01)",
         name="張晉維", g="M", birth="1997-12-01", city="新北市", dist="三重區", marital="single",
         members=[K("parent", "1965-08-08"), K("parent", "1967-09-09")],
         seeker=True, hh_other=1050000,
         re=5000000, mov=700000, home=False, cars=1,
         degrees=[D("senior_high", "新北市立三重高級中學", "普通科", 2016),
                  D("bachelor", "東吳大學", "政治學系", 2020)]),
    dict(persona="Atayal young woman, 21, in 尖石; helped on the family peach orchard after senior "
                 "high and now looks for her first job; never insured",
         sit=["youth_first_job", "indigenous", "mid_low_income_household"],
         name="伊萬·諾幹", g="F", birth="2005-01-20", city="新竹縣", dist="尖石鄉", marital="single",
         indig=True,
         members=[K("parent", "1975-04-04"), K("parent", "1978-06-06"), K("sibling", "2010-09-09")],
         seeker=True, hh_other=780000,
         re=800000, mov=180000, home=False, cars=1,
         degrees=[D("senior_high", "國立關西高級中學", "普通科", 2023)]),
    dict(persona="Master's graduate who left a PhD programme, 29 (30 on 2026-12-02); never "
                 "insured, looking for a first job in data analysis; lives with his parents",
         sit=["youth_first_job"],
         boundary="age 29, turns 30 on 2026-12-02 (born 1996-12-02)",
         name="吳宗翰", g="M", birth="1996-12-02", city="高雄市", dist="楠梓區", marital="single",
         members=[K("parent", "1964-03-03"), K("parent", "1967-05-05")],
         seeker=True, hh_other=1300000,
         re=4800000, mov=1500000, home=False, cars=1,
         degrees=[D("bachelor", "國立中山大學", "應用數學系", 2019),
                  D("master", "國立中山大學", "應用數學系", 2022)]),
    # ---- single parents -------------------------------------------------------------
    dict(persona="Supermarket section supervisor, 38 (born on 29 February), divorced and raising "
                 "two children; receives a little child support; mid-low-income household",
         sit=["single_parent", "mid_low_income_household"],
         name="林淑惠", g="F", birth="1988-02-29", city="新北市", dist="土城區", marital="divorced",
         members=[K("child", "2016-07-07"), K("child", "2020-03-03")],
         jobs=[J("大潤量販股份有限公司", "零售業", "生鮮課主管", "2017-04-01", None, None, 48000)],
         other=36000,
         re=0, mov=150000, home=False,
         degrees=[D("vocational_high", "新北市私立能仁高級家事商業職業學校", "商業經營科", 2006)],
         wrecv=["mohw.special_circumstances_family", "nlma.rent_subsidy_300b"]),
    dict(persona="City-bus driver, 44, whose wife died of cancer in March 2026; raising two "
                 "children aged 14 and 9 on his own",
         sit=["single_parent", "recent_bereavement"],
         name="陳俊宏", g="M", birth="1982-06-30", city="臺中市", dist="大里區", marital="widowed",
         members=[K("child", "2012-05-05"), K("child", "2017-01-17")],
         jobs=[J("中台灣客運股份有限公司", "運輸業", "公車駕駛", "2010-03-01", None, None, 46000)],
         re=3300000, mov=600000, home=True, cars=1,
         degrees=[D("vocational_high", "國立大里高級中學", "汽車科", 2000)],
         certs=["職業大客車駕駛執照"]),
    dict(persona="Unmarried mother, 31, raising a 4-year-old daughter alone in a rented room in "
                 "萬華; lost her part-time kitchen job at the end of 2025; low-income household",
         sit=["single_parent", "low_income_household", "newborn_or_toddler"],
         name="邱婉婷", g="F", birth="1995-09-09", city="臺北市", dist="萬華區", marital="single",
         members=[K("child", "2022-05-20")],
         jobs=[J("萬華小館餐飲有限公司", "餐飲業", "廚房助手（部分工時）", "2023-03-01",
                 "2025-12-31", "involuntary", 22000)],
         seeker=True, salary=264000,
         re=0, mov=30000, home=False,
         degrees=[D("vocational_high", "臺北市立松山家商", "餐飲管理科", 2013)],
         certs=["丙級中餐烹調技術士"],
         wrecv=["moe.childcare_allowance_2to5", "taipei.low_income_rent_subsidy"]),
    dict(persona="Unmarried mother, 22, with an 8-month-old son; left her part-time drink-shop job "
                 "late in pregnancy; lives with her own mother",
         sit=["single_parent", "newborn_or_toddler", "mid_low_income_household"],
         name="潘怡萱", g="F", birth="2004-04-04", city="屏東縣", dist="潮州鎮", marital="single",
         members=[K("child", "2026-03-25"), K("parent", "1978-10-10")],
         jobs=[J("潮州茶飲有限公司", "餐飲業", "店員（部分工時）", "2023-07-01", "2025-10-31",
                 "voluntary", 20000)],
         salary=200000, hh_other=380000,
         re=1200000, mov=90000, home=False,
         degrees=[D("vocational_high", "國立潮州高級中學", "綜合高中", 2022)],
         visits=[V("obstetrics", "O", 4, "2025-12-05", "2026-04-20")],
         wrecv=["mohw.childcare_allowance_under2"]),
    dict(persona="Vietnamese-born naturalised citizen, 39, electronics-factory operator, divorced "
                 "and raising two children; income per person NT$17,187, one dollar above "
                 "桃園市's low-income line, so mid-low-income instead",
         sit=["migrant_spouse", "single_parent", "mid_low_income_household", "near_threshold"],
         boundary="per-capita income = 17,187 = low-income threshold of 桃園市 + 1 (not low-income)",
         name="阮氏芳", g="F", birth="1987-08-08", city="桃園市", dist="平鎮區", marital="divorced",
         naturalised="2014-05-20",
         members=[K("child", "2013-06-06"), K("child", "2017-09-09")],
         jobs=[J("平鎮電子股份有限公司", "電子零組件製造業", "作業員", "2012-09-01", None, None, 47600)],
         salary=618732,
         re=0, mov=120000, home=False,
         degrees=[D("junior_high", "桃園市立平鎮國民中學附設國中補校", "補習學校", 2016)],
         wrecv=["mohw.special_circumstances_family"]),
    # ---- low-income / thresholds ------------------------------------------------
    dict(persona="Retired carpenter, 81, widower living alone in a rented room in 萬華; "
                 "low-income household; needs help with bathing and shopping (long-term care "
                 "level 4)",
         sit=["elderly_needing_care", "low_income_household"],
         name="李金龍", g="M", birth="1945-03-03", city="臺北市", dist="萬華區", marital="widowed",
         jobs=[J("萬華木器行", "木製品製造業", "木工", "1968-05-01", "2005-03-31",
                 "retirement", 24000)],
         re=0, mov=60000, home=False,
         degrees=[D("elementary", "臺北市萬華區老松國民小學", "普通班", 1957)],
         ltc=4, visits=[V("rehabilitation", "M", 6)],
         wrecv=["mohw.long_term_care", "taipei.low_income_rent_subsidy"]),
    dict(persona="Construction plasterer, 43, married with two children; household income per "
                 "person exactly 新北市's minimum living cost (NT$17,750) and deposits exactly "
                 "NT$100,000 per person, so the family just qualifies as low-income",
         sit=["near_threshold", "low_income_household"],
         boundary="per-capita income = 17,750 = low-income threshold of 新北市, movable assets = "
                  "100,000 per person = the 新北市 limit (qualifies)",
         name="蔡明哲", g="M", birth="1983-05-05", city="新北市", dist="樹林區", marital="married",
         members=[K("spouse", "1985-06-06"), K("child", "2012-12-12"), K("child", "2016-02-02")],
         jobs=[J("樹林營造有限公司", "營造業", "泥作工", "2008-01-01", None, None, 45000)],
         hh_pc=17750, interest=0,
         re=0, mov=400000, home=False, cars=1,
         degrees=[D("junior_high", "新北市立樹林國民中學", "普通班", 1998)],
         certs=["丙級泥水技術士"],
         wrecv=["nlma.rent_subsidy_300b"]),
    dict(persona="Part-time cleaner, 50, divorced, sole carer of her 17-year-old son with profound "
                 "cerebral palsy; low-income household in 三民區",
         sit=["caregiver", "low_income_household", "single_parent"],
         name="黃秀蘭", g="F", birth="1976-11-11", city="高雄市", dist="三民區", marital="divorced",
         members=[K("child", "2009-04-04", dis=True, stu=True)],
         jobs=[J("三民清潔服務有限公司", "清潔服務業", "清潔員（部分工時）", "2022-01-01", None,
                 None, 18000)],
         salary=216000,
         re=0, mov=50000, home=False,
         degrees=[D("junior_high", "高雄市立三民國民中學", "普通班", 1991)],
         wrecv=["kcg.vulnerable_medical_assistance", "mohw.family_caregiver_support",
                "nlma.rent_subsidy_300b"]),
    dict(persona="Hospital administrator, 46, married with two teenagers; household income per "
                 "person NT$24,648, one dollar above 臺中市's mid-low-income line, so the family "
                 "has neither status",
         sit=["near_threshold"],
         boundary="per-capita income = 24,648 = mid-low-income threshold of 臺中市 + 1 (no status)",
         name="楊雅雯", g="F", birth="1980-01-10", city="臺中市", dist="太平區", marital="married",
         members=[K("spouse", "1978-03-13"), K("child", "2010-10-10"), K("child", "2013-04-04")],
         jobs=[J("太平澄清醫院", "醫療保健業", "行政人員", "2005-07-01", None, None, 40000)],
         hh_pc=24648, interest=0,
         re=3500000, mov=400000, home=True, cars=1,
         degrees=[D("bachelor", "中山醫學大學", "醫務管理學系", 2002)]),
    dict(persona="Security guard, 56, divorced and living alone in a rented flat; income exactly "
                 "臺北市's mid-low-income line (NT$29,635 a month)",
         sit=["near_threshold", "mid_low_income_household"],
         boundary="per-capita income = 29,635 = mid-low-income threshold of 臺北市 (qualifies)",
         name="周文雄", g="M", birth="1970-04-04", city="臺北市", dist="大同區", marital="divorced",
         jobs=[J("大同保全股份有限公司", "保全業", "保全員", "2015-06-01", None, None, 29635)],
         salary=355620, interest=0,
         re=0, mov=140000, home=False,
         degrees=[D("senior_high", "臺北市立大同高級中學", "普通科", 1988)],
         wrecv=["nlma.rent_subsidy_300b"]),
    dict(persona="Retired ceramics-factory worker, 70, living with his wife in 金湖; income per "
                 "person NT$15,172, one dollar below 金門縣's minimum living cost: low-income",
         sit=["near_threshold", "low_income_household", "elderly_independent", "retiree"],
         boundary="per-capita income = 15,172 = low-income threshold of 金門縣 - 1 (qualifies)",
         name="許清水", g="M", birth="1956-08-08", city="金門縣", dist="金湖鎮", marital="married",
         members=[K("spouse", "1959-11-20")],
         jobs=[J("金門陶瓷廠股份有限公司", "陶瓷製造業", "窯場技術工", "1978-01-01", "2021-07-31",
                 "retirement", 33000)],
         lrecv=["old_age_benefit"], pension=216000, hh_pc=15172, interest=0,
         re=1400000, mov=150000, home=True,
         degrees=[D("junior_high", "金門縣立金湖國民中學", "普通班", 1971)]),
    # ---- disability -------------------------------------------------------------------
    dict(persona="Warehouse coordinator, 35, with a mild hearing impairment (wears hearing aids); "
                 "married, renting",
         sit=["disability"],
         name="郭志豪", g="M", birth="1991-02-02", city="臺南市", dist="北區", marital="married",
         members=[K("spouse", "1993-03-03")],
         jobs=[J("南都物流股份有限公司", "物流業", "倉儲管理員", "2016-03-01", None, None, 38000)],
         hh_other=450000,
         re=0, mov=500000, home=False,
         degrees=[D("bachelor", "長榮大學", "航運管理學系", 2013)],
         dcert="mild", visits=[V("otolaryngology", "H", 3)],
         wrecv=["mohw.assistive_device_subsidy"]),
    dict(persona="Plumber, 52, paralysed from the waist down after falling from scaffolding at work "
                 "in September 2025; left work in March 2026 and receives occupational-accident "
                 "benefits; wife works, son at university",
         sit=["occupational_injury", "disability", "catastrophic_illness"],
         name="蔡宗霖", g="M", birth="1974-09-09", city="新北市", dist="新店區", marital="married",
         members=[K("spouse", "1976-10-10"), K("child", "2005-02-02", stu=True)],
         jobs=[J("新店水電工程行", "營造業", "水電工", "2002-04-01", "2026-03-31", "injury", 44000)],
         lrecv=["occupational_accident_benefit"], salary=404000, hh_other=420000,
         re=3800000, mov=550000, home=True, cars=1,
         degrees=[D("vocational_high", "新北市立新北高級工業職業學校", "電機科", 1992)],
         certs=["乙級室內配線技術士", "丙級自來水管配管技術士"],
         dcert="severe", ltc=5, cat=True, cat_ch="S",
         visits=[V("rehabilitation", "S", 24), V("urology", "N", 4)],
         wrecv=["mohw.long_term_care", "mohw.ltc_respite", "mohw.disability_living_allowance",
                "mohw.assistive_device_subsidy"]),
    dict(persona="Young woman, 27, with cerebral palsy (profound disability) who uses a wheelchair "
                 "and needs help with all daily activities; lives with her parents; receives "
                 "long-term care at home and the disability pension",
         sit=["disability"],
         name="林佳蓉", g="F", birth="1999-05-05", city="臺中市", dist="太平區", marital="single",
         members=[K("parent", "1970-02-02", dis=False), K("parent", "1972-03-03")],
         lrecv=["disability_pension"], hh_other=980000,
         re=3900000, mov=800000, home=False, cars=1,
         degrees=[D("vocational_high", "國立臺中特殊教育學校", "綜合職能科", 2017)],
         dcert="profound", ltc=7,
         visits=[V("rehabilitation", "G", 24), V("neurology", "G", 3)],
         wrecv=["mohw.long_term_care", "mohw.ltc_respite", "mohw.disability_living_allowance",
                "mohw.assistive_device_subsidy"]),
    dict(persona="Blind massage therapist, 55 (severe visual impairment), insured through the "
                 "massage workers' union; married",
         sit=["disability"],
         name="陳明德", g="M", birth="1971-03-03", city="宜蘭縣", dist="羅東鎮", marital="married",
         members=[K("spouse", "1973-05-05")],
         jobs=[J("宜蘭縣按摩業職業工會", "按摩業", "視障按摩師", "2001-01-01", None, None, 30300)],
         biz=360000, hh_other=400000,
         re=2800000, mov=600000, home=True,
         degrees=[D("vocational_high", "國立臺中啟明學校", "按摩科", 1990)],
         certs=["視障按摩技術士"], dcert="severe",
         visits=[V("ophthalmology", "H", 3)],
         wrecv=["mohw.disability_living_allowance", "mohw.assistive_device_subsidy"]),
    dict(persona="Young woman, 24, with a mild intellectual disability and epilepsy, employed as a "
                 "bakery assistant through supported employment; lives with her parents",
         sit=["disability"],
         name="張雅惠", g="F", birth="2001-12-20", city="彰化縣", dist="員林市", marital="single",
         members=[K("parent", "1972-01-01"), K("parent", "1974-02-02")],
         jobs=[J("員林麥香烘焙坊", "食品製造業", "烘焙助理（支持性就業）", "2023-03-01", None,
                 None, 29500)],
         hh_other=900000,
         re=2600000, mov=700000, home=False, cars=1,
         degrees=[D("vocational_high", "國立員林高級家事商業職業學校", "綜合職能科", 2020)],
         dcert="mild", visits=[V("neurology", "G", 3)],
         wrecv=["wda.disability_employment", "mohw.disability_living_allowance"]),
    dict(persona="Man, 46, with schizophrenia (moderate disability, catastrophic-illness "
                 "certificate) who works part-time in a sheltered workshop; lives with his "
                 "76-year-old mother",
         sit=["mental_health", "disability", "catastrophic_illness", "mid_low_income_household"],
         name="吳俊賢", g="M", birth="1980-10-10", city="新北市", dist="三峽區", marital="single",
         members=[K("parent", "1950-01-15")],
         jobs=[J("三峽印刷股份有限公司", "印刷業", "印刷助理", "1999-08-01", "2004-05-31",
                 "voluntary", 22000),
               J("財團法人三峽康復之友基金會附設庇護工場", "社會服務業", "庇護性就業員工",
                 "2021-05-01", None, None, 15840)],
         salary=190000, hh_other=240000,
         re=2800000, mov=250000, home=False,
         degrees=[D("vocational_high", "新北市立鶯歌高級工商職業學校", "陶瓷工程科", 1998)],
         dcert="moderate", cat=True, cat_ch="F",
         visits=[V("psychiatry", "F", 12)],
         wrecv=["wda.disability_employment", "mohw.disability_living_allowance"]),
    # ---- older people -------------------------------------------------------------------
    dict(persona="Widow, 85, with moderate Alzheimer's disease (long-term care level 6), cared "
                 "for at home in 麻豆 by her son and daughter-in-law",
         sit=["elderly_needing_care"],
         name="陳罔市", g="F", birth="1941-02-14", city="臺南市", dist="麻豆區", marital="widowed",
         members=[K("child", "1963-03-03"), K("other", "1965-05-05")],
         hh_other=1000000,
         re=2500000, mov=1500000, home=True, cars=1,
         ltc=6, visits=[V("neurology", "G", 4)],
         wrecv=["mohw.long_term_care", "mohw.ltc_respite"]),
    dict(persona="Retired rice-mill worker, 78, left weak on one side by a 2024 stroke (long-term "
                 "care level 5), cared for by his 75-year-old wife in 玉里; their old house was "
                 "cracked in the 2026 earthquake",
         sit=["elderly_needing_care", "mid_low_income_household", "disaster_victim"],
         name="林添財", g="M", birth="1948-07-07", city="花蓮縣", dist="玉里鎮", marital="married",
         members=[K("spouse", "1951-09-09")],
         jobs=[J("玉里碾米廠", "食品製造業", "碾米工", "1970-03-01", "2008-07-31", "retirement",
                 26000)],
         rent=420000, interest=6000,
         re=900000, mov=80000, home=True,
         degrees=[D("elementary", "花蓮縣玉里鎮玉里國民小學", "普通班", 1961)],
         ltc=5, visits=[V("rehabilitation", "I", 12), V("neurology", "I", 3)],
         wrecv=["mohw.long_term_care", "mohw.ltc_respite",
                "mohw.mid_low_income_elderly_allowance"]),
    dict(persona="Retired steel-mill crane operator with Parkinson's disease who turned 65 on "
                 "2026-12-01, the day age alone makes him eligible for long-term care (assessed "
                 "level 3); early labour-insurance pension since 2024",
         sit=["elderly_needing_care", "retiree"],
         boundary="age exactly 65 on 2026-12-01 (born 1961-12-01)",
         name="廖明輝", g="M", birth="1961-12-01", city="雲林縣", dist="虎尾鎮", marital="married",
         members=[K("spouse", "1963-06-06")],
         jobs=[J("虎尾鋼鐵股份有限公司", "基本金屬製造業", "天車操作員", "1983-07-01",
                 "2024-06-30", "retirement", 42000)],
         lrecv=["old_age_benefit"], pension=150000, hh_other=300000,
         re=3000000, mov=900000, home=True, cars=1,
         degrees=[D("vocational_high", "國立虎尾高級農工職業學校", "機械科", 1980)],
         certs=["固定式起重機操作人員"],
         ltc=3, visits=[V("neurology", "G", 6)],
         wrecv=["mohw.long_term_care"]),
    dict(persona="Paiwan woman, 58, in 三地門 with diabetes and heart failure (long-term care "
                 "level 3, eligible from 55 as an indigenous person); widowed, lives with her son",
         sit=["indigenous", "mid_low_income_household"],
         name="潘春美", g="F", birth="1968-06-06", city="屏東縣", dist="三地門鄉", marital="widowed",
         indig=True,
         members=[K("child", "1992-08-08")],
         jobs=[J("三地門琉璃工藝社", "手工藝品製造業", "琉璃珠製作員", "1995-04-01",
                 "2022-12-31", "voluntary", 25000)],
         hh_other=480000,
         re=600000, mov=100000, home=True,
         degrees=[D("junior_high", "屏東縣立三地國民中學", "普通班", 1983)],
         ltc=3, visits=[V("endocrinology", "E", 6), V("cardiology", "I", 4)],
         wrecv=["mohw.long_term_care"]),
    dict(persona="Bedridden widow, 92, in 馬公 (long-term care level 8), looked after by her "
                 "66-year-old daughter",
         sit=["elderly_needing_care", "mid_low_income_household"],
         name="洪秀鳳", g="F", birth="1934-03-03", city="澎湖縣", dist="馬公市", marital="widowed",
         members=[K("child", "1960-04-04")],
         hh_other=420000,
         re=1100000, mov=180000, home=True,
         ltc=8, visits=[V("family_medicine", "I", 6), V("rehabilitation", "M", 4)],
         wrecv=["mohw.long_term_care", "mohw.ltc_respite",
                "mohw.mid_low_income_elderly_allowance"]),
    dict(persona="Retired fisherman, 80, on 南竿 (Matsu) with heart failure and limited mobility "
                 "(long-term care level 4), cared for by his 77-year-old wife",
         sit=["elderly_needing_care"],
         name="陳金官", g="M", birth="1946-09-19", city="連江縣", dist="南竿鄉", marital="married",
         members=[K("spouse", "1949-02-02")],
         jobs=[J("連江縣漁會", "漁業", "漁船船員（甲類會員）", "1968-01-01", "2011-12-31",
                 "retirement", 20008)],
         rent=120000, interest=3000,
         re=2200000, mov=500000, home=True,
         degrees=[D("elementary", "連江縣南竿鄉介壽國民小學", "普通班", 1958)],
         ltc=4, visits=[V("cardiology", "I", 4)],
         wrecv=["mohw.long_term_care", "mohw.ltc_respite"]),
    dict(persona="Retired securities executive, 70, living with his wife in 大安; labour-"
                 "insurance pension plus dividends and rent from a second flat; healthy and "
                 "independent",
         sit=["retiree", "elderly_independent", "well_off"],
         name="吳國棟", g="M", birth="1956-01-15", city="臺北市", dist="大安區", marital="married",
         members=[K("spouse", "1958-03-03")],
         jobs=[J("大安證券股份有限公司", "金融業", "協理", "1982-08-01", "2021-01-31",
                 "retirement", 150000)],
         lrecv=["old_age_benefit"], pension=480000, dividend=1200000, rent=600000,
         interest=80000, hh_other=300000,
         re=28000000, mov=15000000, home=True, cars=2,
         degrees=[D("bachelor", "國立臺灣大學", "經濟學系", 1978),
                  D("master", "國立臺灣大學", "經濟學研究所", 1982)],
         oop_extra=25000, visits=[V("family_medicine", "Z", 1)]),
    dict(persona="Retired hospital nurse, 67, drawing her labour-insurance old-age pension; lives "
                 "with her husband; independent, volunteers at a community care station",
         sit=["retiree", "elderly_independent"],
         name="蔡美惠", g="F", birth="1959-04-04", city="嘉義市", dist="西區", marital="married",
         members=[K("spouse", "1957-07-07")],
         jobs=[J("嘉義基督教醫院", "醫療保健業", "護理師", "1981-08-01", "2024-03-31",
                 "retirement", 52000)],
         lrecv=["old_age_benefit"], pension=260000, interest=30000, hh_other=360000,
         re=4200000, mov=3100000, home=True, cars=1,
         degrees=[D("associate", "臺灣省立臺北護理專科學校", "護理科", 1979)],
         certs=["護理師證書"]),
    dict(persona="Peanut farmer, 72, still farming with his wife in 北港 (insured through the "
                 "farmers' association, NHI category 3); lost most of the 2026 crop to a typhoon",
         sit=["elderly_independent", "mid_low_income_household", "disaster_victim"],
         name="林金水", g="M", birth="1954-10-10", city="雲林縣", dist="北港鎮", marital="married",
         members=[K("spouse", "1956-12-12")],
         other=90000, nhi_cat=3, farmer=True,
         re=4600000, mov=300000, home=True, cars=1,
         degrees=[D("elementary", "雲林縣北港鎮南陽國民小學", "普通班", 1967)]),
    dict(persona="Retired garment seamstress, 66, widowed in August 2026 and now living alone in "
                 "鳳山; labour-insurance pensioner, healthy",
         sit=["elderly_independent", "recent_bereavement", "retiree"],
         name="張秀琴", g="F", birth="1960-09-09", city="高雄市", dist="鳳山區", marital="widowed",
         jobs=[J("鳳山成衣股份有限公司", "成衣製造業", "車縫工", "1978-03-01", "2024-09-30",
                 "retirement", 28000)],
         lrecv=["old_age_benefit"], pension=60000, interest=12000,
         re=2600000, mov=900000, home=True,
         degrees=[D("junior_high", "高雄縣立鳳山國民中學", "普通班", 1975)]),
    dict(persona="Electrical technician who retired in May 2026 at 64 (he turns 65 on 2026-12-02); "
                 "drawing a labour-insurance old-age pension reduced for claiming a year early",
         sit=["retiree"],
         boundary="age 64, turns 65 on 2026-12-02 (born 1961-12-02)",
         name="劉志偉", g="M", birth="1961-12-02", city="新北市", dist="永和區", marital="married",
         members=[K("spouse", "1964-02-02")],
         jobs=[J("永和電機股份有限公司", "電機設備製造業", "資深技術員", "1985-03-01",
                 "2026-05-31", "retirement", 56000)],
         lrecv=["old_age_benefit"], hh_other=200000,
         re=7200000, mov=2800000, home=True, cars=1,
         degrees=[D("vocational_high", "臺北市立大安高級工業職業學校", "電機科", 1980)],
         certs=["乙級工業配線技術士"]),
    dict(persona="Former hotel housekeeper, 68, divorced and living alone in a rented flat in "
                 "臺東市; sells vegetables at the morning market; mid-low-income, receives the "
                 "senior living allowance and a rent subsidy",
         sit=["elderly_independent", "mid_low_income_household"],
         name="陳月娥", g="F", birth="1958-02-02", city="臺東縣", dist="臺東市", marital="divorced",
         jobs=[J("臺東海濱大飯店股份有限公司", "住宿服務業", "房務員", "1990-05-01",
                 "2019-06-30", "voluntary", 26000)],
         other=180000,
         re=0, mov=120000, home=False,
         degrees=[D("elementary", "臺東縣臺東市馬蘭國民小學", "普通班", 1970)],
         wrecv=["mohw.mid_low_income_elderly_allowance", "nlma.rent_subsidy_300b"]),
    dict(persona="Atayal retired forestry worker, 71, in 復興 with his wife; labour-insurance "
                 "pensioner, healthy and independent",
         sit=["indigenous", "elderly_independent", "retiree", "mid_low_income_household"],
         name="比令·瓦旦", g="M", birth="1955-05-05", city="桃園市", dist="復興區", marital="married",
         indig=True,
         members=[K("spouse", "1957-07-17")],
         jobs=[J("桃園林區造林工程有限公司", "林業", "造林工", "1975-03-01", "2020-05-31",
                 "retirement", 27000)],
         lrecv=["old_age_benefit"], pension=96000,
         re=1200000, mov=260000, home=True,
         degrees=[D("elementary", "桃園縣復興鄉介壽國民小學", "普通班", 1967)],
         wrecv=["mohw.mid_low_income_elderly_allowance"]),
    # ---- caregivers ------------------------------------------------------------------
    dict(persona="Part-time kitchen helper, 52, caring for her 55-year-old husband, who was left "
                 "severely disabled by a stroke; works short shifts around his care",
         sit=["caregiver"],
         name="賴素珍", g="F", birth="1974-07-07", city="臺中市", dist="豐原區", marital="married",
         members=[K("spouse", "1971-01-21", dis=True)],
         jobs=[J("豐原便當有限公司", "餐飲業", "廚房助理（部分工時）", "2024-02-01", None, None,
                 20000)],
         salary=240000,
         re=2200000, mov=500000, home=True,
         degrees=[D("vocational_high", "國立豐原高級商業職業學校", "商業經營科", 1992)],
         wrecv=["mohw.family_caregiver_support"]),
    dict(persona="Equipment engineer, 40, single, who lives with and looks after his 79-year-old "
                 "father with dementia and his 76-year-old mother",
         sit=["caregiver"],
         name="彭建國", g="M", birth="1986-05-05", city="苗栗縣", dist="頭份市", marital="single",
         members=[K("parent", "1947-03-03", dis=True), K("parent", "1950-04-04")],
         jobs=[J("頭份光電股份有限公司", "光電業", "設備工程師", "2010-09-01", None, None, 55000)],
         hh_other=150000,
         re=3400000, mov=1200000, home=False, cars=1,
         degrees=[D("bachelor", "國立聯合大學", "電機工程學系", 2008)],
         wrecv=["mohw.family_caregiver_support"]),
    # ---- pregnancy, babies, toddlers ------------------------------------------------
    dict(persona="UX designer, 31, five months pregnant with her first child; insured at work; "
                 "married, renting in 內湖",
         sit=["pregnancy"],
         name="鄭雅筑", g="F", birth="1995-05-05", city="臺北市", dist="內湖區", marital="married",
         members=[K("spouse", "1993-09-09")],
         jobs=[J("內湖互動設計股份有限公司", "資訊服務業", "UI設計師", "2019-07-01", None, None,
                 58000)],
         hh_other=1100000,
         re=0, mov=1500000, home=False,
         degrees=[D("bachelor", "國立臺灣藝術大學", "多媒體動畫藝術學系", 2017)],
         preg=True, visits=[V("obstetrics", "O", 5, "2026-07-01")]),
    dict(persona="Electronics technician, 28, pregnant with her second child; her 3-year-old "
                 "attends a quasi-public preschool",
         sit=["pregnancy", "newborn_or_toddler"],
         name="游欣怡", g="F", birth="1998-06-06", city="桃園市", dist="龜山區", marital="married",
         members=[K("spouse", "1996-01-01"), K("child", "2023-09-09")],
         jobs=[J("龜山電子股份有限公司", "電子零組件製造業", "技術員", "2017-07-01", None, None,
                 36000)],
         hh_other=600000,
         re=0, mov=300000, home=False,
         degrees=[D("vocational_high", "桃園市立龜山高級中學", "電子科", 2016)],
         certs=["丙級工業電子技術士"],
         preg=True, visits=[V("obstetrics", "O", 5, "2026-07-10")],
         wrecv=["moe.public_preschool_fee_cap"]),
    dict(persona="Freelance illustrator, 26, seven months pregnant; not labour-insured since 2024 "
                 "(National Pension instead); married, renting in 左營",
         sit=["pregnancy"],
         name="林芷涵", g="F", birth="2000-02-02", city="高雄市", dist="左營區", marital="married",
         members=[K("spouse", "1997-04-04")],
         jobs=[J("左營視覺設計有限公司", "設計業", "助理設計師", "2022-07-01", "2024-06-30",
                 "voluntary", 32000)],
         other=240000, hh_other=700000,
         re=0, mov=400000, home=False,
         degrees=[D("bachelor", "樹德科技大學", "視覺傳達設計系", 2022)],
         preg=True, visits=[V("obstetrics", "O", 6, "2026-06-01")]),
    dict(persona="Unmarried 24-year-old, four months pregnant, who quit her drink-shop job in June "
                 "2026; not insured; lives with her parents (too young for the National Pension "
                 "maternity benefit, which starts at 25)",
         sit=["pregnancy"],
         name="簡郁菁", g="F", birth="2002-10-10", city="基隆市", dist="安樂區", marital="single",
         members=[K("parent", "1972-05-05"), K("parent", "1974-06-06")],
         jobs=[J("基隆茶飲股份有限公司", "餐飲業", "店員", "2021-07-01", "2026-06-30",
                 "voluntary", 29500)],
         hh_other=1200000,
         re=4200000, mov=900000, home=False, cars=1,
         degrees=[D("vocational_high", "國立基隆高級商工職業學校", "餐飲管理科", 2021)],
         preg=True, visits=[V("obstetrics", "O", 3, "2026-09-01")]),
    dict(persona="Indonesian-born naturalised citizen, 35, pregnant with her second child and not "
                 "insured since leaving a shoe factory in early 2025; husband works at a seafood "
                 "processing plant",
         sit=["pregnancy", "migrant_spouse", "mid_low_income_household"],
         name="陳莉亞", g="F", birth="1991-07-07", city="彰化縣", dist="鹿港鎮", marital="married",
         naturalised="2016-08-15",
         members=[K("spouse", "1980-03-03"), K("child", "2018-04-04")],
         jobs=[J("鹿港製鞋股份有限公司", "製鞋業", "作業員", "2017-03-01", "2025-02-28",
                 "voluntary", 28000)],
         hh_other=560000,
         re=2500000, mov=200000, home=True, cars=1,
         degrees=[D("junior_high", "彰化縣立鹿港國民中學附設國中補校", "補習學校", 2018)],
         preg=True, visits=[V("obstetrics", "O", 4, "2026-08-01")]),
    dict(persona="Biotech researcher, 42, pregnant after IVF with her first child (high-risk "
                 "pregnancy, frequent check-ups); insured; high household income",
         sit=["pregnancy", "well_off"],
         name="曾韻如", g="F", birth="1984-03-03", city="新竹縣", dist="竹東鎮", marital="married",
         members=[K("spouse", "1982-08-08")],
         jobs=[J("竹東生醫科技股份有限公司", "生技業", "研究員", "2010-08-01", None, None, 62000)],
         hh_other=1300000,
         re=8000000, mov=3000000, home=True, cars=2,
         degrees=[D("bachelor", "國立清華大學", "生命科學系", 2006),
                  D("master", "國立陽明大學", "生物醫學研究所", 2008)],
         preg=True, visits=[V("obstetrics", "O", 9, "2026-05-15"),
                            V("gynecology", "N", 3, "2025-12-10", "2026-04-30")],
         oop_extra=180000),
    dict(persona="CNC technician, 34, on parental leave with his 5-month-old daughter while his "
                 "wife went back to work; receiving the parental-leave allowance",
         sit=["newborn_or_toddler"],
         name="何宗翰", g="M", birth="1992-08-08", city="臺南市", dist="永康區", marital="married",
         members=[K("spouse", "1993-10-10"), K("child", "2026-07-01")],
         jobs=[J("永康機械股份有限公司", "機械設備製造業", "CNC技術員", "2015-08-01", None, None,
                 42000)],
         lrecv=["parental_leave_allowance"], hh_other=500000,
         re=3300000, mov=700000, home=True, cars=1,
         degrees=[D("vocational_high", "國立臺南高級工業職業學校", "機械科", 2010)],
         certs=["乙級電腦數值控制車床技術士"]),
    dict(persona="Bank relationship manager, 33, back at work; her 14-month-old is in a quasi-"
                 "public nursery and her 4-year-old in a non-profit preschool",
         sit=["newborn_or_toddler"],
         name="江佩珊", g="F", birth="1993-01-01", city="新北市", dist="汐止區", marital="married",
         members=[K("spouse", "1990-12-12"), K("child", "2022-08-08"), K("child", "2025-10-01")],
         jobs=[J("汐止商業銀行股份有限公司", "金融業", "理財專員", "2016-07-01", None, None, 65000)],
         hh_other=1200000,
         re=5400000, mov=1200000, home=True, cars=1,
         degrees=[D("bachelor", "國立臺北大學", "財政學系", 2015)],
         wrecv=["mohw.quasi_public_childcare", "moe.public_preschool_fee_cap"]),
    dict(persona="Convenience-store manager, 37; his younger son turned 2 on 2026-12-01 (moving "
                 "from the under-2 to the 2-5 childcare allowance) and the elder is 5; wife at home",
         sit=["newborn_or_toddler"],
         boundary="child aged exactly 2 on 2026-12-01 (born 2024-12-01)",
         name="蕭志遠", g="M", birth="1989-11-11", city="嘉義市", dist="東區", marital="married",
         members=[K("spouse", "1990-05-05"), K("child", "2021-06-06"), K("child", "2024-12-01")],
         jobs=[J("嘉義便利商店股份有限公司", "零售業", "店長", "2014-03-01", None, None, 45000)],
         re=0, mov=720000, home=False, cars=1,
         degrees=[D("bachelor", "國立嘉義大學", "行銷與觀光管理學系", 2011)],
         wrecv=["moe.childcare_allowance_2to5"]),
    # ---- students -------------------------------------------------------------------------
    dict(persona="Senior-high student, 17, at a public girls' high school in Taipei; her parents "
                 "are a surgeon and a lawyer",
         sit=["students", "well_off"],
         name="李若瑜", g="F", birth="2009-05-05", city="臺北市", dist="大安區", marital="single",
         members=[K("parent", "1975-06-06"), K("parent", "1977-07-07"), K("sibling", "2012-08-08")],
         hh_other=4200000,
         re=35000000, mov=12000000, home=False, cars=2,
         degrees=[D("junior_high", "臺北市立金華國民中學", "普通班", 2024)],
         enroll=("senior_high", "臺北市立第一女子高級中學", True),
         visits=[V("ophthalmology", "H", 1)]),
    dict(persona="Vocational-high student, 16, in 埔里, raised with his younger sister by their "
                 "grandmother; low-income household (full tuition waiver)",
         sit=["students", "low_income_household"],
         name="高子軒", g="M", birth="2010-01-15", city="南投縣", dist="埔里鎮", marital="single",
         members=[K("grandparent", "1952-02-02"), K("sibling", "2013-03-03")],
         hh_other=60000,
         re=700000, mov=50000, home=False,
         degrees=[D("junior_high", "南投縣立宏仁國民中學", "普通班", 2025)],
         enroll=("vocational_high", "國立埔里高級工業職業學校", True),
         wrecv=["moe.tuition_waiver_disadvantaged"]),
    dict(persona="Second-year accounting student, 20, at a private university in 臺中; her father "
                 "died in 2019 and her mother supports the family; mid-low-income (60% tuition "
                 "waiver, student loan)",
         sit=["students", "mid_low_income_household"],
         name="洪詩涵", g="F", birth="2006-03-03", city="臺中市", dist="西屯區", marital="single",
         members=[K("parent", "1976-04-04"), K("sibling", "2010-05-05")],
         hh_other=680000,
         re=2000000, mov=150000, home=False,
         degrees=[D("senior_high", "臺中市立西苑高級中學", "普通科", 2024)],
         enroll=("bachelor", "逢甲大學", False),
         wrecv=["moe.tuition_waiver_disadvantaged", "moe.student_loan"]),
    dict(persona="Bunun student, 21, in the third year of a public-university degree in 花蓮 "
                 "while registered in 關山; indigenous tuition waiver and student loan",
         sit=["students", "indigenous"],
         name="達虎·伊斯瑪哈散", g="M", birth="2005-05-05", city="臺東縣", dist="關山鎮",
         marital="single", indig=True,
         members=[K("parent", "1978-06-06"), K("parent", "1980-07-07")],
         hh_other=760000,
         re=1500000, mov=480000, home=False, cars=1,
         degrees=[D("senior_high", "國立關山高級工商職業學校", "普通科", 2023)],
         enroll=("bachelor", "國立東華大學", True),
         wrecv=["moe.tuition_waiver_disadvantaged", "moe.student_loan"]),
    dict(persona="First-year nursing student, 19, at a private university; parents are a truck "
                 "driver and a shop assistant; takes a student loan (no disadvantaged status)",
         sit=["students"],
         name="廖宜蓁", g="F", birth="2007-08-08", city="新北市", dist="樹林區", marital="single",
         members=[K("parent", "1974-09-09"), K("parent", "1976-10-10"), K("sibling", "2011-11-11")],
         hh_other=1100000,
         re=4800000, mov=900000, home=False, cars=1,
         degrees=[D("senior_high", "新北市立樹林高級中學", "普通科", 2025)],
         enroll=("bachelor", "輔仁大學", False),
         wrecv=["moe.student_loan"]),
    dict(persona="Electrical-engineering master's student, 24, working as a part-time research "
                 "assistant (insured); no disadvantaged status",
         sit=["students"],
         name="鍾承恩", g="M", birth="2002-02-02", city="新竹市", dist="東區", marital="single",
         members=[K("parent", "1970-03-03"), K("parent", "1972-04-04")],
         jobs=[J("國立陽明交通大學", "教育業", "兼任研究助理", "2024-09-01", None, None, 10000)],
         salary=120000, hh_other=1800000,
         re=6500000, mov=2000000, home=False, cars=1,
         degrees=[D("bachelor", "國立清華大學", "電機工程學系", 2024)],
         enroll=("master", "國立陽明交通大學", True)),
    dict(persona="Senior-high student, 18, with a mild hearing impairment (mild disability "
                 "certificate); tuition reduced on disability grounds",
         sit=["students", "disability"],
         name="陳品妍", g="F", birth="2008-10-10", city="高雄市", dist="岡山區", marital="single",
         members=[K("parent", "1978-01-01"), K("parent", "1980-02-02"), K("sibling", "2012-03-03")],
         hh_other=1000000,
         re=4000000, mov=800000, home=False, cars=1,
         degrees=[D("junior_high", "高雄市立岡山國民中學", "普通班", 2024)],
         enroll=("senior_high", "高雄市立岡山高級中學", True),
         dcert="mild", visits=[V("otolaryngology", "H", 3)],
         wrecv=["moe.tuition_waiver_disadvantaged", "mohw.assistive_device_subsidy"]),
    # ---- migrant spouses -----------------------------------------------------------------
    dict(persona="Vietnamese-born naturalised citizen, 45, industrial cleaner in 麥寮; cares for "
                 "her 70-year-old husband after his stroke; son at university; low-income household",
         sit=["migrant_spouse", "caregiver", "low_income_household"],
         name="阮氏蘭", g="F", birth="1981-01-01", city="雲林縣", dist="麥寮鄉", marital="married",
         naturalised="2009-06-10",
         members=[K("spouse", "1956-02-02", dis=True), K("child", "2007-03-03", stu=True)],
         jobs=[J("麥寮環保清潔有限公司", "清潔服務業", "清潔員", "2010-03-01", None, None, 30300)],
         re=1800000, mov=240000, home=True,
         wrecv=["mohw.family_caregiver_support"]),
    dict(persona="Vietnamese-born naturalised citizen, 41, who opened a pho restaurant in 2020 "
                 "after years in a plastics factory; married, one child; wants a micro-business "
                 "loan to expand",
         sit=["migrant_spouse", "entrepreneur"],
         name="黎氏香", g="F", birth="1985-05-15", city="臺中市", dist="北區", marital="married",
         naturalised="2011-09-01",
         members=[K("spouse", "1978-06-06"), K("child", "2012-07-07")],
         jobs=[J("台中塑膠製品股份有限公司", "塑膠製品製造業", "作業員", "2006-05-01",
                 "2019-08-31", "voluntary", 29000)],
         biz=540000, hh_other=480000, nhi_cat=1,
         re=3200000, mov=600000, home=True, cars=1),
    dict(persona="Philippine-born naturalised citizen, 33, at home in 蘇澳 with her 6-year-old "
                 "while her fisherman husband repairs the boat damaged in the 2026 typhoon; "
                 "mid-low-income household",
         sit=["migrant_spouse", "mid_low_income_household", "disaster_victim"],
         name="羅莎莉", g="F", birth="1993-09-09", city="宜蘭縣", dist="蘇澳鎮", marital="married",
         naturalised="2019-03-15",
         members=[K("spouse", "1985-10-10"), K("child", "2020-11-11")],
         jobs=[J("宜蘭電子股份有限公司", "電子零組件製造業", "作業員", "2014-05-01",
                 "2018-12-31", "voluntary", 24000)],
         hh_other=620000,
         re=1600000, mov=90000, home=True),
    # ---- debt --------------------------------------------------------------------------
    dict(persona="Former bubble-tea shop owner, 46, whose shop failed in mid-2025 leaving card and "
                 "bank debts; now a freight driver insured through a drivers' union; owes "
                 "NT$62,000 in health-insurance premiums",
         sit=["debt", "mid_low_income_household", "entrepreneur"],
         name="許志偉", g="M", birth="1980-08-08", city="新北市", dist="三重區", marital="divorced",
         jobs=[J("三重食品股份有限公司", "食品製造業", "業務員", "2003-09-01", "2018-12-31",
                 "voluntary", 38000),
               J("新北市汽車貨運駕駛員職業工會", "運輸業", "貨運司機", "2025-08-01", None, None,
                 29500)],
         biz=80000, other=150000, arrears=62000,
         re=0, mov=20000, home=False,
         degrees=[D("vocational_high", "新北市立三重高級商工職業學校", "資料處理科", 1998)],
         certs=["職業小型車駕駛執照"]),
    dict(persona="Part-time packer, 36, living alone in a rented room in 小港 with depression and "
                 "about NT$400,000 of credit-card debt; owes NT$18,500 in health-insurance premiums",
         sit=["debt", "mental_health", "mid_low_income_household"],
         name="蘇佳玲", g="F", birth="1989-12-12", city="高雄市", dist="小港區", marital="single",
         jobs=[J("小港包裝材料有限公司", "物流業", "包裝員（部分工時）", "2024-05-01", None, None,
                 18000)],
         salary=216000, arrears=18500,
         re=0, mov=10000, home=False,
         degrees=[D("vocational_high", "高雄市立海青高級工商職業學校", "商業經營科", 2008)],
         visits=[V("psychiatry", "F", 6)],
         wrecv=["kcg.vulnerable_medical_assistance", "nlma.rent_subsidy_300b"]),
    dict(persona="Amis day labourer, 55, in 太麻里, out of regular work since late 2024; "
                 "low-income household with NT$45,000 of old health-insurance arrears and "
                 "money owed to a private lender",
         sit=["debt", "indigenous", "low_income_household", "long_term_unemployment"],
         name="高明忠", g="M", birth="1971-11-11", city="臺東縣", dist="太麻里鄉", marital="married",
         indig=True,
         members=[K("spouse", "1973-12-12")],
         jobs=[J("太麻里營造有限公司", "營造業", "臨時工", "2018-04-01", "2024-10-31",
                 "involuntary", 30000)],
         other=60000, hh_other=120000, arrears=45000,
         re=500000, mov=20000, home=True,
         degrees=[D("junior_high", "臺東縣立大王國民中學", "普通班", 1987)]),
    dict(persona="Hardware-factory worker, 33, with about NT$800,000 of card and personal-loan debt "
                 "from online gambling, and NT$12,300 of health-insurance arrears from a gap "
                 "between jobs; lives with his mother",
         sit=["debt", "mid_low_income_household"],
         name="賴冠霖", g="M", birth="1993-04-04", city="彰化縣", dist="員林市", marital="single",
         members=[K("parent", "1965-05-05")],
         jobs=[J("員林五金股份有限公司", "金屬製品製造業", "作業員", "2022-01-01", None, None, 31000)],
         arrears=12300,
         re=1800000, mov=60000, home=False,
         degrees=[D("vocational_high", "國立員林高級農工職業學校", "機械科", 2011)]),
    # ---- bereavement ---------------------------------------------------------------------
    dict(persona="Homemaker, 51, whose husband, the family's only earner, died in a road accident "
                 "in September 2026; two children still in school; seeing a psychiatrist for grief "
                 "and insomnia",
         sit=["recent_bereavement", "mental_health"],
         name="劉秀娟", g="F", birth="1975-02-02", city="臺南市", dist="新營區", marital="widowed",
         members=[K("child", "2006-06-06", stu=True), K("child", "2010-10-10")],
         jobs=[J("新營紡織股份有限公司", "紡織業", "作業員", "1993-08-01", "2000-12-31",
                 "voluntary", 22000)],
         re=3500000, mov=800000, home=True, cars=1,
         degrees=[D("vocational_high", "國立新營高級工業職業學校", "紡織科", 1993)],
         visits=[V("psychiatry", "F", 3, "2026-09-20")]),
    dict(persona="Equipment technician, 35, whose father died of a heart attack in October 2026; "
                 "lives with his 63-year-old mother; insured, so he can claim the labour-insurance "
                 "funeral allowance",
         sit=["recent_bereavement"],
         name="黃冠宇", g="M", birth="1991-03-03", city="新竹市", dist="香山區", marital="single",
         members=[K("parent", "1963-09-09")],
         jobs=[J("香山半導體股份有限公司", "半導體製造業", "設備技術員", "2014-07-01", None, None,
                 48000)],
         hh_other=180000,
         re=4500000, mov=1100000, home=False, cars=1,
         degrees=[D("associate", "明新科技大學", "電子工程系（二專）", 2012)]),
    dict(persona="Truku homestay housekeeper, 42, in 秀林; her mother died and their house was "
                 "destroyed in a landslide during the October 2026 typhoon; staying with relatives",
         sit=["disaster_victim", "recent_bereavement", "indigenous", "mid_low_income_household"],
         name="林美花", g="F", birth="1984-06-06", city="花蓮縣", dist="秀林鄉", marital="married",
         indig=True,
         members=[K("spouse", "1982-07-07"), K("child", "2014-08-08")],
         jobs=[J("太魯閣山居民宿", "住宿服務業", "房務員", "2019-04-01", None, None, 29500)],
         hh_other=420000,
         re=700000, mov=150000, home=True,
         degrees=[D("vocational_high", "國立花蓮高級商業職業學校", "觀光事業科", 2002)]),
    # ---- occupational injury ---------------------------------------------------------------
    dict(persona="Scaffolder, 44, who broke his pelvis and leg in a fall on a building site in May "
                 "2026 and could not return to the job; receiving occupational-accident benefits; "
                 "wife works, son in junior high",
         sit=["occupational_injury"],
         name="簡志成", g="M", birth="1982-02-02", city="桃園市", dist="蘆竹區", marital="married",
         members=[K("spouse", "1984-03-03"), K("child", "2011-04-04")],
         jobs=[J("蘆竹鷹架工程有限公司", "營造業", "鷹架工", "2012-05-01", "2026-08-31", "injury",
                 48000)],
         lrecv=["occupational_accident_benefit"], hh_other=400000,
         re=3900000, mov=400000, home=True, cars=1,
         degrees=[D("junior_high", "桃園市立大竹國民中學", "普通班", 1997)],
         certs=["施工架組配作業主管"],
         visits=[V("orthopedics", "S", 8, "2026-05-10"), V("rehabilitation", "S", 10, "2026-06-15")]),
    dict(persona="Punch-press operator, 39, who lost two fingers in a press accident in April 2026 "
                 "(mild disability certificate); left the job in July and is re-training; married, "
                 "one child",
         sit=["occupational_injury", "disability"],
         name="周雅芳", g="F", birth="1987-04-04", city="高雄市", dist="小港區", marital="married",
         members=[K("spouse", "1985-05-05"), K("child", "2016-06-06")],
         jobs=[J("小港金屬工業股份有限公司", "金屬製品製造業", "沖床作業員", "2015-03-01",
                 "2026-07-31", "injury", 36000)],
         seeker=True, lrecv=["occupational_accident_benefit"], hh_other=520000,
         re=3200000, mov=600000, home=True, cars=1,
         degrees=[D("vocational_high", "高雄市立中正高級工業職業學校", "機械科", 2005)],
         dcert="mild",
         visits=[V("orthopedics", "S", 6, "2026-04-10"), V("rehabilitation", "S", 12, "2026-05-01")],
         wrecv=["mohw.assistive_device_subsidy"]),
    dict(persona="Self-employed truck driver, 61, insured through a drivers' union, seriously "
                 "injured in a road crash while on a delivery in September 2026; off work",
         sit=["occupational_injury"],
         name="王振興", g="M", birth="1965-05-05", city="臺中市", dist="沙鹿區", marital="married",
         members=[K("spouse", "1966-06-06")],
         jobs=[J("沙鹿貨運股份有限公司", "運輸業", "貨車司機", "1988-03-01", "2007-12-31",
                 "voluntary", 36000),
               J("臺中市汽車貨運業職業工會", "運輸業", "自營貨車司機", "2008-03-01", "2026-10-31",
                 "injury", 38200)],
         lrecv=["occupational_accident_benefit"], biz=480000, hh_other=200000,
         re=3600000, mov=700000, home=True, cars=2,
         degrees=[D("junior_high", "臺中縣立沙鹿國民中學", "普通班", 1980)],
         certs=["職業聯結車駕駛執照"], id_letter="L",
         visits=[V("orthopedics", "S", 5, "2026-09-12"), V("neurosurgery", "S", 3, "2026-09-12")]),
    dict(persona="Kiln operator, 50, diagnosed with silicosis after 27 years in a ceramics factory "
                 "(occupational disease); stopped working in February 2026",
         sit=["occupational_injury"],
         name="邱文龍", g="M", birth="1976-06-06", city="新北市", dist="鶯歌區", marital="married",
         members=[K("spouse", "1978-07-07"), K("child", "2008-08-08", stu=True)],
         jobs=[J("鶯歌陶瓷股份有限公司", "陶瓷製造業", "窯爐作業員", "1998-09-01", "2026-02-28",
                 "injury", 40000)],
         lrecv=["occupational_accident_benefit"], hh_other=480000,
         re=4100000, mov=600000, home=True, cars=1,
         degrees=[D("vocational_high", "新北市立鶯歌高級工商職業學校", "陶瓷工程科", 1994)],
         visits=[V("pulmonology", "J", 8)]),
    # ---- entrepreneurs, well-off -------------------------------------------------------------
    dict(persona="Former e-commerce product manager, 32, non-binary (gender X in the register), "
                 "who founded an online-learning start-up in Taipei in 2024",
         sit=["entrepreneur"],
         name="黃以恩", g="X", id_gender_digit=2, birth="1994-04-04", city="臺北市", dist="信義區",
         marital="single",
         jobs=[J("信義電商股份有限公司", "電子商務業", "產品經理", "2017-07-01", "2024-02-29",
                 "voluntary", 60000)],
         biz=360000, interest=20000, nhi_cat=1,
         re=0, mov=1800000, home=False,
         degrees=[D("bachelor", "國立政治大學", "資訊管理學系", 2016)]),
    dict(persona="B&B and souvenir-shop owner, 48, in 金城, married with two teenagers",
         sit=["entrepreneur"],
         name="李文進", g="M", birth="1978-08-08", city="金門縣", dist="金城鎮", marital="married",
         members=[K("spouse", "1980-09-09"), K("child", "2008-10-10", stu=True),
                  K("child", "2011-11-11")],
         jobs=[J("金門酒店股份有限公司", "住宿服務業", "櫃檯人員", "1999-08-01", "2012-12-31",
                 "voluntary", 26000)],
         biz=900000, nhi_cat=1,
         re=6000000, mov=800000, home=True, cars=2,
         degrees=[D("senior_high", "國立金門高級中學", "普通科", 1996)]),
    dict(persona="Former drinks-shop employee, 27, who opened his own tea stand near a night "
                 "market in March 2025; lives with his parents",
         sit=["entrepreneur"],
         name="蔡宇哲", g="M", birth="1999-09-09", city="臺南市", dist="北區", marital="single",
         members=[K("parent", "1969-01-01"), K("parent", "1971-02-02")],
         jobs=[J("府城茶飲股份有限公司", "餐飲業", "店員", "2021-08-01", "2025-02-28", "voluntary",
                 30000)],
         biz=300000, hh_other=900000, nhi_cat=1,
         re=3800000, mov=700000, home=False, cars=1,
         degrees=[D("bachelor", "南臺科技大學", "餐旅管理系", 2021)]),
    dict(persona="Chief investment officer at an asset-management firm, 50; two homes in Taipei; "
                 "qualifies for almost nothing means-tested",
         sit=["well_off"],
         name="陳冠霖", g="M", birth="1976-03-03", city="臺北市", dist="信義區", marital="married",
         members=[K("spouse", "1978-04-04"), K("child", "2008-05-05", stu=True),
                  K("child", "2012-06-06")],
         jobs=[J("信義投信股份有限公司", "金融業", "投資長", "2010-01-01", None, None, 280000)],
         salary=4480000, dividend=850000, interest=120000, hh_other=1200000,
         re=42000000, mov=25000000, home=True, cars=2,
         degrees=[D("bachelor", "國立臺灣大學", "財務金融學系", 1998),
                  D("master", "國立臺灣大學", "財務金融研究所", 2000)],
         oop_extra=40000, visits=[V("family_medicine", "Z", 1)]),
    dict(persona="R&D director at a semiconductor company, 45, in 竹北; high income and property",
         sit=["well_off"],
         name="吳怡萱", g="F", birth="1981-09-09", city="新竹縣", dist="竹北市", marital="married",
         members=[K("spouse", "1979-10-10"), K("child", "2013-11-11")],
         jobs=[J("竹北半導體股份有限公司", "半導體製造業", "研發處長", "2006-08-01", None, None,
                 210000)],
         salary=3780000, dividend=400000, hh_other=2100000,
         re=18000000, mov=12000000, home=True, cars=2,
         degrees=[D("bachelor", "國立清華大學", "化學工程學系", 2003),
                  D("master", "國立清華大學", "化學工程研究所", 2005)]),
    # ---- catastrophic illness --------------------------------------------------------------
    dict(persona="Accounting manager, 53, under chemotherapy for breast cancer (catastrophic-"
                 "illness certificate) while keeping her job; married, one child at university",
         sit=["catastrophic_illness"],
         name="林慧玲", g="F", birth="1973-03-03", city="臺北市", dist="北投區", marital="married",
         members=[K("spouse", "1971-04-04"), K("child", "2004-05-05", stu=True)],
         jobs=[J("北投國際貿易股份有限公司", "批發業", "會計主任", "2000-07-01", None, None, 56000)],
         hh_other=900000,
         re=6000000, mov=2000000, home=True, cars=1,
         degrees=[D("bachelor", "國立臺北商業專科學校", "會計統計科", 1995)],
         certs=["記帳士證書"],
         cat=True, cat_ch="C", visits=[V("oncology", "C", 16)], oop_extra=60000),
    dict(persona="Retired steel-plant technician, 62, on haemodialysis three times a week for "
                 "kidney failure (catastrophic-illness certificate, moderate disability); took an "
                 "early, reduced labour-insurance pension at 60",
         sit=["catastrophic_illness", "disability", "retiree"],
         name="黃金龍", g="M", birth="1964-07-07", city="高雄市", dist="楠梓區", marital="married",
         members=[K("spouse", "1966-08-08")],
         jobs=[J("楠梓鋼鐵股份有限公司", "基本金屬製造業", "技術員", "1986-03-01", "2024-12-31",
                 "retirement", 45000)],
         lrecv=["old_age_benefit"], pension=200000, hh_other=360000,
         re=3000000, mov=1500000, home=True, cars=1,
         degrees=[D("vocational_high", "高雄市立高雄高級工業職業學校", "化工科", 1982)],
         dcert="moderate", cat=True, cat_ch="N",
         visits=[V("nephrology", "N", 150)],
         wrecv=["mohw.disability_living_allowance", "kcg.vulnerable_medical_assistance",
                "mohw.assistive_device_subsidy"]),
    dict(persona="Machinery sales manager, 56, who stopped working in March 2026 to be treated for "
                 "lung cancer (catastrophic-illness certificate); wife and elder son work",
         sit=["catastrophic_illness", "voluntary_quit"],
         name="謝明哲", g="M", birth="1969-12-12", city="彰化縣", dist="彰化市", marital="married",
         members=[K("spouse", "1971-01-01"), K("child", "2003-02-02"),
                  K("child", "2007-03-03", stu=True)],
         jobs=[J("彰化機械股份有限公司", "機械設備製造業", "業務經理", "1995-08-01", "2026-03-31",
                 "voluntary", 68000)],
         hh_other=800000,
         re=5500000, mov=2400000, home=True, cars=2,
         degrees=[D("bachelor", "逢甲大學", "機械工程學系", 1992)],
         cat=True, cat_ch="C", visits=[V("oncology", "C", 14, "2026-02-01"),
                                       V("pulmonology", "J", 3)],
         oop_extra=85000),
]


if __name__ == "__main__":
    sys.exit(main())
