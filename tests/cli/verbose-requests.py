#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""-v shows each HTTP request as it ends: method, path, status and time, one line each, never a
token or a query (the published read's node filter stays out), retried tries too; without -v
none. Against the Directory emulator (tests/emulator) over plain http on 127.0.0.1.

Usage: verbose-requests.py PROGRAM EMULATOR SOURCE_ROOT
"""
import os
import re
import subprocess
import sys
import tempfile

program, emulator, root = sys.argv[1:4]
sys.path.insert(0, os.path.join(root, "tests", "http"))
from emulator_helpers import (check, client_env, example_node, failures, new_token_file,  # noqa: E402
                              start_emulator, stop_emulator, write_example_config)

TABLES = ["Persons", "AlsoKnownIn", "Networks", "Biobanks", "Services", "Studies", "Collections", "CollectionFacts"]
# "GET /BBMRI-BE/api/csv/Biobanks: 200 in 0.012 s (1234 bytes)", "... (try 2)"
LINE = re.compile(r"^(?:debug: )?(GET|POST|DELETE) (/\S*): (\d{3}|[^,]+?) in (\d+\.\d{3}) s(?: \((\d+) bytes\))?(?: \(try (\d+)\))?$")


def request_lines(text):
    return [m.groups() for m in (LINE.match(line.strip()) for line in text.splitlines()) if m]


def main():
    with tempfile.TemporaryDirectory(prefix="bbmri-verbose-") as work:
        remote = example_node(work, root)
        token, token_file = new_token_file(work)
        # The second read answers 503 once: its retry shows as a second try.
        emu, port = start_emulator(emulator, work, ["--root", remote, "--token", f"{token}=editor",
                                                    "--fault", "503@r2"])
        try:
            config = os.path.join(work, "config.yaml")
            write_example_config(config, root, f"http://127.0.0.1:{port}", token_file, "report")
            env = client_env()

            def run(*args):
                p = subprocess.run([program, "-c", config, "--log-target", "console"] + list(args),
                                   capture_output=True, text=True, env=env, timeout=300)
                return p.returncode, p.stdout, p.stderr

            code, out, err = run("-v", "sync")
            if not check(code == 0, f"sync -v exits 0 ({code})"):
                print(err[-3000:])
            lines = request_lines(err)
            paths = [(m, p) for m, p, *_ in lines]
            for t in TABLES:
                check(("GET", f"/BBMRI-BE/api/csv/{t}") in paths, f"-v shows the read of {t}")
            check(("GET", "/BBMRI-BE/api/csv") in paths, "-v shows the read of the live model")
            check(("GET", "/DirectoryOntologies/api/zip") in paths, "-v shows the read of the lookup tables")
            check(all(re.fullmatch(r"\d{3}", s) or s for _, _, s, *_ in lines), "each line has a status")
            ok = [l for l in lines if l[2] == "200"]
            check(ok and all(l[4] is not None for l in ok), "an answered request names its size")
            retried = [l for l in lines if l[5] == "2"]
            first = [l for l in lines if l[2] == "503"]
            check(len(first) == 1 and len(retried) == 1 and retried[0][1] == first[0][1] and retried[0][2] == "200",
                  f"the 503 and its second try each show, on the same path ({first}, {retried})")
            check(token not in out + err, "the token appears in no output")

            code, out, err = run("-v", "diff", "--against", "published")
            lines = request_lines(err)
            pub = [l for l in lines if l[1].startswith("/ERIC/api/csv/")]
            check(len(pub) == len(TABLES), f"-v shows each published read ({len(pub)})")
            check("filter" not in err and "national_node" not in err, "no query is shown")

            code, out, err = run("sync")
            check(code == 0 and not request_lines(err), "without -v no request is shown")
        finally:
            stop_emulator(emu)
    if failures:
        sys.exit(f"{len(failures)} check(s) failed")


main()
