#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The CSV-folder benchmark (not a test): the benchmark's node (gen-node.py) given as a CSV-folder
master (what `export -f emx2-csv` writes), against the same staging area.

Prints, best and median of RUNS rounds each:
- the wall time of `bbmri-dirsync diff` with the CSV folder as master, and of the yardstick,
  python-diff.py (csv + dicts) on the same two folders, and their ratio;
- the peak RSS of `diff` with the CSV folder and with the YAML master of the same node, and their
  ratio.

Usage: tests/bench/csv-folder-bench.py BUILD/bbmri-dirsync [--scale 10] [--runs 5]
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))


def timed(argv):
    start = time.monotonic()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.monotonic() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"{argv[0]} failed with {proc.returncode}: {proc.stderr.decode()[-2000:]}")
    return wall


def peak_rss_kib(argv):
    code = ("import resource,subprocess,sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL,"
            " stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code] + argv, capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("program")
    ap.add_argument("--scale", type=float, default=10)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    program = os.path.abspath(a.program)
    with tempfile.TemporaryDirectory(prefix="bbmri-dirsync-csvbench-") as tmp:
        subprocess.run([sys.executable, os.path.join(here, "gen-node.py"), "--scale", str(a.scale), "--source-root",
                        root, tmp], check=True, stdout=subprocess.DEVNULL)
        yaml_config = os.path.join(tmp, "config.yaml")
        folder = os.path.join(tmp, "master-csv")
        subprocess.run([program, "-c", yaml_config, "-q", "export", "-f", "emx2-csv", "-o", folder], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        csv_config = os.path.join(tmp, "config-csv.yaml")
        with open(yaml_config) as f, open(csv_config, "w") as g:
            g.write(f.read().replace("master: master.yaml", "master: master-csv"))
        os.sync()
        ours = [program, "-c", csv_config, "--log-target", "console", "-q", "diff"]
        yardstick = [sys.executable, os.path.join(here, "python-diff.py"), folder,
                     os.path.join(tmp, "remote", "BBMRI-BE")]
        timed(ours)  # the first run writes the snapshots
        t_ours, t_python = [], []
        for _ in range(a.runs):
            t_ours.append(timed(ours))
            t_python.append(timed(yardstick))
        rss_csv = peak_rss_kib(ours)
        rss_yaml = peak_rss_kib([program, "-c", yaml_config, "-q", "diff"])
        print(f"scale {a.scale:g}, {a.runs} rounds")
        print(f"diff, CSV-folder master: best {min(t_ours):.2f} s, median {statistics.median(t_ours):.2f} s")
        print(f"python-diff.py:          best {min(t_python):.2f} s, median {statistics.median(t_python):.2f} s")
        print(f"python / ours: {statistics.median(t_python) / statistics.median(t_ours):.2f} (median), "
              f"{min(t_python) / min(t_ours):.2f} (best); target >= 10")
        print(f"peak RSS: CSV folder {rss_csv / 1024:.0f} MiB, YAML {rss_yaml / 1024:.0f} MiB, "
              f"ratio {rss_csv / rss_yaml:.3f}; target <= 1.2")


if __name__ == "__main__":
    main()
