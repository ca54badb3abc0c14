#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The diff benchmark (not a test): generates a node at scale 10 and 20, runs
`bbmri-dirsync diff --json` a few times on each, and prints wall time, peak memory (RSS of the
child) and the time of every phase as the program's JSON report records it.

Usage: tests/bench/run-bench.py BUILD/bbmri-dirsync [--scales 10,20] [--runs 3]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))


def run_once(program, workdir):
    start = time.monotonic()
    proc = subprocess.Popen([program, "-c", os.path.join(workdir, "config.yaml"), "--log-target", "console", "-q",
                             "diff", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    wall = time.monotonic() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"diff failed with {proc.returncode}: {err.decode()[-2000:]}")
    report = json.loads(out)
    return wall, report


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("program")
    ap.add_argument("--scales", default="10,20")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    program = os.path.abspath(a.program)
    for scale in [float(s) for s in a.scales.split(",")]:
        with tempfile.TemporaryDirectory(prefix="bbmri-bench-") as work:
            subprocess.run([sys.executable, os.path.join(here, "gen-node.py"), "--scale", str(scale),
                            "--source-root", root, work], check=True)
            best = None
            for _ in range(a.runs):
                # Peak RSS of this child alone: measure in a fresh helper process.
                code = ("import resource,subprocess,sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL,"
                        " stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
                rss = subprocess.run([sys.executable, "-c", code, program, "-c", os.path.join(work, "config.yaml"),
                                      "-q", "diff"], capture_output=True, text=True, check=True)
                wall, report = run_once(program, work)
                if best is None or wall < best[0]:
                    best = (wall, report, int(rss.stdout.strip()))
            wall, report, rss_kb = best
            c = report["counts"]
            phases = ", ".join(f"{p['name']} {p['seconds']:.3f}s" for p in report["phases"])
            print(f"scale {scale:g}: wall {wall:.3f}s (best of {a.runs}), peak RSS {rss_kb / 1024:.0f} MiB; "
                  f"{c['added']} added, {c['changed']} changed, {c['removed']} removed, {c['unchanged']} unchanged")
            print(f"  phases: {phases}")


if __name__ == "__main__":
    main()
