#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`bbmri-dirsync daemon` under a fake service manager: a NOTIFY_SOCKET the test reads, a short
interval, WATCHDOG_USEC set. Checks READY, STATUS, repeated runs, WATCHDOG pings, RELOADING on
SIGHUP (a good and a broken configuration: the old one stays in force), STOPPING on SIGTERM and
the exit code.

Usage: daemon-notify.py PROGRAM SOURCE_ROOT
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

program, root = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def config_text(interval):
    return (f"node: BE\nmaster: example-master.yaml\n"
            f"mappings: [{root}/mappings/miabis-2.0.yaml, {root}/mappings/example-local.yaml]\n"
            f"model: {root}/mappings/directory-model.yaml\n"
            f"directory:\n  url: file:example-directory\n"
            f"schedule:\n  interval: {interval}\n  random_delay: 0s\nstate_dir: state\n")


with tempfile.TemporaryDirectory(prefix="bbmri-daemon-") as work:
    for name in ("example-master.yaml", "example-facts", "example-directory"):
        src = os.path.join(root, "config", name)
        (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, os.path.join(work, name))
    config = os.path.join(work, "config.yaml")
    with open(config, "w") as f:
        f.write(config_text("1s"))

    sock_path = os.path.join(work, "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    env = dict(os.environ, NOTIFY_SOCKET=sock_path, WATCHDOG_USEC="400000")
    env.pop("WATCHDOG_PID", None)
    log = open(os.path.join(work, "daemon.log"), "w+")
    proc = subprocess.Popen([program, "-c", config, "--log-target", "console", "daemon"], stdout=log, stderr=log,
                            env=env)
    messages = []

    def wait_for(pred, timeout):
        """Reads notifications until pred(message) holds for one of them; returns it or None."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            sock.settimeout(max(0.01, end - time.monotonic()))
            try:
                data = sock.recv(4096).decode()
            except socket.timeout:
                break
            messages.append(data)
            if pred(data):
                return data
        return None

    def fields(msg):
        return dict(line.split("=", 1) for line in msg.split("\n") if "=" in line)

    try:
        check(wait_for(lambda m: fields(m).get("READY") == "1", 10) is not None, "READY=1 once configured")
        first = wait_for(lambda m: "sync 1 succeeded" in fields(m).get("STATUS", ""), 10)
        check(first is not None, "STATUS names the first run's outcome")
        check(first is not None and "next run at" in first, "STATUS names the next run time")
        check(wait_for(lambda m: "sync 2 succeeded" in fields(m).get("STATUS", ""), 10) is not None,
              "a second run one interval later")
        check(wait_for(lambda m: fields(m).get("WATCHDOG") == "1", 5) is not None, "WATCHDOG=1 pings")

        proc.send_signal(signal.SIGHUP)
        reloading = wait_for(lambda m: fields(m).get("RELOADING") == "1", 10)
        check(reloading is not None and "MONOTONIC_USEC" in fields(reloading), "RELOADING=1 with MONOTONIC_USEC")
        check(wait_for(lambda m: fields(m).get("READY") == "1", 10) is not None, "READY=1 after the reload")

        with open(config, "w") as f:
            f.write("node: BE\nmaster: [unclosed\n")
        proc.send_signal(signal.SIGHUP)
        check(wait_for(lambda m: fields(m).get("RELOADING") == "1", 10) is not None, "RELOADING=1 again")
        check(wait_for(lambda m: fields(m).get("READY") == "1", 10) is not None, "READY=1 after a broken reload")
        runs_before = sum("succeeded" in fields(m).get("STATUS", "") for m in messages)
        check(wait_for(lambda m: "succeeded" in fields(m).get("STATUS", ""), 10) is not None and proc.poll() is None,
              "runs go on with the old configuration")
        log.flush()
        log.seek(0)
        text = log.read()
        check("the previous one stays in force" in text, "the broken configuration is reported")
        check(runs_before >= 2, "runs were counted before the broken reload")

        proc.send_signal(signal.SIGTERM)
        check(wait_for(lambda m: fields(m).get("STOPPING") == "1", 10) is not None, "STOPPING=1 on SIGTERM")
        try:
            code = proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = None
        check(code == 0, f"exit code 0 after SIGTERM (got {code})")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if failures:
        log.seek(0)
        sys.stderr.write(log.read()[-4000:])

print(f"{len(failures)} check(s) failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
