# SPDX-License-Identifier: MIT
"""Helpers for programs that run bbmri-dirsync against the Directory emulator (tests/emulator):
the HTTP tests and the benchmark."""
import csv
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time

failures = []


def check(cond, what):
    """One check: printed, and remembered when it fails."""
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def waves(reqs):
    """Round trips a client waited for one after the other, from the emulator's request log (each
    line's start_ms and end_ms): the longest chain of requests in which each arrived after the one
    before it was answered. Requests that overlap are one wave."""
    reqs = sorted(reqs, key=lambda r: r["start_ms"])
    depth = []
    for i, r in enumerate(reqs):
        depth.append(1 + max([depth[j] for j in range(i) if reqs[j]["end_ms"] <= r["start_ms"]] or [0]))
    return max(depth or [0])


def write_ontologies(folder, root):
    """The lookup tables the Directory serves, as CSV (name, label), from the project's own
    built-in vocabularies (mappings/vocabularies.tsv: "@table<TAB>NAME", then "ID<TAB>LABEL")."""
    os.makedirs(folder, exist_ok=True)
    tables, current = {}, None
    for line in open(os.path.join(root, "mappings", "vocabularies.tsv"), encoding="utf-8"):
        if line.startswith("#"):
            continue
        key, value = line.rstrip("\n").split("\t")
        if key == "@table":
            current = tables.setdefault(value, [])
        elif not key.startswith("@"):
            current.append((key, value))
    for name, terms in tables.items():
        with open(os.path.join(folder, name + ".csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["name", "label"])
            for term in terms:
                w.writerow(term)


def example_node(work, root):
    """The example's master and facts copied into work, its Directory into work/remote with the
    lookup tables; returns the remote folder."""
    for name in ("example-master.yaml", "example-facts"):
        src = os.path.join(root, "config", name)
        (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, os.path.join(work, name))
    remote = os.path.join(work, "remote")
    shutil.copytree(os.path.join(root, "config", "example-directory"), remote)
    write_ontologies(os.path.join(remote, "DirectoryOntologies"), root)
    return remote


def start_emulator(emulator, work, args):
    """The emulator on a port of 127.0.0.1 the kernel chose, over plain http: (process, port)."""
    port_file = os.path.join(work, "port")
    proc = subprocess.Popen([emulator, "--port", "0", "--port-file", port_file] + list(args),
                            stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(port_file) or proc.poll() is not None:
            break
        time.sleep(0.05)
    if not os.path.exists(port_file):
        proc.kill()
        sys.exit("the emulator did not start")
    return proc, int(open(port_file).read())


def stop_emulator(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=10)


def new_token_file(work):
    """A random token in work/token (mode 0600): (token, its file)."""
    token = "tok-" + secrets.token_hex(16)
    token_file = os.path.join(work, "token")
    with open(token_file, "w") as f:
        f.write(token + "\n")
    os.chmod(token_file, 0o600)
    return token, token_file


def write_example_config(path, root, url, token_file, mode):
    """A configuration of the example node against url (state in ./state)."""
    with open(path, "w") as f:
        f.write("\n".join([
            "node: BE", "master: example-master.yaml",
            f"mappings: [{root}/mappings/miabis-2.0.yaml, {root}/mappings/example-local.yaml]",
            f"model: {root}/mappings/directory-model.yaml",
            "directory:", f"  url: {url}", f"  token_file: {token_file}",
            f"mode: {mode}", "state_dir: state", ""]))


def client_env():
    """The environment for the program: no proxy for loopback."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env
