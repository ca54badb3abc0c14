#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Property test of pull's round trip: for generated staging areas (every column type, lists,
quotes, commas, newlines, non-ASCII and YAML-looking text in values, sub-collections three deep,
collections that cannot inherit, facts, withdrawn rows, references to other nodes' rows: EU networks,
another node's study and person), `pull` then `check` passes (exit 0; other nodes' rows a warning
while the state directory has no copy of the Directory, resolved once it has), `diff` reports no
difference and no error; and the test has teeth: deleting any one
written value from the pulled master, or altering one fact, makes `diff` report a difference.
Then the benchmark's generated node: pull from its staging area, diff with the pulled master.

Usage: pull-property.py PROGRAM SOURCE_ROOT [SEEDS]
"""
import csv
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

program, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
seeds = int(sys.argv[3]) if len(sys.argv) > 3 else 8
failures = []
NODE = "BE"

COUNTRIES = ["BE", "DE", "FR", "NO", "PT"]
MATERIALS = ["SERUM", "DNA", "RNA", "TISSUE_FROZEN", "WHOLE_BLOOD", "PLASMA", "FECES", "NAV"]
TYPES = ["DISEASE_SPECIFIC", "LONGITUDINAL", "POPULATION_BASED", "CASE_CONTROL"]
CATEGORIES = ["SURVEY_DATA", "GENEALOGICAL_RECORDS"]
SEXES = ["MALE", "FEMALE"]
TEMPERATURES = ["temperatureLN", "temperature-60to-85"]
ICD = ["urn:miriam:icd:C50.9", "urn:miriam:icd:C18", "urn:miriam:icd:E11", "ORPHA:558"]
SERVICE_TYPES = ["sample-collection", "sample-storage", "nucleic-acid-extraction"]
FOREIGN_NETWORK = "bbmri-eric:networkID:EU_BBMRI-ERIC:networkID:CRC-Cohort"
FOREIGN_PERSON = "bbmri-eric:contactID:EU_crc-cohort"
FOREIGN_STUDY = "bbmri-eric:studyID:NL_cohort-study"
FOREIGN_HEAD = "bbmri-eric:contactID:NL_lumc"

# Text a YAML writer easily gets wrong.
AWKWARD = ["O'Brien \"the\" biobank", "Liège, Gent & Zürich", "line one\nline two", "- starts like a list",
           "# not a comment", "key: value", "null", "~", "true", "123", "0x1F", "trailing colon:",
           "Ünïcødé — ∑ 中文 🧪", "tab\there", "[a, b]", "{x: 1}", "*alias", "&anchor", "!tag", "%directive",
           "@at", "`backtick`", "a\u2028b", "back\\slash", "'single'", "50% done", "yes", "1.5e3",
           "bbmri-eric:ID:BE_looks-like-an-id", "a  double  space", "ends with a dot."]


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*args, cwd=None):
    p = subprocess.run([program, *args], capture_output=True, text=True, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def text(rnd, plain):
    return rnd.choice(AWKWARD) if rnd.random() < 0.5 else plain


def some(rnd, items, k=None):
    k = k if k is not None else rnd.randint(1, min(3, len(items)))
    return rnd.sample(items, k)


def generate(rnd, folder, foreign):
    persons, akis, networks, biobanks, collections, facts, services, studies = ([] for _ in range(8))
    for i in range(rnd.randint(2, 5)):
        persons.append({"id": f"bbmri-eric:contactID:{NODE}_p{i}", "first_name": text(rnd, f"First{i}"),
                        "last_name": text(rnd, "Lambert"), "email": f"p{i}@bbmri-be.example",
                        "phone": rnd.choice(["+3243667111", ""]), "address": text(rnd, "Rue 1\n4000 Liège"),
                        "city": "Liège", "country": rnd.choice(COUNTRIES), "role": text(rnd, "Manager")})
    pid = [p["id"] for p in persons]
    akis.append({"id": f"bbmri-eric:akiID:{NODE}_aki0", "name_system": text(rnd, "BBMRI catalogue"),
                 "pid": "", "url": "https://catalogue.example/x?a=1&b=2"})
    networks.append({"id": f"bbmri-eric:networkID:{NODE}_net", "name": text(rnd, "Node network"),
                     "description": text(rnd, "The node's network"), "contact": rnd.choice(pid),
                     "withdrawn": "false"})
    for b in range(rnd.randint(1, 3)):
        bid = f"bbmri-eric:ID:{NODE}_B{b}"
        biobanks.append({"id": bid, "name": text(rnd, f"Biobank {b}"), "acronym": f"B{b}",
                         "description": text(rnd, "A biobank"), "url": "https://b.example/",
                         "location": text(rnd, "Gent"), "country": rnd.choice(COUNTRIES),
                         "latitude": "51.05", "longitude": "3.72", "head": rnd.choice(pid + [""]),
                         "contact": rnd.choice(pid), "juridical_person": text(rnd, "UZ Gent"),
                         "network": [networks[0]["id"]] + ([FOREIGN_NETWORK] if foreign and rnd.random() < 0.5 else []),
                         "also_known": [akis[0]["id"]] if rnd.random() < 0.5 else [],
                         "collaboration_commercial": rnd.choice(["true", "false", ""]),
                         "withdrawn": rnd.choice(["false", "false", "true"])})
        # A tree three deep: top collections, their children and grandchildren.
        def add(cid, parent, depth):
            # Sub-collections hold no more samples than their parent.
            size = rnd.choice([["15400", "123456789"], ["", "7", "1500"], ["", "0", "1"]][depth - 1])
            row = {"id": cid, "name": text(rnd, "Collection"), "description": text(rnd, "Samples"),
                   "biobank": bid, "parent_collection": parent or "",
                   "type": some(rnd, TYPES),
                   "data_categories": ["BIOLOGICAL_SAMPLES", "MEDICAL_RECORDS"] + some(rnd, CATEGORIES, 1),
                   "size": size, "materials": some(rnd, MATERIALS), "sex": some(rnd, SEXES),
                   "diagnosis_available": some(rnd, ICD), "age_low": rnd.choice(["", "0", "18"]),
                   "age_high": rnd.choice(["", "99"]), "age_unit": "YEAR",
                   "storage_temperatures": some(rnd, TEMPERATURES, 1), "withdrawn": rnd.choice(["false", "true"]),
                   "timestamp": rnd.choice(["", "2026-01-02T03:04:05"]),
                   "access_description": text(rnd, "On request, see the SOP"),
                   "network": [FOREIGN_NETWORK] if foreign and rnd.random() < 0.3 else []}
            # Inherited fields: the parent's value, another one, or none (which cannot nest).
            for f in ["country", "contact", "head", "location", "latitude", "longitude"]:
                choice = rnd.random()
                row[f] = "" if choice < 0.05 else (rnd.choice(pid) if f in ("contact", "head") else
                                                   rnd.choice(COUNTRIES) if f == "country" else
                                                   text(rnd, "Elsewhere") if f == "location" else "50.1") \
                    if choice < 0.4 else None  # None: inherit below
            # order_of_magnitude as derived, or (rarely) written otherwise.
            if size not in ("", "0") and rnd.random() < 0.8:
                row["order_of_magnitude"] = str(min(8, len(size) - 1))
            else:
                row["order_of_magnitude"] = str(rnd.randint(0, 8))
            if row["country"] == "":
                row["country"] = rnd.choice(COUNTRIES)  # required
            if row["contact"] == "":
                row["contact"] = rnd.choice(pid)
            collections.append(row)
            for k in range(rnd.randint(0, 2) if depth < 3 else 0):
                add(f"{cid}:s{k}", cid, depth + 1)
            for k in range(rnd.randint(0, 2)):
                facts.append({"id": f"bbmri-eric:factID:{NODE}_{cid.rsplit(':', 1)[-1]}-{len(facts)}",
                              "collection": cid, "sex": rnd.choice(SEXES), "age_range": "Adult",
                              "sample_type": rnd.choice(MATERIALS), "disease": rnd.choice(ICD),
                              "number_of_samples": str(rnd.randint(1, 500)),
                              "number_of_donors": rnd.choice(["", str(rnd.randint(1, 100))]),
                              "last_update": "2026-10-01"})
        for c in range(rnd.randint(1, 3)):
            add(f"{bid}:collection:c{c}", None, 1)
        if rnd.random() < 0.5:  # an id that does not hang on its biobank's prefix
            add(f"bbmri-eric:ID:{NODE}_B{b}x:collection:odd", None, 1)
        services.append({"id": f"bbmri-eric:serviceID:{NODE}_s{b}", "name": text(rnd, "Storage"),
                         "serviceTypes": some(rnd, SERVICE_TYPES), "description": text(rnd, "We store"),
                         "accessDescription": text(rnd, "Ask us"), "contactInformation": rnd.choice(pid),
                         "biobank": bid})
    studies.append({"id": f"bbmri-eric:studyID:{NODE}_st0", "title": text(rnd, "A study"),
                    "sex": some(rnd, SEXES), "age_low": "1", "number_of_subjects": "40",
                    "also_known": [akis[0]["id"]]})
    for c in collections:
        if rnd.random() < 0.2:
            c["studies"] = [studies[0]["id"]]
        # Another node's study and person (a head of the collection's own).
        if foreign and rnd.random() < 0.3:
            c["studies"] = c.get("studies", []) + [FOREIGN_STUDY]
        if foreign and c["head"] is None and rnd.random() < 0.3:
            c["head"] = FOREIGN_HEAD
    # Fill inherited fields as the parent has them.
    by_id = {c["id"]: c for c in collections}
    bb = {b["id"]: b for b in biobanks}
    for c in collections:  # parents come first
        parent = by_id.get(c["parent_collection"]) or bb[c["biobank"]]
        for f in ["country", "contact", "head", "location", "latitude", "longitude"]:
            if c[f] is None:
                c[f] = parent.get(f, "")
    # Rows of another node that the node's rows reference.
    foreign_person = {"id": FOREIGN_PERSON, "first_name": "Eu", "last_name": "Ropa", "email": "eu@bbmri.example",
                      "country": "DE"}
    foreign_network = {"id": FOREIGN_NETWORK, "name": "CRC-Cohort", "description": "EU network",
                       "contact": FOREIGN_PERSON, "withdrawn": "false"}
    foreign_head = {"id": FOREIGN_HEAD, "first_name": "Jan", "last_name": "de Vries", "email": "jan@lumc.example",
                    "country": "NL"}
    foreign_study = {"id": FOREIGN_STUDY, "title": "A Dutch cohort study", "description": "NL study"}
    tables = {"Persons": persons + [foreign_person, foreign_head], "AlsoKnownIn": akis,
              "Networks": networks + [foreign_network], "Biobanks": biobanks, "Services": services,
              "Studies": studies + [foreign_study], "Collections": collections, "CollectionFacts": facts}
    os.makedirs(os.path.join(folder, "BBMRI-" + NODE))
    for name, rows in tables.items():
        columns = []
        for r in rows:
            columns += [k for k in r if k not in columns]
        with open(os.path.join(folder, "BBMRI-" + NODE, name + ".csv"), "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(columns)
            for r in rows:
                w.writerow([",".join(r[c]) if isinstance(r.get(c), list) else (r.get(c) or "") for c in columns])
    return tables


def config(work, master):
    path = os.path.join(work, "config.yaml")
    with open(path, "w") as out:
        out.write(f"""node: {NODE}
master: {master}
mappings: [{root}/mappings/miabis-2.0.yaml]
model: {root}/mappings/directory-model.yaml
directory:
  url: file:{work}/dir
state_dir: {work}/state
""")
    return path


# Lines of the pulled master that hold one value each (not ids, not structure).
VALUE_LINE = re.compile(r"^ +(?!- )(?!id:)(?!collections:)(?!file:)[a-zA-Z_]+: ")


def round_trip(seed):
    rnd = random.Random(seed)
    work = tempfile.mkdtemp(prefix="bbmri-dirsync-pull-")
    try:
        # References to other nodes' rows in odd seeds.
        foreign = seed % 2 == 1
        tables = generate(rnd, os.path.join(work, "dir"), foreign)
        master = os.path.join(work, "master.yaml")
        cfg = config(work, master)
        rc, out, err = run("-c", cfg, "pull")
        check(rc == 0, f"seed {seed}: pull exits 0 ({rc}: {err.strip()[:300]})")
        if rc != 0:
            return
        refers = any(x in open(master).read() for x in (FOREIGN_NETWORK, FOREIGN_STUDY, FOREIGN_HEAD))
        check(refers == foreign, f"seed {seed}: the pulled master refers to other nodes' rows: {refers}")
        # Before any diff or sync the state directory has no copy of the Directory: the rows of
        # other nodes cannot be checked, which is a warning, not an error.
        rc, out, err = run("-c", cfg, "check")
        check(rc == 0, f"seed {seed}: check of the pulled master exits 0 ({rc}: {out.strip()} {err.strip()[:600]})")
        check(("of another node, which cannot be checked" in err) == foreign,
              f"seed {seed}: check warns about other nodes' rows only when there are some")
        # Other nodes' rows resolve against the staging area: no error, no difference.
        rc, out, err = run("-c", cfg, "diff")
        check(rc == 0 and "0 added, 0 changed, 0 removed, 0 errors" in out,
              f"seed {seed}: diff after pull finds no difference ({rc}: {out.strip()} {err.strip()[:2000]})")
        # Now check resolves them from the staging snapshot the diff kept.
        rc, out, err = run("-c", cfg, "check")
        check(rc == 0 and "of another node" not in err,
              f"seed {seed}: check after diff exits 0 and resolves other nodes' rows ({rc}: {err.strip()[:600]})")
        nested = sum(1 for line in open(master) if re.match(r"^ {8,}collections:", line))
        if nested:
            check(True, f"seed {seed}: sub-collections nested ({nested} lists under collections)")
        # Teeth: any one value left out, or a fact altered, is a difference.
        lines = open(master).read().split("\n")
        candidates = [i for i, line in enumerate(lines) if VALUE_LINE.match(line)]
        for i in rnd.sample(candidates, min(4, len(candidates))):
            with open(master, "w") as fh:
                fh.write("\n".join(lines[:i] + lines[i + 1:]))
            rc, out, err = run("-c", cfg, "diff")
            # A difference, or (the line held a row together) an error in the master: not silence.
            check(rc == 1 or ", 0 errors" not in out,
                  f"seed {seed}: diff finds the dropped line {lines[i].strip()[:60]!r} ({rc}: {out.strip()})")
        with open(master, "w") as fh:
            fh.write("\n".join(lines))
        facts = os.path.join(work, "master-facts.csv")
        if os.path.exists(facts):
            data = open(facts).read()
            altered = re.sub(r",(\d+),", lambda m: f",{int(m.group(1)) + 1},", data, count=1)
            with open(facts, "w") as fh:
                fh.write(altered)
            rc, out, err = run("-c", cfg, "diff")
            check(rc in (1, 65) and "0 added, 0 changed, 0 removed" not in out and altered != data,
                  f"seed {seed}: diff finds an altered fact ({rc}: {out.strip()})")
        else:
            check(not tables["CollectionFacts"], f"seed {seed}: facts written when there are facts")
    finally:
        shutil.rmtree(work)


def benchmark_node():
    work = tempfile.mkdtemp(prefix="bbmri-dirsync-pull-bench-")
    try:
        subprocess.run([sys.executable, os.path.join(root, "tests/bench/gen-node.py"), "--scale", "0.02",
                        "--source-root", root, work], check=True, capture_output=True)
        cfg = os.path.join(work, "config.yaml")
        rc, out, err = run("-c", cfg, "pull", "-o", os.path.join(work, "pulled.yaml"), cwd=work)
        check(rc == 0, f"benchmark node: pull exits 0 ({rc}: {err.strip()[:300]})")
        text_ = open(cfg).read().replace("master: master.yaml", "master: pulled.yaml")
        with open(cfg, "w") as fh:
            fh.write(text_)
        rc, out, err = run("-c", cfg, "diff", cwd=work)
        check(rc in (0, 65) and "0 added, 0 changed, 0 removed" in out,
              f"benchmark node: diff after pull finds no difference ({rc}: {out.strip()} {err.strip()[:600]})")
    finally:
        shutil.rmtree(work)


for seed in range(seeds):
    round_trip(seed)
benchmark_node()
if failures:
    print(f"{len(failures)} failed", file=sys.stderr)
    sys.exit(1)
