#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`schema` writes a JSON Schema (draft 2020-12) of the master that a validator from Debian
(python3-jsonschema) accepts as a schema, that validates the example master and a pulled one,
and that rejects a misspelt field, an unknown lookup value and a missing required field; the
installed copy (built with the program) is one too. pull writes the yaml-language-server line
when a schema lies next to the master.

Usage: schema.py PROGRAM SOURCE_ROOT BUILD_ROOT
"""
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile

import jsonschema  # python3-jsonschema
import yaml        # python3-yaml

program, root, build = (os.path.abspath(a) for a in sys.argv[1:4])
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def load_yaml(path):
    # YAML 1.2 as the language server reads it: NO, yes and on stay text (PyYAML reads YAML 1.1).
    class Loader(yaml.SafeLoader):
        pass
    Loader.yaml_implicit_resolvers = {k: [(t, r) for t, r in v if t != "tag:yaml.org,2002:bool"]
                                      for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    Loader.add_implicit_resolver("tag:yaml.org,2002:bool", __import__("re").compile("^(?:true|false)$"),
                                 list("tf"))
    with open(path) as fh:
        return yaml.load(fh, Loader=Loader)


def errors(validator, doc):
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:160]}" for e in validator.iter_errors(doc)]


work = tempfile.mkdtemp(prefix="bbmri-dirsync-schema-")
try:
    shutil.copytree(os.path.join(root, "config"), os.path.join(work, "config"))
    shutil.copytree(os.path.join(root, "mappings"), os.path.join(work, "mappings"))
    cfg = os.path.join(work, "config", "example.yaml")
    out = os.path.join(work, "master.schema.json")
    p = subprocess.run([program, "-c", cfg, "schema", "-o", out], capture_output=True, text=True)
    check(p.returncode == 0 and os.path.exists(out), f"schema -o exits 0 ({p.returncode}: {p.stderr.strip()})")
    schema = json.load(open(out))
    p = subprocess.run([program, "-c", cfg, "schema"], capture_output=True, text=True)
    check(p.returncode == 0 and json.loads(p.stdout) == schema, "schema without -o writes the same to stdout")
    check(schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema", "draft 2020-12")
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
        check(True, "a valid JSON Schema")
    except jsonschema.SchemaError as e:
        check(False, f"a valid JSON Schema: {e.message}")
    v = jsonschema.Draft202012Validator(schema)

    master = load_yaml(os.path.join(root, "config", "example-master.yaml"))
    check(errors(v, master) == [], f"the example master validates: {errors(v, master)[:5]}")

    # Lookup fields list the ids, the labels and the mapping files' local terms they accept.
    materials = json.dumps(schema["$defs"]["MaterialTypes"])
    check('"SERUM"' in materials and '"Serum"' in materials, "MaterialTypes: Directory ids and labels")
    check('"S\\u00e9rum"' in materials or '"Sérum"' in materials, "MaterialTypes: the local term Sérum")
    check("collections" in schema["$defs"]["Biobanks"]["properties"], "biobanks nest collections")
    check("description" in schema["$defs"]["Collections"]["required"], "required fields are required")
    check("country" not in schema["$defs"]["Collections"]["required"], "inherited fields are not required")

    def mutated(change):
        doc = copy.deepcopy(master)
        change(doc)
        return errors(v, doc)

    def misspell(doc):
        c = doc["biobanks"][0]["collections"][0]
        c["descripton"] = c.pop("description")
    found = mutated(misspell)
    check(any("descripton" in e for e in found), f"a misspelt field is rejected: {found[:3]}")

    def unknown_material(doc):
        doc["biobanks"][0]["collections"][0]["materials"] = ["Moelle osseuse"]
    found = mutated(unknown_material)
    check(found != [], "an unknown lookup value is rejected")

    def no_name(doc):
        del doc["biobanks"][0]["name"]
    found = mutated(no_name)
    check(any("'name' is a required property" in e for e in found), f"a missing name is rejected: {found[:3]}")

    def top_level_typo(doc):
        doc["biobank"] = doc.pop("biobanks")
    check(mutated(top_level_typo) != [], "a misspelt section is rejected")

    # A pulled master validates too, and carries the language server's line when a schema lies
    # next to it.
    pulled_dir = os.path.join(work, "pulled")
    os.makedirs(pulled_dir)
    shutil.copy(out, os.path.join(pulled_dir, "master.schema.json"))
    pulled = os.path.join(pulled_dir, "be.yaml")
    p = subprocess.run([program, "-c", cfg, "pull", "-o", pulled], capture_output=True, text=True)
    check(p.returncode == 0, f"pull exits 0 ({p.returncode}: {p.stderr.strip()})")
    first = open(pulled).readline()
    check(first == "# yaml-language-server: $schema=master.schema.json\n", f"the language server's line: {first!r}")
    doc = load_yaml(pulled)
    check(errors(v, doc) == [], f"the pulled master validates: {errors(v, doc)[:5]}")

    installed = os.path.join(build, "mappings", "master.schema.json")
    check(os.path.exists(installed), "the copy to install is built")
    if os.path.exists(installed):
        copy_schema = json.load(open(installed))
        jsonschema.Draft202012Validator.check_schema(copy_schema)
        check(errors(jsonschema.Draft202012Validator(copy_schema), doc) == [],
              "the copy to install validates the pulled master")
finally:
    shutil.rmtree(work)

if failures:
    print(f"{len(failures)} failed", file=sys.stderr)
    sys.exit(1)
