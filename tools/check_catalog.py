#!/usr/bin/env python3
"""Static check of the service catalogue in datasets/catalog/ (format: datasets/catalog/README.md).

Checks structure and references only; it never evaluates CEL. Exit 0 when clean, 1 with one line
per problem otherwise.

    python3 tools/check_catalog.py [--spec DIR] [--catalog DIR]

By default the specs are the repository copies in datasets/spec/ (kept identical to shared/spec/).
"""
import argparse
import glob
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
I18N = ('zh-TW', 'en')
CHANNELS = {'online', 'counter', 'phone'}
PROVIDER_TYPES = {'public', 'private', 'ngo'}
VERDICTS = {'eligible', 'ineligible', 'unknown'}
FUNCTIONS = {
    # helpers the engine provides
    'age', 'per_capita_monthly_income', 'min_living_cost', 'mid_low_threshold', 'months_between', 'today',
    # standard CEL functions and macros
    'double', 'int', 'uint', 'string', 'size', 'has', 'exists', 'all', 'exists_one', 'map', 'filter',
    'timestamp', 'duration', 'matches', 'startsWith', 'endsWith', 'contains',
}
SERVICE_KEYS = ['id', 'name', 'summary', 'provider_type', 'needs', 'region', 'channels', 'how_to_apply',
                'benefit', 'source', 'as_of', 'requires', 'tests']
OPTIONAL_KEYS = {'conditions', 'to_confirm', 'excludes', 'evidence', 'unverified', 'unverified_note', 'general', 'facts'}
MULTIPLIERS = (1, 1.5, 2, 2.5, 3, 3.5)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--spec', default=os.path.join(ROOT, 'datasets', 'spec'))
    ap.add_argument('--catalog', default=os.path.join(ROOT, 'datasets', 'catalog'))
    args = ap.parse_args()
    problems = check(args.spec, args.catalog)
    for p in problems:
        print(p)
    if problems:
        print(f'{len(problems)} problem(s)', file=sys.stderr)
        return 1
    return 0


def load(path):
    with open(path, encoding='utf-8') as f:
        return yaml.safe_load(f)


def check(spec_dir, cat_dir):
    out = []
    err = out.append
    services_spec = load(os.path.join(spec_dir, 'services.yaml'))
    datasets_spec = load(os.path.join(spec_dir, 'datasets.yaml'))
    needs_spec = load(os.path.join(spec_dir, 'needs.yaml'))
    spec_ids = [s['id'] for s in services_spec['services']]
    need_ids = {n['id'] for n in needs_spec['needs']}
    fields = {d['id']: set(d['fields']) for d in datasets_spec['datasets']}
    # "household.registration" and friends, longest first so that prefixes do not shadow
    ds_re = re.compile(r'(?<![\w.])(' + '|'.join(re.escape(d) for d in sorted(fields, key=len, reverse=True))
                       + r')(?:\.(\w+))?')

    # --- the tables file ---------------------------------------------------------------
    table_path = os.path.join(cat_dir, 'tables', 'minimum_living_cost_2026.yaml')
    mlc_spec = services_spec['minimum_living_cost']
    cities = set(mlc_spec['cities'])
    try:
        table = load(table_path)
    except FileNotFoundError:
        err(f'{table_path}: missing')
        table = {}
    if table:
        if table.get('minimum_living_cost') != mlc_spec['cities']:
            err(f'{table_path}: minimum_living_cost differs from services.yaml')
        if table.get('mid_low_income_threshold') != mlc_spec['mid_low_income_threshold']:
            err(f'{table_path}: mid_low_income_threshold differs from services.yaml')
        if not table.get('source'):
            err(f'{table_path}: no source')
    forbidden = set()
    for v in list(mlc_spec['cities'].values()) + list(mlc_spec['mid_low_income_threshold'].values()):
        for m in MULTIPLIERS:
            forbidden.add(round(v * m, 1))

    # --- catalogue files ---------------------------------------------------------------
    seen = {}
    all_services = {}
    files = sorted(glob.glob(os.path.join(cat_dir, '*.yaml')))
    if not files:
        err(f'{cat_dir}: no catalogue files')
    for path in files:
        where = os.path.relpath(path, ROOT)
        try:
            doc = load(path)
        except yaml.YAMLError as e:
            err(f'{where}: not valid YAML: {e}')
            continue
        agency = (doc or {}).get('agency') or {}
        base = os.path.basename(path)[:-len('.yaml')]
        if agency.get('id') != base:
            err(f'{where}: agency.id {agency.get("id")!r} does not match the file name')
        check_i18n(err, where, 'agency.name', agency.get('name'))
        for svc in (doc or {}).get('services') or []:
            sid = svc.get('id')
            if sid in seen:
                err(f'{where}: {sid} also in {seen[sid]}')
                continue
            seen[sid] = where
            all_services[sid] = svc
            check_service(err, f'{where}: {sid}', svc, need_ids, fields, ds_re, cities, forbidden)

    for sid in spec_ids:
        if sid not in seen:
            err(f'{sid}: in services.yaml but in no catalogue file')
    for sid in seen:
        if sid not in spec_ids:
            err(f'{seen[sid]}: {sid} is not a services.yaml id')
    for sid, svc in all_services.items():
        for other in svc.get('excludes') or []:
            if other not in all_services:
                err(f'{seen[sid]}: {sid} excludes unknown service {other}')
            elif sid not in (all_services[other].get('excludes') or []):
                err(f'{seen[sid]}: {sid} excludes {other} but not the other way round')
            if other == sid:
                err(f'{seen[sid]}: {sid} excludes itself')
    return out


def check_i18n(err, where, key, value):
    if not isinstance(value, dict) or any(not isinstance(value.get(k), str) or not value.get(k).strip() for k in I18N):
        err(f'{where}: {key} needs non-empty zh-TW and en')


def check_service(err, where, svc, need_ids, fields, ds_re, cities, forbidden):
    for k in SERVICE_KEYS:
        if k not in svc:
            err(f'{where}: missing {k}')
    for k in svc:
        if k not in SERVICE_KEYS and k not in OPTIONAL_KEYS:
            err(f'{where}: unknown key {k}')
    for k in ('name', 'summary', 'how_to_apply', 'benefit'):
        check_i18n(err, where, k, svc.get(k))
    if svc.get('provider_type') not in PROVIDER_TYPES:
        err(f'{where}: provider_type {svc.get("provider_type")!r}')
    for n in svc.get('needs') or []:
        if n not in need_ids:
            err(f'{where}: unknown need {n}')
    if not svc.get('needs'):
        err(f'{where}: no needs')
    region = svc.get('region')
    if region != 'national' and not (isinstance(region, list) and region and all(c in cities for c in region)):
        err(f'{where}: region must be national or a list of city names, got {region!r}')
    if not svc.get('channels') or not set(svc['channels']) <= CHANNELS:
        err(f'{where}: channels must be a non-empty subset of {sorted(CHANNELS)}')
    if not svc.get('source'):
        err(f'{where}: no source')

    requires = svc.get('requires') or []
    evidence = svc.get('evidence') or []
    for d in requires + evidence:
        if d not in fields:
            err(f'{where}: unknown dataset {d}')
    if set(requires) & set(evidence):
        err(f'{where}: a dataset is both in requires and evidence')

    # conditions
    read = set()
    cond_ids = set()
    conditions = svc.get('conditions') or []
    for c in conditions:
        cid = c.get('id')
        cw = f'{where} / {cid}'
        if not isinstance(cid, str) or not re.fullmatch(r'[a-z][a-z0-9_]*', cid):
            err(f'{cw}: condition id must be snake_case')
        if cid in cond_ids:
            err(f'{cw}: duplicate condition id')
        cond_ids.add(cid)
        cel = c.get('cel')
        if not isinstance(cel, str) or not cel.strip():
            err(f'{cw}: no cel')
            continue
        check_i18n(err, cw, 'explain', c.get('explain'))
        if c.get('if_false') not in (None, 'unknown'):
            err(f'{cw}: if_false may only be unknown')
        code = re.sub(r'"(?:[^"\\]|\\.)*"', '""', cel)  # drop string literals
        for m in ds_re.finditer(code):
            ds, field = m.group(1), m.group(2)
            read.add(ds)
            if field is None:
                err(f'{cw}: dataset {ds} used without a field')
            elif field not in fields[ds]:
                err(f'{cw}: {ds}.{field} is not a field of {ds}')
        if 'per_capita_monthly_income()' in code:
            read |= {'tax.income', 'household.registration'}
        for m in re.finditer(r'(?<![\w.])([A-Za-z_]\w*)\s*\(|\.([A-Za-z_]\w*)\s*\(', code):
            fn = m.group(1) or m.group(2)
            if fn not in FUNCTIONS:
                err(f'{cw}: unknown function {fn}()')
        for m in re.finditer(r'(?<![\w.])(\d+(?:\.\d+)?)(?![\w.])', code):
            if round(float(m.group(1)), 1) in forbidden:
                err(f'{cw}: literal {m.group(1)} is a minimum-living-cost figure (or a multiple); use min_living_cost() / mid_low_threshold()')
    if set(requires) != read - set(evidence):
        err(f'{where}: requires {sorted(requires)} but the conditions read {sorted(read - set(evidence))}')
    for d in evidence:
        if d not in read:
            err(f'{where}: evidence {d} is read by no condition')

    for item in svc.get('to_confirm') or []:
        check_i18n(err, where, 'to_confirm item', item)

    # tests
    tests = svc.get('tests') or []
    verdicts = set()
    for t in tests:
        tw = f'{where} / test {t.get("name")!r}'
        if not t.get('name'):
            err(f'{where}: a test without a name')
        if t.get('expect') not in VERDICTS:
            err(f'{tw}: expect must be one of {sorted(VERDICTS)}')
        verdicts.add(t.get('expect'))
        if 'date' in t and not re.fullmatch(r'\d{4}-\d{2}-\d{2}', str(t['date'])):
            err(f'{tw}: date must be YYYY-MM-DD')
        records = t.get('records')
        if not isinstance(records, dict):
            err(f'{tw}: records must be a mapping')
            continue
        for ds, rec in records.items():
            if ds not in fields:
                err(f'{tw}: unknown dataset {ds}')
            elif not isinstance(rec, dict):
                err(f'{tw}: record for {ds} must be a mapping')
            else:
                for f in rec:
                    if f not in fields[ds]:
                        err(f'{tw}: {ds}.{f} is not a field of {ds}')
            if ds in fields and ds not in requires and ds not in evidence:
                err(f'{tw}: {ds} is not read by the rule')
    if not tests:
        err(f'{where}: no tests')
    if 'eligible' not in verdicts:
        err(f'{where}: no eligible test')
    if conditions:
        if any(c.get('if_false') != 'unknown' for c in conditions) and 'ineligible' not in verdicts:
            err(f'{where}: no ineligible test')
        # Audience conditions never make a verdict unknown (README).
        if requires and 'unknown' not in verdicts and not all(c.get('audience') for c in conditions):
            err(f'{where}: no unknown test')
        if len([t for t in tests if t.get('expect') == 'ineligible']) < len(
                [c for c in conditions if c.get('if_false') != 'unknown']):
            err(f'{where}: fewer ineligible tests than conditions (one per condition boundary)')


if __name__ == '__main__':
    sys.exit(main())
