#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generates a synthetic node at a given scale for the diff benchmark.

scale 1 is the size of the whole live Directory (400 biobanks, 3,600 collections, 2,000 persons,
40,000 collection facts); scale 10 is ten times that. Writes, into OUT:
  master.yaml, facts-NN.csv          the node's master (facts in CSV files, as a big node keeps them)
  remote/BBMRI-XX/<Table>.csv        the staging schema: the same rows, with CHANGED_FRACTION of them
                                     changed, a few removed and a few missing (added locally)
  config.yaml                        a configuration for `bbmri-dirsync diff`
Deterministic for a given scale and seed.
"""
import argparse
import csv
import os
import random

CHANGED_FRACTION = 0.01

MATERIALS = ["SERUM", "PLASMA", "DNA", "RNA", "WHOLE_BLOOD", "TISSUE_FROZEN", "TISSUE_PARAFFIN_EMBEDDED", "URINE"]
SEXES = ["MALE", "FEMALE", "UNKNOWN"]
AGE_RANGES = ["Adult", "Aged (65-79 years)", "Middle-aged"]
ICD = ["C50.9", "C18", "C34", "G30", "I25", "E11", "J45", "K50"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=10)
    ap.add_argument("--node", default="BE")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--source-root", required=True)
    ap.add_argument("out")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    node = a.node
    n_biobanks = int(400 * a.scale)
    n_collections_per = 9
    n_persons = int(2000 * a.scale)
    n_facts = int(40000 * a.scale)
    os.makedirs(os.path.join(a.out, "remote", "BBMRI-" + node), exist_ok=True)

    persons, biobanks, collections, facts = [], [], [], []
    for i in range(n_persons):
        persons.append({"id": f"bbmri-eric:contactID:{node}_p{i}", "first_name": f"First{i}",
                        "last_name": f"Last{i}", "email": f"person{i}@biobank{i % 97}.be",
                        "phone": f"+32{rnd.randrange(10**8, 10**9)}", "country": node})
    for b in range(n_biobanks):
        bid = f"bbmri-eric:ID:{node}_bb{b}"
        biobanks.append({"id": bid, "name": f"Biobank number {b}", "acronym": f"BB{b}",
                         "description": f"Synthetic biobank number {b} for the benchmark",
                         "juridical_person": f"Hospital {b}", "country": node, "location": "Gent",
                         "contact": persons[b % n_persons]["id"], "withdrawn": "false",
                         "latitude": "51.0245", "longitude": "3.7106"})
        for c in range(n_collections_per):
            size = rnd.randrange(100, 100000)
            oom = len(str(size)) - 1
            # Nested collections inherit location and coordinates from their biobank.
            collections.append({"id": f"{bid}:collection:c{c}", "name": f"Collection {c} of biobank {b}",
                                "location": "Gent", "latitude": "51.0245", "longitude": "3.7106",
                                "description": f"Synthetic collection {c} of biobank {b} with samples",
                                "country": node, "contact": persons[(b * 7 + c) % n_persons]["id"],
                                "biobank": bid, "withdrawn": "false",
                                "type": ["DISEASE_SPECIFIC", "SAMPLE"],
                                "data_categories": ["BIOLOGICAL_SAMPLES", "MEDICAL_RECORDS"],
                                "materials": rnd.sample(MATERIALS, 3), "size": str(size),
                                "order_of_magnitude": str(oom),
                                "diagnosis_available": ["urn:miriam:icd:" + x for x in rnd.sample(ICD, 2)],
                                "age_low": "18", "age_high": "90", "age_unit": "YEAR",
                                "sex": ["MALE", "FEMALE"]})
    for f in range(n_facts):
        col = collections[f % len(collections)]
        facts.append({"id": f"bbmri-eric:factID:{node}_f{f}", "collection": col["id"],
                      "sex": SEXES[f % 3], "age_range": AGE_RANGES[f % 3],
                      "sample_type": MATERIALS[f % len(MATERIALS)],
                      "disease": "urn:miriam:icd:" + ICD[f % len(ICD)],
                      "number_of_samples": str(10 + f % 500), "number_of_donors": str(10 + f % 100),
                      "last_update": "2026-01-15"})

    # Master: persons and biobanks with nested collections in YAML, facts in CSV files.
    def yaml_value(v):
        if isinstance(v, list):
            return "[" + ", ".join(yaml_value(x) for x in v) + "]"
        return '"' + v.replace('\\', '\\\\').replace('"', '\\"') + '"'

    facts_files = []
    fact_fields = ["id", "collection", "sex", "age_range", "sample_type", "disease", "number_of_samples",
                   "number_of_donors", "last_update"]
    per_file = 50000
    for k in range(0, len(facts), per_file):
        name = f"facts-{k // per_file:02d}.csv"
        with open(os.path.join(a.out, name), "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(fact_fields)
            for row in facts[k:k + per_file]:
                w.writerow([row[x] for x in fact_fields])
        facts_files.append(name)

    by_biobank = {}
    for c in collections:
        by_biobank.setdefault(c["biobank"], []).append(c)
    with open(os.path.join(a.out, "master.yaml"), "w") as out:
        out.write(f"node: {node}\npersons:\n")
        for p in persons:
            out.write("  - " + "\n    ".join(f"{k}: {yaml_value(v)}" for k, v in p.items()) + "\n")
        out.write("biobanks:\n")
        for b in biobanks:
            out.write("  - " + "\n    ".join(f"{k}: {yaml_value(v)}" for k, v in b.items() if k != "withdrawn") + "\n")
            out.write("    collections:\n")
            for c in by_biobank[b["id"]]:
                skip = ("biobank", "country", "contact", "withdrawn", "order_of_magnitude", "location", "latitude",
                        "longitude")
                local = dict(c)
                local["id"] = c["id"].split(":collection:")[1]
                out.write("      - " + "\n        ".join(f"{k}: {yaml_value(v)}" for k, v in local.items()
                                                         if k not in skip) + "\n")
                out.write(f"        contact: {yaml_value(c['contact'])}\n")
        out.write("collection_facts:\n")
        for name in facts_files:
            out.write(f"  - file: {name}\n")

    # The staging schema: the same rows, 1% changed, some removed (remote only) and added (local only).
    def write_table(name, rows, columns):
        with open(os.path.join(a.out, "remote", "BBMRI-" + node, name + ".csv"), "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(columns)
            for r in rows:
                w.writerow([",".join(r[c]) if isinstance(r.get(c), list) else r.get(c, "") for c in columns])

    def remote_version(rows, mutate):
        out = []
        for i, r in enumerate(rows):
            if i % 1000 == 7:
                continue  # missing remotely: "added"
            r = dict(r)
            if rnd.random() < CHANGED_FRACTION:
                mutate(r)
            out.append(r)
        for i in range(max(1, len(rows) // 2000)):
            extra = dict(rows[i])
            extra["id"] = extra["id"] + "-gone"
            out.append(extra)  # remote only: "removed"
        return out

    def m_person(r): r["email"] = "changed-" + r["email"]
    def m_biobank(r): r["description"] = r["description"] + " (updated)"
    def m_collection(r):
        r["materials"] = list(reversed(r["materials"]))  # order only: not a change
        r["name"] = r["name"] + " (renamed)"
    def m_fact(r): r["number_of_samples"] = str(int(r["number_of_samples"]) + 1)

    remote_collections = remote_version(collections, m_collection)
    for r in remote_collections:  # removed collections must not reference removed parents
        r.pop("parent_collection", None)
    write_table("Persons", remote_version(persons, m_person),
                ["id", "first_name", "last_name", "email", "phone", "country"])
    write_table("Biobanks", remote_version(biobanks, m_biobank),
                ["id", "name", "acronym", "description", "juridical_person", "country", "location", "contact",
                 "withdrawn", "latitude", "longitude"])
    write_table("Collections", remote_collections,
                ["id", "name", "description", "country", "location", "latitude", "longitude", "contact", "biobank",
                 "withdrawn", "type",
                 "data_categories", "materials", "size", "order_of_magnitude", "diagnosis_available",
                 "age_low", "age_high", "age_unit", "sex"])
    write_table("CollectionFacts", remote_version(facts, m_fact), fact_fields)

    root = os.path.abspath(a.source_root)
    with open(os.path.join(a.out, "config.yaml"), "w") as out:
        out.write(f"""node: {node}
master: master.yaml
mappings: [{root}/mappings/miabis-2.0.yaml]
model: {root}/mappings/directory-model.yaml
directory:
  url: file:remote
state_dir: state
""")
    print(f"{n_persons} persons, {n_biobanks} biobanks, {len(collections)} collections, {n_facts} facts in {a.out}")


if __name__ == "__main__":
    main()
