#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The manual pages: each renders without a warning (`man --warnings -l`), bbmri-dirsync.yaml(5)
names every key the configuration parser accepts (read from daemon/config.c), and
bbmri-dirsync(8) names every command and long option of `bbmri-dirsync --help`.

Usage: man-pages.py PROGRAM SOURCE_ROOT
"""
import os
import re
import subprocess
import sys

program, root = sys.argv[1], sys.argv[2]
mandir = os.path.join(root, "packaging", "man")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def plain(page):
    """The page as man renders it, without formatting."""
    env = dict(os.environ, MANWIDTH="100", MAN_KEEP_FORMATTING="0")
    out = subprocess.run(["man", "--warnings", "-l", os.path.join(mandir, page)], capture_output=True, text=True,
                         env=env)
    return out.returncode, re.sub(r".\x08", "", out.stdout), out.stderr


pages = sorted(p for p in os.listdir(mandir) if re.match(r".*\.[58]$", p))
check(len(pages) == 4, f"four pages ({', '.join(pages)})")
texts = {}
for page in pages:
    rc, text, err = plain(page)
    check(rc == 0 and err.strip() == "", f"{page} renders without warnings{': ' + err.strip() if err.strip() else ''}")
    texts[page] = text

# Every key of the configuration, from the parser's own lists of allowed keys.
source = open(os.path.join(root, "daemon", "config.c")).read()
keys = set()
for block in re.findall(r"keys\[\] = \{(.*?)\};", source, re.S):
    keys.update(re.findall(r'"([a-z_]+)"', block))
keys -= {"token", "password"}  # refused on purpose: secrets never sit in the file
check(len(keys) > 20, f"{len(keys)} configuration keys found in config.c")
yaml5 = texts.get("bbmri-dirsync.yaml.5", "")
for key in sorted(keys):
    check(re.search(r"\b" + re.escape(key) + r"\b", yaml5) is not None, f"bbmri-dirsync.yaml(5) documents '{key}'")

# Every command and long option of --help.
helptext = subprocess.run([program, "--help"], capture_output=True, text=True).stdout
commands = re.findall(r"^  ([a-z]+)\b", helptext.split("Commands:")[1].split("Options:")[0], re.M)
options = set(re.findall(r"(--[a-z][a-z-]+)", helptext))
check(len(commands) >= 6 and len(options) >= 8, f"--help lists {len(commands)} commands and {len(options)} options")
page8 = texts.get("bbmri-dirsync.8", "")
for word in commands:
    check(re.search(r"\b" + word + r"\b", page8) is not None, f"bbmri-dirsync(8) documents the command '{word}'")
for opt in sorted(options):
    check(opt in page8.replace("\u2010", "-").replace("\u2212", "-"), f"bbmri-dirsync(8) documents '{opt}'")
for code in ("64", "65", "69", "73", "75", "77", "78"):
    check(re.search(r"^\s+" + code + r"\b", page8, re.M) is not None, f"bbmri-dirsync(8) lists exit status {code}")

print(f"{len(failures)} check(s) failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
