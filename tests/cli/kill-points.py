#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A push killed at every point where it changes a file (tests/killpoint: the N-th such call is a
# SIGKILL), on the example with the file backend in push mode: after each kill the next sync, which
# holds the lock, leaves no temporary behind (state directory, snapshots, the remote folder) and
# converges (the Directory then equals what an uninterrupted sync makes: the sync verified it).
# Usage: kill-points.py PROGRAM SOURCE_ROOT KILLPOINT_LIBRARY
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

program, root, library = sys.argv[1:4]
failures = []
TEMPORARY = re.compile(r"(\.tmp-|^snapshots\.(new|old)-)[A-Za-z0-9]{6}$")


def check(cond, what):
    if not cond:
        print("FAIL " + what, flush=True)
        failures.append(what)
    return cond


def setup(work):
    """The example as the kill leaves it: its Directory folder copied, what is only read linked."""
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "config"))
    os.symlink(os.path.join(os.path.abspath(root), "mappings"), os.path.join(work, "mappings"))
    for name in ("example-master.yaml", "example-facts"):
        os.symlink(os.path.join(os.path.abspath(root), "config", name), os.path.join(work, "config", name))
    shutil.copytree(os.path.join(root, "config", "example-directory"), os.path.join(work, "config", "example-directory"))
    cfg = os.path.join(work, "config", "example.yaml")
    shutil.copy(os.path.join(root, "config", "example.yaml"), cfg)
    text = open(cfg).read().replace("\nmode: report\n", "\nmode: push\n")
    open(cfg, "w").write(text)
    return cfg


def sanitizer_runtimes():
    """A sanitizer build's runtime must come first in the process: preloaded before the library."""
    try:
        out = subprocess.run(["ldd", program], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode()
    except OSError:
        return []
    return [m.group(1) for m in re.finditer(r"\s(\S*lib(?:asan|ubsan)\.so\S*) \(", out)]


preload = ":".join(sanitizer_runtimes() + [library])


def run(cfg, *args, kill_at=None, count=None):
    env = dict(os.environ)
    if kill_at is not None or count:
        env["LD_PRELOAD"] = preload
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0").lstrip(":")
    if kill_at is not None:
        env["KILLPOINT_AT"] = str(kill_at)
    if count:
        env["KILLPOINT_COUNT"] = count
    p = subprocess.run([program, "-c", cfg] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, timeout=120)
    return p.returncode, p.stdout.decode() + p.stderr.decode()


def tree(folder):
    """Every file under folder with its digest, and every temporary name."""
    files, temporaries = {}, []
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            if TEMPORARY.search(name):
                temporaries.append(os.path.relpath(os.path.join(dirpath, name), folder))
        for name in filenames:
            path = os.path.join(dirpath, name)
            files[os.path.relpath(path, folder)] = hashlib.sha256(open(path, "rb").read()).hexdigest()
    return files, temporaries


with tempfile.TemporaryDirectory(prefix="bbmri-kill-") as base:
    # The reference: one sync that runs to its end, with the points counted.
    work = os.path.join(base, "reference")
    cfg = setup(work)
    count_file = os.path.join(base, "count")
    code, out = run(cfg, "sync", count=count_file)
    check(code == 0, f"an uninterrupted sync exits 0 ({code}): {out[-2000:]}")
    points = int(open(count_file).read())
    check(points > 50, f"the sync has many kill points ({points})")
    reference, _ = tree(os.path.join(work, "config", "example-directory"))

    # Every point; a sanitizer build, some three times slower a run, every fourth (CI time).
    step = 4 if preload != library else 1
    killed = tried = 0
    for n in range(1, points + 1, step):
        tried += 1
        work = os.path.join(base, "run")
        cfg = setup(work)
        code, out = run(cfg, "sync", kill_at=n)
        if code != -9:
            # The last points come after the run's work is done (its exit): nothing to kill there.
            check(code == 0, f"kill point {n}: a sync that was not killed exits 0 ({code}): {out[-1500:]}")
            continue
        killed += 1
        code, out = run(cfg, "sync")
        check(code == 0, f"kill point {n}: the next sync exits 0 ({code}): {out[-1500:]}")
        state_files, state_temporaries = tree(os.path.join(work, "config", "example-state"))
        remote_files, remote_temporaries = tree(os.path.join(work, "config", "example-directory"))
        check(not state_temporaries, f"kill point {n}: nothing left in the state directory ({state_temporaries})")
        check(not remote_temporaries, f"kill point {n}: nothing left in the remote folder ({remote_temporaries})")
        check(remote_files == reference,
              f"kill point {n}: the Directory equals what an uninterrupted sync makes "
              f"({sorted(k for k in set(remote_files) | set(reference) if remote_files.get(k) != reference.get(k))})")
        if len(failures) > 20:
            break
    check(killed > tried / 2, f"most points killed the run ({killed} of {tried})")
    print(f"{killed} kill points of {points} (every {step}), each followed by a sync that cleaned up and converged")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
