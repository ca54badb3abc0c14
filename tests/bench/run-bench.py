#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The diff benchmark (not a test): generates a node at scale 10 and 20, runs
`bbmri-dirsync diff --json` on each, and prints wall time, peak memory (RSS of the child), the
time of every phase as the program's JSON report records it, and how the time grows with the
input.

Method, so that the figures are of the program and not of the machine's state:
- both nodes are generated first and written out (sync), so that the kernel's writeback of
  280 MB of fresh files does not run during the timed runs;
- one untimed first run per node: it writes the state directory's snapshots, which later runs
  find unchanged (the daily case); its time is printed as the first run's;
- then RUNS rounds, each timing every scale once in turn, so that a slow spell of the machine
  falls on both scales alike; best and median are printed, and the ratio of each.

Usage: tests/bench/run-bench.py BUILD/bbmri-dirsync [--scales 10,20] [--runs 7]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))


def run_once(program, workdir):
    """Wall time and the JSON report of one `diff --json`."""
    start = time.monotonic()
    proc = subprocess.Popen([program, "-c", os.path.join(workdir, "config.yaml"), "--log-target", "console", "-q",
                             "diff", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    wall = time.monotonic() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"diff failed with {proc.returncode}: {err.decode()[-2000:]}")
    return wall, json.loads(out)


def peak_rss_kib(program, workdir):
    """Peak RSS of one `diff`, measured in a helper process of its own (RUSAGE_CHILDREN keeps
    the largest child ever waited for, the generator included)."""
    code = ("import resource,subprocess,sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL,"
            " stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, program, "-c", os.path.join(workdir, "config.yaml"), "-q",
                          "diff"], capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("program")
    ap.add_argument("--scales", default="10,20")
    ap.add_argument("--runs", type=int, default=7)
    a = ap.parse_args()
    program = os.path.abspath(a.program)
    scales = [float(s) for s in a.scales.split(",")]
    with tempfile.TemporaryDirectory(prefix="bbmri-bench-") as top:
        work = {}
        for scale in scales:
            work[scale] = os.path.join(top, f"scale-{scale:g}")
            subprocess.run([sys.executable, os.path.join(here, "gen-node.py"), "--scale", str(scale),
                            "--source-root", root, work[scale]], check=True)
        os.sync()
        first = {scale: run_once(program, work[scale])[0] for scale in scales}
        runs = {scale: [] for scale in scales}
        for _ in range(a.runs):
            for scale in scales:
                runs[scale].append(run_once(program, work[scale]))
        rss = {scale: peak_rss_kib(program, work[scale]) for scale in scales}
        summary = {}
        for scale in scales:
            walls = sorted(w for w, _ in runs[scale])
            best, median = walls[0], statistics.median(walls)
            _, report = min(runs[scale], key=lambda x: abs(x[0] - median))
            c = report["counts"]
            phases = ", ".join(f"{p['name']} {p['seconds']:.3f}s" for p in report["phases"])
            print(f"scale {scale:g}: wall best {best:.3f}s, median {median:.3f}s of {a.runs} "
                  f"(first run {first[scale]:.3f}s), peak RSS {rss[scale] / 1024:.0f} MiB; "
                  f"{c['added']} added, {c['changed']} changed, {c['removed']} removed, {c['unchanged']} unchanged")
            print(f"  phases (median run): {phases}")
            summary[scale] = (best, median)
        for lo, hi in zip(scales, scales[1:]):
            print(f"time x{hi / lo:g} input ({hi:g} / {lo:g}): best {summary[hi][0] / summary[lo][0]:.3f}, "
                  f"median {summary[hi][1] / summary[lo][1]:.3f}")


if __name__ == "__main__":
    main()
