#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The built-in vocabularies' tools: mappings/regenerate-vocabularies.py makes the committed file
# from a CSV export byte for byte (a small export in tests/data/ontologies, and the committed
# file's own terms written out as an export), and daemon/embed-vocabularies.py refuses a file the
# program could not look terms up in. Usage: vocabularies.py SOURCE_ROOT
import csv
import os
import subprocess
import sys
import tempfile

root = sys.argv[1]
regenerate = os.path.join(root, "mappings", "regenerate-vocabularies.py")
embed = os.path.join(root, "daemon", "embed-vocabularies.py")
failures = 0


def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures += 1


def run(*args):
    return subprocess.run([sys.executable, *args], capture_output=True)


def read(path):
    with open(path, "rb") as f:
        return f.read()


fixture = os.path.join(root, "tests", "data", "ontologies")
expected = read(os.path.join(root, "tests", "data", "vocabularies-expected.tsv"))
r = run(regenerate, "--exported", "2026-11-30T12:00:00Z", fixture)
check(r.returncode == 0 and r.stdout == expected,
      "the small export gives the expected file byte for byte (%d: %s)" % (r.returncode, r.stderr.decode()))

with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "vocabularies.tsv")
    r = run(regenerate, "--exported", "2026-11-30T12:00:00Z", fixture, "-o", out)
    check(r.returncode == 0 and read(out) == expected, "-o writes the same bytes")

    # Without --exported: the newest CSV's time.
    export = os.path.join(tmp, "export")
    os.mkdir(export)
    for name in os.listdir(fixture):
        with open(os.path.join(export, name), "wb") as f:
            f.write(read(os.path.join(fixture, name)))
        os.utime(os.path.join(export, name), (1764000000, 1764000000))
    os.utime(os.path.join(export, "MaterialTypes.csv"), (1764500000, 1764500000))
    r = run(regenerate, export)
    check(b"\n@exported\t2025-11-30T10:53:20Z\n" in r.stdout, "the export time defaults to the newest CSV's")

    # The committed file, written out as the export it stands for, comes back byte for byte.
    committed = os.path.join(root, "mappings", "vocabularies.tsv")
    tables, current, exported = {}, None, None
    for line in open(committed, encoding="utf-8"):
        if line.startswith("#"):
            continue
        key, value = line.rstrip("\n").split("\t")
        if key == "@exported":
            exported = value
        elif key == "@table":
            current = tables.setdefault(value, [])
        else:
            current.append((key, value))
    again = os.path.join(tmp, "again")
    os.mkdir(again)
    for name, terms in tables.items():
        with open(os.path.join(again, name + ".csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["order", "name", "label", "parent"])
            for term in reversed(terms):  # any order: the script sorts
                w.writerow(["", term[0], term[1], ""])
    r = run(regenerate, "--exported", exported, again)
    check(r.returncode == 0 and r.stdout == read(committed),
          "the committed mappings/vocabularies.tsv is what the script makes of its terms (%d tables)" % len(tables))
    check(len(tables.get("DiseaseTypes", [])) > 20000, "DiseaseTypes is there whole")

    # Exports the script refuses, naming the file.
    bad = os.path.join(tmp, "bad")
    os.mkdir(bad)
    with open(os.path.join(bad, "SexTypes.csv"), "w") as f:
        f.write("label\nFemale\n")
    r = run(regenerate, bad)
    check(r.returncode != 0 and b"SexTypes.csv: no 'name' column" in r.stderr, "a table without 'name' is refused")
    with open(os.path.join(bad, "SexTypes.csv"), "w") as f:
        f.write('name,label\n"FE\tMALE",Female\n')
    r = run(regenerate, bad)
    check(r.returncode != 0 and b"SexTypes.csv:2: id" in r.stderr, "an id with a tab is refused")
    r = run(regenerate, "--exported", "yesterday", fixture)
    check(r.returncode != 0 and b"--exported" in r.stderr, "an --exported that is no time is refused")

    # Files the build refuses, with file and line.
    def embed_refuses(text, message, what):
        path = os.path.join(tmp, "in.tsv")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        r = run(embed, path, os.path.join(tmp, "out.c"))
        check(r.returncode != 0 and message.encode() in r.stderr, "%s (%s)" % (what, r.stderr.decode().strip()))

    good = "@exported\t2026-11-30T12:00:00Z\n@table\tSexTypes\nFEMALE\tFemale\nMALE\tMale\n"
    r = run(embed, os.path.join(root, "tests", "data", "vocabularies-expected.tsv"), os.path.join(tmp, "ok.c"))
    check(r.returncode == 0 and b"vocab_builtin_by_label" in read(os.path.join(tmp, "ok.c")), "the expected file builds")
    embed_refuses(good.replace("FEMALE\tFemale\nMALE\tMale", "MALE\tMale\nFEMALE\tFemale"), "in.tsv:4: ids must be sorted",
                  "unsorted ids")
    embed_refuses(good.replace("MALE\tMale", "FEMALE\tTwice"), "in.tsv:4: ids must be sorted", "an id twice")
    embed_refuses(good.replace("@table\tSexTypes\n", ""), "in.tsv:2: a term before the first @table", "no table")
    embed_refuses(good.replace("@exported\t2026-11-30T12:00:00Z\n", ""), "no @exported", "no export time")
    embed_refuses(good.replace("Male\n", "Male\textra\n"), "in.tsv:4: a record is two fields", "three fields")
    embed_refuses(good.replace("SexTypes", "../Sex"), "in.tsv:2: '../Sex' is no table name", "a table name EMX2 refuses")
    embed_refuses(good + "@table\tSexTypes\n", "in.tsv:5: table SexTypes is listed twice", "a table twice")
    embed_refuses(good[:-1], "in.tsv:4: the last line has no line end", "a cut file")

sys.exit(1 if failures else 0)
