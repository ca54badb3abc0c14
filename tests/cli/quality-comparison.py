#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The comparison with BBMRI-ERIC's QC tool, kept without their code: each tests/data/quality/<case>/
holds a master (master.yaml, or a file `master` naming one relative to the source tree) and
`expected`, the findings their tool reported on it (CHECK_ID ENTITY_ID per line, recorded from a
run) and where ours differ ('- ID ENTITY reason': theirs only, '+ ID ENTITY reason': ours only).
`check --json` must report exactly their findings, without the '-' ones and with the '+' ones
(BBMRI-ERIC's ids only: codes with a ':').

Usage: quality-comparison.py PROGRAM SOURCE_ROOT
"""
import json
import os
import subprocess
import sys
import tempfile

program, root = sys.argv[1], sys.argv[2]
cases_dir = os.path.join(root, "tests", "data", "quality")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def read_expected(path):
    theirs, minus, plus = set(), set(), set()
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        words = line.split()
        if words[0] in ("-", "+"):
            # a difference names its reason
            check(len(words) >= 5, f"{path}:{number}: a difference with its reason")
            (minus if words[0] == "-" else plus).add((words[1], words[2]))
        else:
            check(len(words) == 2 and ":" in words[0], f"{path}:{number}: CHECK_ID ENTITY_ID")
            theirs.add((words[0], words[1]))
    return theirs, minus, plus


cases = sorted(d for d in os.listdir(cases_dir) if os.path.isfile(os.path.join(cases_dir, d, "expected")))
check(len(cases) >= 3, f"{len(cases)} cases in tests/data/quality")
with tempfile.TemporaryDirectory(prefix="quality-comparison-") as tmp:
    for case in cases:
        folder = os.path.join(cases_dir, case)
        master = os.path.join(folder, "master.yaml")
        if not os.path.exists(master):
            master = os.path.join(root, open(os.path.join(folder, "master")).read().strip())
        node = next(line.split(":", 1)[1].strip() for line in open(master) if line.startswith("node:"))
        config = os.path.join(tmp, case + ".yaml")
        with open(config, "w") as f:
            f.write(f"node: {node}\nmaster: {master}\n"
                    f"mappings: [{root}/mappings/miabis-2.0.yaml, {root}/mappings/example-local.yaml]\n"
                    f"model: {root}/mappings/directory-model.yaml\n"
                    f"directory: {{url: \"file:{tmp}/remote\"}}\nstate_dir: {tmp}/state-{case}\n")
        run = subprocess.run([program, "-c", config, "check", "--json"], capture_output=True, text=True)
        check(run.returncode == 0, f"{case}: check exits 0 (quality findings alone pass), got {run.returncode}")
        report = json.loads(run.stdout)
        errors = [f for f in report["findings"] if f.get("severity") == "error"]
        check(not errors, f"{case}: no error of kind error ({[e.get('code') for e in errors][:3]})")
        ours = {(f["code"], f.get("id") or "") for f in report["findings"] if ":" in (f.get("code") or "")}
        theirs, minus, plus = read_expected(os.path.join(folder, "expected"))
        check(len(theirs | plus) > 0, f"{case}: the case has findings to compare")
        check(minus <= theirs, f"{case}: each '-' difference is one of their findings")
        check(not (plus & theirs), f"{case}: no '+' difference is one of their findings")
        want = (theirs - minus) | plus
        for code, entity in sorted(want - ours):
            check(False, f"{case}: we do not report {code} on {entity}")
        for code, entity in sorted(ours - want):
            check(False, f"{case}: we report {code} on {entity}, their tool does not (and no difference says so)")
        check(ours == want, f"{case}: {len(ours)} findings, {len(theirs)} of theirs, "
                            f"{len(minus)} theirs only, {len(plus)} ours only")

if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
