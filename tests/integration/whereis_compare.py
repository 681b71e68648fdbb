#!/usr/bin/env python3
"""Compares two `whereis --json` outputs (one JSON object per line), key by key.

usage: whereis_compare.py EXPECTED ACTUAL [LABEL]

EXPECTED is what `git annex whereis --json` printed, ACTUAL what `git-annex-dolt whereis --json`
printed. Objects are matched by (file, key): by key alone with --all/--key (no "file", or
"file": null, which are treated alike: 10.20230126 prints null, newer versions leave it out).
For each object the fields compared are file, key, success, and the lists "whereis" and
"untrusted": each entry is (uuid, description, here, sorted urls), compared in order (git-annex
orders them by uuid, see docs/whereis-json.md); a difference only in order is reported as such.
Prints a readable report and exits 1 on any difference. Also fails on lines that are not JSON
objects and on duplicate objects in ACTUAL.
"""
import json
import sys


def load(path, what):
    objs, bad = [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as e:
                bad.append(f"{what} line {n} is not JSON ({e}): {line.rstrip()[:200]}")
                continue
            if not isinstance(obj, dict):
                bad.append(f"{what} line {n} is not a JSON object: {line.rstrip()[:200]}")
                continue
            objs.append(obj)
    return objs, bad


def ident(obj):
    return (obj.get("file"), obj.get("key"))


def entries(obj, field, problems, who):
    val = obj.get(field)
    if not isinstance(val, list):
        problems.append(f"{who}: field {field!r} missing or not a list: {val!r}")
        return []
    out = []
    for e in val:
        if not isinstance(e, dict):
            problems.append(f"{who}: {field} entry is not an object: {e!r}")
            continue
        urls = e.get("urls")
        out.append((e.get("uuid"), e.get("description"), e.get("here"),
                    tuple(sorted(urls)) if isinstance(urls, list) else ("<urls field: %r>" % (urls,),)))
        missing = {"uuid", "description", "here", "urls"} - set(e)
        if missing:
            problems.append(f"{who}: {field} entry for {e.get('uuid')} lacks {sorted(missing)}")
    return out


def fmt(entry):
    uuid, desc, here, urls = entry
    s = f"{uuid} {desc!r} here={here}"
    if urls:
        s += " urls=" + ",".join(urls)
    return s


def main():
    expected_path, actual_path = sys.argv[1], sys.argv[2]
    label = sys.argv[3] if len(sys.argv) > 3 else "whereis"
    expected, bad_e = load(expected_path, "git annex")
    actual, bad_a = load(actual_path, "git-annex-dolt")
    problems = list(bad_e) + list(bad_a)

    exp_by = {}
    for o in expected:
        exp_by.setdefault(ident(o), o)
    act_by = {}
    for o in actual:
        i = ident(o)
        if i in act_by:
            problems.append(f"git-annex-dolt printed {i} twice")
        act_by[i] = o

    for i in exp_by:
        if i not in act_by:
            o = exp_by[i]
            problems.append(f"missing from git-annex-dolt: file={i[0]!r} key={i[1]} "
                            f"(git annex: {len(o.get('whereis', []))} copies, "
                            f"{len(o.get('untrusted', []))} untrusted)")
    for i in act_by:
        if i not in exp_by:
            problems.append(f"extra in git-annex-dolt (git annex does not list it): file={i[0]!r} key={i[1]}")

    for i in exp_by:
        if i not in act_by:
            continue
        e, a = exp_by[i], act_by[i]
        who = f"key {i[1]}" + (f" (file {i[0]!r})" if i[0] else "")
        if e.get("file") is not None and "file" not in a:
            problems.append(f"{who}: git-annex-dolt has no 'file' field, git annex has {e['file']!r}")
        if e.get("success") != a.get("success"):
            problems.append(f"{who}: success {a.get('success')!r}, git annex says {e.get('success')!r}")
        for field in ("whereis", "untrusted"):
            ee = entries(e, field, problems, f"git annex {who}")
            ae = entries(a, field, problems, f"git-annex-dolt {who}")
            if ee == ae:
                continue
            if sorted(ee, key=repr) == sorted(ae, key=repr):
                problems.append(f"{who}: {field} has the right entries in another order:\n"
                                f"      git annex:      {[x[0] for x in ee]}\n"
                                f"      git-annex-dolt: {[x[0] for x in ae]}")
                continue
            lines = [f"{who}: {field} differs:"]
            for x in ee:
                if x not in ae:
                    lines.append(f"      only git annex:      {fmt(x)}")
            for x in ae:
                if x not in ee:
                    lines.append(f"      only git-annex-dolt: {fmt(x)}")
            problems.append("\n".join(lines))

    if problems:
        print(f"{label}: {len(problems)} difference(s) between git annex ({len(expected)} objects) "
              f"and git-annex-dolt ({len(actual)} objects):", file=sys.stderr)
        for p in problems[:60]:
            print("  - " + p, file=sys.stderr)
        if len(problems) > 60:
            print(f"  ... and {len(problems) - 60} more", file=sys.stderr)
        return 1
    print(f"{label}: {len(expected)} objects agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
