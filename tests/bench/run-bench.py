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

Round trips (with --emulator): the example node against the Directory emulator over http on
127.0.0.1 with every request held LATENCY ms at the server (its latency fault); for a run that must
fetch the lookup tables first, a no-change sync, a run whose lookup refresh is due and a push with
its verification, the requests sent, the round trips waited for one after the other (waves, from
the emulator's request log) against the targets, and the wall time.

Usage: tests/bench/run-bench.py BUILD/bbmri-dirsync [--scales 10,20] [--runs 7]
                                [--emulator BUILD/tests/emulator/emx2-emulator [--latency 100]]
                                [--no-diff]
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
sys.path.insert(0, os.path.join(root, "tests", "http"))
from emulator_helpers import (client_env, example_node, start_emulator, stop_emulator, waves,  # noqa: E402
                              write_example_config)

# What a run may wait for in sequence, beyond connecting (issue 16).
ROUND_TRIP_TARGETS = [("first run, lookup tables fetched first", 3), ("no-change sync", 2),
                      ("lookup refresh due", 3), ("push with verification", 6)]


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


def round_trips(program, emulator, latency_ms):
    """Requests, waves and wall time of the four kinds of run against the emulator."""
    with tempfile.TemporaryDirectory(prefix="bbmri-bench-rt-") as work:
        remote = example_node(work, root)
        token = os.path.join(work, "token")
        with open(token, "w") as f:
            f.write("bench-token\n")
        os.chmod(token, 0o600)
        log = os.path.join(work, "requests.jsonl")
        emu, port = start_emulator(emulator, work, ["--root", remote, "--request-log", log, "--token",
                                                    "bench-token=editor", "--fault", f"latency:{latency_ms}@1-1000000"])
        try:
            config = os.path.join(work, "config.yaml")
            write_example_config(config, root, f"http://127.0.0.1:{port}", token, "push")
            env = client_env()

            def timed(*args):
                seen = sum(1 for _ in open(log)) if os.path.exists(log) else 0
                start = time.monotonic()
                p = subprocess.run([program, "-c", config, "-q"] + list(args), capture_output=True, env=env)
                wall = time.monotonic() - start
                if p.returncode != 0:
                    sys.exit(f"{' '.join(args)} failed with {p.returncode}: {p.stderr.decode()[-2000:]}")
                reqs = [json.loads(l) for l in open(log).read().splitlines()[seen:] if l.strip()]
                return len(reqs), waves(reqs), wall

            rows = [timed("sync", "--dry-run"), timed("sync", "--dry-run")]
            old = time.time() - 2 * 86400
            os.utime(os.path.join(work, "state", "ontologies"), (old, old))
            rows.append(timed("sync", "--dry-run"))
            rows.append(timed("sync"))
        finally:
            stop_emulator(emu)
    print(f"round trips at {latency_ms} ms a request (the example node, http on 127.0.0.1):")
    for (what, target), (n, w, wall) in zip(ROUND_TRIP_TARGETS, rows):
        print(f"  {what}: {n} requests in {w} round trip{'s' if w != 1 else ''} (target at most {target}), "
              f"{wall:.2f} s{'' if w <= target else '  OVER TARGET'}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("program")
    ap.add_argument("--scales", default="10,20")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--emulator")
    ap.add_argument("--latency", type=int, default=100)
    ap.add_argument("--no-diff", action="store_true", help="only the round trips")
    a = ap.parse_args()
    program = os.path.abspath(a.program)
    if a.emulator:
        round_trips(program, os.path.abspath(a.emulator), a.latency)
    if a.no_diff:
        return
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
