#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The yardstick for `diff` of a CSV-folder master: a straightforward Python diff of two folders
of <Table>.csv files (the master's and the staging area's), with the csv module and dicts.

For every table file of the master folder: rows by id on both sides; a row only in the master is
added, only in the staging area removed, and one whose values differ in a column the master has
is changed (list values compare as sets of their comma-separated items). Prints the counts, so
that they can be set beside bbmri-dirsync's own, and the seconds it took.

    python3 tests/bench/python-diff.py MASTER_FOLDER STAGING_FOLDER
"""
import csv
import os
import sys
import time

csv.field_size_limit(1 << 30)


def read_table(path):
    rows = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rows[row["id"]] = row
    return rows


def same(a, b):
    if a == b:
        return True
    if "," in a or "," in b:
        return set(x.strip() for x in a.split(",") if x.strip()) == set(x.strip() for x in b.split(",") if x.strip())
    return False


def main():
    master, staging = sys.argv[1], sys.argv[2]
    start = time.monotonic()
    added = changed = removed = unchanged = 0
    for name in sorted(os.listdir(master)):
        if not name.endswith(".csv"):
            continue
        local = read_table(os.path.join(master, name))
        remote_path = os.path.join(staging, name)
        remote = read_table(remote_path) if os.path.exists(remote_path) else {}
        for id_, row in local.items():
            other = remote.get(id_)
            if other is None:
                added += 1
            elif all(same(v, other.get(k, "")) for k, v in row.items()):
                unchanged += 1
            else:
                changed += 1
        removed += sum(1 for id_ in remote if id_ not in local)
    seconds = time.monotonic() - start
    print(f"{added} added, {changed} changed, {removed} removed, {unchanged} unchanged; {seconds:.2f} s")


if __name__ == "__main__":
    main()
