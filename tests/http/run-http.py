#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Integration tests of the https:// backend: the real bbmri-dirsync against the project's EMX2
emulator (tests/emulator) on 127.0.0.1, over HTTPS with a test CA made at test time. One scenario
per run; every check can fail and says what differed. After every scenario, every output, report,
state file and the emulator's request log are searched for the token and the password.

Usage: run-http.py PROGRAM EMULATOR SOURCE_ROOT SCENARIO [--valgrind]
"""
import csv
import glob
import json
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator_helpers import waves, write_ontologies  # noqa: E402

program, emulator, root, scenario = sys.argv[1:5]
root = os.path.abspath(root)
use_valgrind = "--valgrind" in sys.argv[5:]
failures = []
TABLES = ["Persons", "AlsoKnownIn", "Networks", "Biobanks", "Services", "Studies", "Collections", "CollectionFacts"]


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


class Env:
    def __init__(self, work):
        self.work = work
        for name in ("example-master.yaml", "example-facts"):
            src = os.path.join(root, "config", name)
            (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, os.path.join(work, name))
        self.remote = os.path.join(work, "remote")
        shutil.copytree(os.path.join(root, "config", "example-directory"), self.remote)
        write_ontologies(os.path.join(self.remote, "DirectoryOntologies"), root)
        self.ca = os.path.join(work, "ca")
        subprocess.run(["bash", os.path.join(root, "tests", "http", "make-test-ca.sh"), self.ca], check=True)
        self.token = "tok-" + secrets.token_hex(16)
        self.viewer_token = "view-" + secrets.token_hex(16)
        self.password = "pw-" + secrets.token_hex(12)
        self.email = "coordinator@example.org"
        self.token_file = os.path.join(work, "token")
        self.write_secret(self.token_file, self.token)
        self.password_file = os.path.join(work, "password")
        self.write_secret(self.password_file, self.password)
        self.request_log = os.path.join(work, "requests.jsonl")
        self.outputs = []
        self.proc = None
        self.port = None
        self.log_mark = 0
        self.config_args = None

    @staticmethod
    def write_secret(path, value):
        with open(path, "w") as f:
            f.write(value + "\n")
        os.chmod(path, 0o600)

    # ---- the emulator ----
    def start(self, faults=(), tls=True, viewer=False, extra=()):
        self.stop()
        port_file = os.path.join(self.work, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        args = [emulator, "--root", self.remote, "--port", "0", "--port-file", port_file,
                "--request-log", self.request_log,
                "--token", f"{self.token}=editor", "--token", f"{self.viewer_token}=viewer",
                "--user", f"{self.email}:{self.password}=editor"]
        if tls:
            args += ["--cert", os.path.join(self.ca, "server.pem"), "--key", os.path.join(self.ca, "server.key")]
        for f in faults:
            args += ["--fault", f]
        args += list(extra)
        self.emulator_err = open(os.path.join(self.work, "emulator.err"), "a")
        self.proc = subprocess.Popen(args, stderr=self.emulator_err)
        for _ in range(200):
            if os.path.exists(port_file):
                self.port = int(open(port_file).read())
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not self.port:
            sys.exit(f"the emulator did not start: {open(os.path.join(self.work, 'emulator.err')).read()}")
        self.tls = tls
        if self.config_args is not None:
            self.config(**self.config_args)  # the new port

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None
            self.port = None

    def requests(self):
        """The request log lines since the last mark()."""
        if not os.path.exists(self.request_log):
            return []
        with open(self.request_log) as f:
            lines = [json.loads(l) for l in f if l.strip()]
        return lines[self.log_mark:]

    def mark(self):
        if os.path.exists(self.request_log):
            with open(self.request_log) as f:
                self.log_mark = sum(1 for l in f if l.strip())

    # ---- the client ----
    def config(self, mode="push", method="zip", deletions="withdraw", token=True, ca="ca.pem", email=False,
               timeout="5s", run_timeout="60s", extra=""):
        self.config_args = dict(mode=mode, method=method, deletions=deletions, token=token, ca=ca, email=email,
                                timeout=timeout, run_timeout=run_timeout, extra=extra)
        scheme = "https" if self.tls else "http"
        lines = [
            "node: BE",
            "master: example-master.yaml",
            f"mappings: [{root}/mappings/miabis-2.0.yaml, {root}/mappings/example-local.yaml]",
            f"model: {root}/mappings/directory-model.yaml",
            "directory:",
            f"  url: {scheme}://127.0.0.1:{self.port}",
            f"  ca_file: {os.path.join(self.ca, ca)}",
            f"  timeout: {timeout}",
            f"  run_timeout: {run_timeout}",
        ]
        if token:
            lines.append(f"  token_file: {self.token_file}")
        if email:
            lines += [f"  email: {self.email}", f"  password_file: {self.password_file}"]
        lines += [f"mode: {mode}", "push:", f"  method: {method}", f"  deletions: {deletions}",
                  "state_dir: state"]
        if extra:
            lines.append(extra)
        self.config_path = os.path.join(self.work, "config.yaml")
        with open(self.config_path, "w") as f:
            f.write("\n".join(lines) + "\n")

    def run(self, *args, expect=None, what=None, proxy=None, credentials=None):
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        if proxy:
            env["https_proxy"] = env["http_proxy"] = proxy
        else:
            env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
        env.pop("CREDENTIALS_DIRECTORY", None)
        if credentials:
            env["CREDENTIALS_DIRECTORY"] = credentials
        cmd = [program, "-c", self.config_path, "--log-target", "console"] + list(args)
        if use_valgrind:
            cmd = ["valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
                   "--errors-for-leak-kinds=definite"] + cmd
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=600)
        out, err = p.stdout.decode(), p.stderr.decode()
        self.outputs.append(out + err)
        self.out, self.err = out, err
        if expect is not None:
            if not check(p.returncode == expect, f"{what or ' '.join(args)}: exit {p.returncode}, expected {expect}"):
                print("  stdout: " + out[-3000:].replace("\n", "\n  stdout: "))
                print("  stderr: " + err[-3000:].replace("\n", "\n  stderr: "))
        return p.returncode

    def last_report(self, good=False):
        name = "last.json" if good else "last-failed.json"
        with open(os.path.join(self.work, "state", name)) as f:
            return json.load(f)

    def staging_file(self, table):
        with open(os.path.join(self.remote, "BBMRI-BE", table + ".csv"), encoding="utf-8") as f:
            return f.read()

    def staging_digest(self):
        return {t: self.staging_file(t) for t in TABLES if os.path.exists(os.path.join(self.remote, "BBMRI-BE", t + ".csv"))}

    def check_no_secrets(self):
        texts = list(self.outputs)
        for path in glob.glob(os.path.join(self.work, "state", "**"), recursive=True):
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    texts.append(f.read().decode("utf-8", "replace"))
        if os.path.exists(self.request_log):
            texts.append(open(self.request_log).read())
        for secret, name in ((self.token, "token"), (self.viewer_token, "viewer token"), (self.password, "password")):
            check(not any(secret in t for t in texts), f"the {name} appears in no output, report, state file or log")


def writes(reqs):
    """Requests that write data (a sign-in is a POST but writes nothing)."""
    return [r for r in reqs if r["write"] and r["path"] != "/api/graphql"]


def gets(reqs, path):
    return [r for r in reqs if r["method"] == "GET" and r["path"] == path]


def converged(env, what):
    """A second run finds nothing to do: no write request, each staging table read once."""
    env.mark()
    env.run("sync", expect=0, what=f"{what}: second sync")
    check("0 added, 0 changed, 0 removed" in env.out, f"{what}: the second sync finds no difference")
    reqs = env.requests()
    check(not writes(reqs), f"{what}: the second sync sends no write request "
                            f"({[(r['method'], r['path'], r['status']) for r in writes(reqs)]})")
    for t in TABLES:
        check(len(gets(reqs, f"/BBMRI-BE/api/csv/{t}")) == 1, f"{what}: the second sync reads {t} once")
    check(len(gets(reqs, "/BBMRI-BE/api/csv")) == 1, f"{what}: the second sync reads the live model once")
    check(not [r for r in reqs if r["path"].startswith("/DirectoryOntologies/")],
          f"{what}: the lookup tables are not fetched again within a day")
    env.run("diff", expect=0, what=f"{what}: diff after the push")


def first_push(env, method):
    env.mark()
    env.run("sync", expect=0, what=f"{method}: first sync")
    check("sync BE: 1 added, 2 changed, 1 removed" in env.out, f"{method}: the sync reports the four changes")
    reqs = env.requests()
    w = writes(reqs)
    if method == "zip":
        check(len(w) == 1 and w[0]["path"] == "/BBMRI-BE/api/zip", f"zip: one write request, the ZIP import ({len(w)})")
    else:
        paths = sorted(r["path"] for r in w)
        check(paths == ["/BBMRI-BE/api/csv/Collections", "/BBMRI-BE/api/csv/Persons"],
              f"csv: one upsert request per changed table ({paths})")
        check([r["path"] for r in w] == ["/BBMRI-BE/api/csv/Persons", "/BBMRI-BE/api/csv/Collections"],
              "csv: requests in reference order (Persons before Collections)")
    check("bbmri-eric:ID:BE_AZSJ1:collection:stroke" in env.staging_file("Collections"),
          f"{method}: the added collection is in the staging area")
    report = env.last_report(good=True)
    check(report["push"]["verified"] is True, f"{method}: the report says the push was verified")
    check(all(r["applied"] for r in report["push"]["request_list"]), f"{method}: the report lists every request as applied")
    check(not os.path.exists(os.path.join(env.work, "state", "push-journal.json")),
          f"{method}: no push journal is left after a verified push")


def scenario_sync(env, method):
    env.start()
    env.config(method=method)
    env.mark()
    env.run("diff", "--against", "published", expect=1, what="diff against published")
    check("1 added, 3 changed, 1 removed" in env.out, "against published: the night's lag shows")
    reqs = env.requests()
    pub = [r for r in reqs if r["path"].startswith("/ERIC/")]
    check(len(pub) == len(TABLES) and all("national_node" in r["query"] and r["token"] == "absent" for r in pub),
          "the published tables are read once each, with the node filter, anonymously")
    onto = [r for r in reqs if r["path"].startswith("/DirectoryOntologies/")]
    check([(r["method"], r["path"], r["token"], r["status"]) for r in onto] ==
          [("GET", "/DirectoryOntologies/api/zip", "absent", 200)],
          f"the first run reads the lookup tables as the ontology schema's ZIP, once, anonymously ({onto})")
    served = {f[:-4] for f in os.listdir(os.path.join(env.remote, "DirectoryOntologies"))}
    cached = {f[:-4] for f in os.listdir(os.path.join(env.work, "state", "ontologies"))}
    check(cached == served, f"every lookup table there is is kept ({sorted(served ^ cached)} differ)")
    check(os.path.exists(os.path.join(env.work, "state", "ontologies", "Countries.csv")),
          "the lookup tables are kept in the state directory")
    env.run("sync", "--dry-run", expect=0, what="dry run")
    check("not pushed (dry run)" in env.out, "a dry run pushes nothing")
    first_push(env, method)
    converged(env, method)


def scenario_one_row(env):
    env.start()
    env.config()
    env.run("sync", expect=0, what="first sync")
    # The coordinator changes one collection's size.
    master = os.path.join(env.work, "example-master.yaml")
    text = open(master, encoding="utf-8").read()
    marker = "size: 12000"
    check(marker in text, "the example master has the size to change")
    open(master, "w", encoding="utf-8").write(text.replace(marker, "size: 12500", 1))
    env.mark()
    env.run("sync", expect=0, what="sync after one change")
    w = writes(env.requests())
    check(len(w) == 1 and w[0]["path"] == "/BBMRI-BE/api/zip", f"one change: exactly one write request ({len(w)})")
    if w:
        tables = w[0]["tables"]
        rows = sum(t["upserts"] + t["deletes"] for t in tables.values())
        check(list(tables) == ["Collections"] and rows == 1,
              f"one change: the request carries that one row ({tables})")
    check("12500" in env.staging_file("Collections"), "one change: the new size is in the staging area")
    converged(env, "one change")


def scenario_transient(env):
    # Reads: a 503 with Retry-After, a 502, a 504, a dropped response, a slow answer past the
    # timeout; the write: a 503 first. Every one is retried and the run converges.
    env.start(faults=["503:1@r2", "502@r4", "504@r6", "drop@r8", "latency:2500@r10", "503@w1"])
    env.config(timeout="1s")
    env.mark()
    env.run("sync", expect=0, what="sync through transient faults")
    time.sleep(3)  # the slow answer the client gave up on is logged when it ends, 2.5 s after it began
    reqs = env.requests()
    faulted = [r for r in reqs if r.get("fault")]
    check(len(faulted) >= 6, f"the faults were injected ({[(r['n'], r['fault'], r['status']) for r in faulted]})")
    w = writes(reqs)
    check(len(w) == 2 and w[0]["status"] == 503 and w[1]["status"] == 200,
          f"the ZIP import answered 503 is sent again once ({[r['status'] for r in w]})")
    check("1 added, 2 changed, 1 removed" in env.out, "the sync through faults pushes the four changes")
    env.start()
    converged(env, "after transient faults")


def scenario_exhausted(env):
    # A proxy that keeps failing: the retries end, exit 75, nothing is applied.
    before = env.staging_digest()
    env.start(faults=["503@w1-20"])
    env.config()
    env.run("sync", expect=75, what="sync while every write gets 503")
    check("503" in env.err and "tries" in env.err, "the message says the Directory kept answering 503")
    check(env.staging_digest() == before, "nothing is applied when every try failed")
    report = env.last_report()
    check(report["exit_code"] == 75 and report["push"]["request_list"] and
          not report["push"]["request_list"][0]["applied"], "the failed run's report says the import was not applied")
    env.start()
    env.run("sync", expect=0, what="the next run")
    converged(env, "after retries ran out")


def scenario_statement_timeout(env):
    before = env.staging_digest()
    env.start(faults=["statement-timeout@w1"])
    env.config()
    env.run("sync", expect=75, what="sync hit by a statement timeout")
    check("timed out" in env.err, "the message says the database timed out")
    check(env.staging_digest() == before, "a statement timeout applies nothing")
    env.start()
    env.run("sync", expect=0, what="the next run")
    converged(env, "after a statement timeout")


def scenario_rejected(env):
    # The server refuses the import (a failing batch): one transaction, nothing applied, exit 65.
    before = env.staging_digest()
    env.start(faults=["fail-batch:1@w1"])
    env.config()
    env.run("sync", expect=65, what="sync whose import the server refuses")
    check("refused" in env.err or "failed" in env.err, "the server's reason is shown")
    print("  the message: " + [l for l in env.err.splitlines() if "push to" in l][0] if "push to" in env.err else "")
    check("(table " in env.err and ", row bbmri-eric:" in env.err, "the message names the table and row concerned")
    check(env.staging_digest() == before, "a refused ZIP import applies nothing")
    report = env.last_report()
    check(report["push"]["attempted"] and not any(r["applied"] for r in report["push"]["request_list"]),
          "the report says nothing was applied")
    env.start()
    env.run("sync", expect=0, what="the next run")
    converged(env, "after a refused import")


def scenario_interrupted_csv(env):
    # push.method csv: the first request (Persons) is acknowledged, the second (Collections)
    # keeps failing; the journal records it, the next run sends only what is missing.
    env.start(faults=["503@w2-20"])
    env.config(method="csv")
    env.mark()
    env.run("sync", expect=75, what="csv push cut off after one request")
    first = writes(env.requests())
    check(first and first[0]["status"] == 200 and first[0]["path"].endswith("/Persons"),
          "the first request (Persons) was acknowledged")
    journal_path = os.path.join(env.work, "state", "push-journal.json")
    check(os.path.exists(journal_path), "a push journal is left behind")
    if os.path.exists(journal_path):
        j = json.load(open(journal_path))
        applied = [r["applied"] for r in j["requests"]]
        check(j["format_version"] == 1 and applied == [True, False], f"the journal: first applied, second not ({applied})")
    report = env.last_report()
    check([r["applied"] for r in report["push"]["request_list"]] == [True, False],
          "the failed run's report says what was and was not applied")
    env.start()
    env.mark()
    env.run("sync", expect=0, what="the next run resumes")
    check("did not finish: 1 of 2 requests were acknowledged" in env.err and "a push sends only what is still missing" in env.err, "the next run reports the interrupted push")
    w = writes(env.requests())
    check([r["path"] for r in w] == ["/BBMRI-BE/api/csv/Collections"],
          f"the next run sends only the request that was not applied ({[r['path'] for r in w]})")
    check(not os.path.exists(journal_path), "the journal is gone once the push is verified")
    converged(env, "after an interrupted csv push")


def scenario_sign_in(env):
    # E-mail and password: signed in once, renewed when the token expires mid-run.
    env.start(faults=["expire-token@r5"])
    env.config(token=False, email=True)
    env.mark()
    env.run("sync", expect=0, what="sync with password sign-in and an expiring token")
    reqs = env.requests()
    signins = [r for r in reqs if r["path"] == "/api/graphql"]
    check(len(signins) == 2, f"signed in, then again after the token expired ({len(signins)} sign-ins)")
    expired = [r for r in reqs if r["status"] == 400 and r["path"].startswith("/BBMRI-BE/")]
    # Reads go out together: those sent with the token before it was renewed meet the expiry (at
    # most one batch of staging reads), none sent after the second sign-in does, and each is sent
    # again with the new token.
    second_signin = max((r["end_ms"] for r in signins), default=0)
    check(expired and len(expired) <= len(TABLES) + 1 and all(r["start_ms"] < second_signin for r in expired),
          f"only reads sent before signing in again met the expired token ({[(r['n'], r['path']) for r in expired]})")
    check(all(any(q["path"] == r["path"] and q["status"] == 200 and q["start_ms"] >= second_signin for q in reqs)
              for r in expired), "each was sent again after signing in again, and answered")
    check("1 added, 2 changed, 1 removed" in env.out, "the renewed token pushes the changes")
    env.start()
    converged(env, "after sign-in")


def scenario_expired_token(env):
    env.start(faults=["expire-token@r3"])
    env.config()
    env.run("sync", expect=77, what="sync with a named token that expires")
    check("refused the token" in env.err, "the message says the token was refused")
    check("Invalid token or token expired" in env.err, "the server's words are shown")


def scenario_read_only(env):
    env.start()
    env.write_secret(env.token_file, env.viewer_token)
    env.config()
    before = env.staging_digest()
    env.run("diff", expect=1, what="diff with a read-only token")
    env.run("sync", expect=77, what="sync with a read-only token")
    check("permission denied" in env.err, "the message says permission was denied")
    check(env.staging_digest() == before, "a read-only token changes nothing")


def scenario_no_token(env):
    env.start()
    env.config(token=False)
    env.run("diff", expect=77, what="diff without a token")
    check("no API token is configured" in env.err, "the message says no token is configured")
    env.run("diff", "--against", "published", expect=1, what="the published schema needs no token")


def scenario_credentials_folder(env):
    # The units load the package's credentials folder as a whole (LoadCredential=directory:FOLDER):
    # its file "token" arrives as the credential directory_token, "password" as directory_password,
    # and a folder without either still lets the service start.
    env.start()
    creds = os.path.join(env.work, "credentials")
    os.mkdir(creds, 0o700)
    env.config(token=False)
    env.run("diff", expect=77, what="diff with an empty credentials folder", credentials=creds)
    check("no API token is configured" in env.err, "an empty folder: the message says no token is configured")
    env.write_secret(os.path.join(creds, "directory_token"), env.token)
    env.run("diff", expect=1, what="diff with the token from the credentials folder", credentials=creds)
    os.unlink(os.path.join(creds, "directory_token"))
    env.config(token=False, email=True)
    with open(env.config_path) as f:
        lines = [line for line in f if "password_file" not in line]
    with open(env.config_path, "w") as f:
        f.writelines(lines)
    env.write_secret(os.path.join(creds, "directory_password"), open(env.password_file).read().strip())
    env.mark()
    env.run("sync", expect=0, what="sync signed in with the password from the credentials folder", credentials=creds)
    check(any(r["path"] == "/api/graphql" for r in env.requests()), "signed in with the folder's password")
    env.run("diff", expect=0, what="diff after the sync, signed in from the folder", credentials=creds)


def scenario_insecure_token_file(env):
    env.start()
    os.chmod(env.token_file, 0o644)
    env.config()
    env.mark()
    env.run("sync", expect=78, what="sync with a token file others can read")
    check("chmod 600" in env.err, "the message says how to fix the token file")
    check(not env.requests(), "no request is sent with a refused token file")


def scenario_wrong_ca(env):
    env.start()
    env.config(ca="other-ca.pem")
    env.mark()
    env.run("sync", expect=69, what="sync against a server signed by another CA")
    check("TLS" in env.err or "certificate" in env.err, "the message names the TLS failure")
    check(not env.requests(), "no request reached the server")


def scenario_model_drift(env):
    env.start()
    env.config()
    context = ssl.create_default_context(cafile=os.path.join(env.ca, "ca.pem"))
    request = urllib.request.Request(f"https://127.0.0.1:{env.port}/BBMRI-BE/api/csv",
                                     headers={"x-molgenis-token": env.token})
    with urllib.request.urlopen(request, context=context, timeout=10) as answer:
        model = answer.read().decode()
    check(model.startswith("tableName,"), "the emulator serves the live model")
    live = os.path.join(env.work, "live-model.csv")
    with open(live, "w") as f:
        f.write(model.rstrip("\n") + "\nCollections,,new_required_column,,string,,true,,,,,,,,,,,\n")
    env.start(extra=["--live-model", live])
    env.mark()
    env.run("diff", expect=1, what="diff with a drifted model")
    check("model drift" in env.err and "new_required_column" in env.err, "diff reports the model drift")
    before = env.staging_digest()
    env.mark()
    env.run("sync", expect=78, what="sync with a required column the model lacks")
    check(not writes(env.requests()), "a blocking model drift sends no write request")
    check(env.staging_digest() == before, "a blocking model drift changes nothing")


def scenario_bad_answers(env):
    """Answers that are no answer of the request (HTTP 200 all the same) never replace a cached copy:
    each is a warning naming the table and the answer, the last good copy stays in use, and check
    keeps working offline."""
    state = os.path.join(env.work, "state")
    cache = os.path.join(state, "ontologies")
    model_copy = os.path.join(state, "snapshots", "BBMRI-BE", "molgenis.csv")

    def snapshot(folder):
        return {name: open(os.path.join(folder, name), "rb").read() for name in sorted(os.listdir(folder))}

    env.start()
    env.config(mode="report")
    env.run("diff", expect=1, what="bad answers: a first diff fills the caches")
    good_cache = snapshot(cache)
    check("Countries.csv" in good_cache and os.path.exists(model_copy),
          "bad answers: the lookup tables and the live model have a last good copy")
    good_model = open(model_copy, "rb").read()
    good_snapshots = snapshot(os.path.join(state, "snapshots", "BBMRI-BE"))

    onto = "/DirectoryOntologies/api/csv/"
    faults = {  # table -> (fault, words of the warning)
        "Countries": ("other-table", "no 'name' column"),
        "SexTypes": ("html", "HTML page came instead of CSV"),
        "MaterialTypes": ("html-as-csv", "HTML or XML page"),
        "DataCategories": ("cut:30", "cut off"),
        "CollectionTypes": ("short-row", "a row of 1 field under a header of 2"),
        # A body shorter than its Content-Length, after every retry; the last lookup table read,
        # since a read that fails on its way stops the reads of its schema after it.
        "Themes": ("drop", "the connection was cut off"),
    }
    def make_due():
        old = time.time() - 3 * 86400
        os.utime(cache, (old, old))  # due for its daily refresh

    # The refresh reads the ontology schema's ZIP; an answer to it that is no archive (a login
    # page) has each table read alone, and each answer is checked.
    make_due()
    env.start(faults=[f"{fault}@{onto}{table}" for table, (fault, _) in faults.items()] +
              ["html-as-csv@/BBMRI-BE/api/csv", "html@/DirectoryOntologies/api/zip"])
    env.mark()
    env.run("diff", "-v", expect=1, what="bad answers: diff while the Directory answers badly")
    hit = {r["path"].rsplit("/", 1)[1] for r in env.requests() if r.get("fault")}
    check(set(faults) <= hit, f"bad answers: every fault was injected ({sorted(set(faults) - hit)} missed)")
    for table, (fault, words) in faults.items():
        lines = [l for l in env.err.splitlines() if f"DirectoryOntologies/{table}.csv" in l]
        check(any(words in l and "warning" in l and "the last good copy stays in use" in l for l in lines),
              f"bad answers: {fault} for {table} is a warning naming the table and the answer ({lines})")
    check(snapshot(cache) == good_cache, "bad answers: the cached lookup tables are the last good ones")
    check("BBMRI-BE/api/csv (model)" in env.err and "the last good copy of the live model is compared instead" in env.err,
          "bad answers: a live model that is no model is a warning, its last good copy is used")
    check(open(model_copy, "rb").read() == good_model, "bad answers: the live model's last good copy stays")
    check(" 0 errors" in env.out, "bad answers: no error is counted")

    env.stop()
    env.run("check", expect=0, what="bad answers: check offline afterwards")
    check(" 0 errors" in env.out, "bad answers: check finds no error with the copies kept")

    # Once the Directory answers well again the refused tables are fetched at once: the copy was
    # not taken as fresh.
    env.start()
    env.mark()
    env.run("diff", expect=1, what="bad answers: diff once the Directory answers well")
    check([r for r in env.requests() if r["path"] == "/DirectoryOntologies/api/zip" and r["status"] == 200],
          "bad answers: the lookup tables are fetched again at once")
    check("last good copy" not in env.err and "the answer" not in env.err,
          "bad answers: no answer is refused once the answers are good")
    check(snapshot(cache) == good_cache, "bad answers: the copies are the server's again")

    # A staging table that is no table ends the diff (69), and the snapshots stay as they were.
    for fault, table in (("html-as-csv", "Biobanks"), ("short-row", "Persons"), ("cut:200", "Collections"),
                         ("other-table", "Networks")):
        env.start(faults=[f"{fault}@/BBMRI-BE/api/csv/{table}"])
        env.run("diff", expect=69, what=f"bad answers: {fault} for staging {table}")
        check(f"BBMRI-BE/{table}.csv" in env.err, f"bad answers: {fault} for staging {table}: the message names it")
        check(snapshot(os.path.join(state, "snapshots", "BBMRI-BE")) == good_snapshots,
              f"bad answers: {fault} for staging {table}: the snapshots are the last good ones")


def scenario_deadline(env):
    env.start(faults=["latency:4000@r3"])
    env.config(timeout="10s", run_timeout="2s")
    env.run("sync", expect=75, what="sync past its run_timeout")
    check("time limit" in env.err, "the message names the run's time limit")


def add_stale_biobank(env):
    """A biobank the master no longer has, still in staging with a collection, a sub-collection and
    a fact row: removing it needs the facts, then the collections, then the biobank."""
    def edit(table, change):
        path = os.path.join(env.remote, "BBMRI-BE", table + ".csv")
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        header, first = rows[0], rows[1]
        for new in change(dict(zip(header, first))):
            rows.append([new.get(h, "") for h in header])
        with open(path, "w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)
    gone, coll, sub = "bbmri-eric:ID:BE_GONE", "bbmri-eric:ID:BE_GONE:collection:c", "bbmri-eric:ID:BE_GONE:collection:c:sub"
    edit("Biobanks", lambda r: [dict(r, id=gone, name="Closed biobank")])
    edit("Collections", lambda r: [dict(r, id=sub, biobank=gone, parent_collection=coll, name="Sub"),
                                    dict(r, id=coll, biobank=gone, parent_collection="", name="Closed")])
    edit("CollectionFacts", lambda r: [dict(r, id="bbmri-eric:factID:BE_gone-1", collection=coll)])
    return gone, coll, sub


def scenario_delete_policy(env, method):
    gone, coll, sub = add_stale_biobank(env)
    env.start()
    env.config(method=method, deletions="delete")
    env.mark()
    env.run("sync", expect=0, what=f"{method}: sync deleting a closed biobank")
    check("5 removed" in env.out, "the biobank, its two collections, its fact and the example's removed collection go")
    w = writes(env.requests())
    if method == "zip":
        check(len(w) == 3 and all(r["path"] == "/BBMRI-BE/api/zip" for r in w),
              f"zip: the upserts with the facts' deletion, then the collections, then the biobank ({len(w)})")
        order = [sorted(r["tables"]) for r in w]
        check(order == [["CollectionFacts", "Collections", "Persons"], ["Collections"], ["Biobanks"]],
              f"zip: children are deleted before their parents ({order})")
    else:
        order = [(r["method"], r["path"].rsplit("/", 1)[1]) for r in w]
        check(order == [("POST", "Persons"), ("POST", "Collections"), ("DELETE", "CollectionFacts"),
                        ("DELETE", "Collections"), ("DELETE", "Biobanks")],
              f"csv: upserts in reference order, deletions in reverse ({order})")
    for row in (gone, coll, sub, "bbmri-eric:factID:BE_gone-1"):
        check(row not in "".join(env.staging_digest().values()), f"{row} is deleted from the staging area")
    converged(env, f"{method} with deletions")


def scenario_proxy(env):
    # Proxies come from the environment: a proxy that is not there makes the Directory unreachable.
    env.start()
    env.config()
    env.mark()
    env.run("diff", expect=69, what="diff through a proxy that does not answer", proxy="http://127.0.0.1:9")
    check("cannot connect" in env.err and "127.0.0.1 port 9" in env.err, "the message names the proxy connection")
    check(not env.requests(), "nothing reached the Directory past the missing proxy")
    env.run("diff", expect=1, what="diff without the proxy")


LATENCY_MS = 250


def age_lookup_cache(env, days):
    folder = os.path.join(env.work, "state", "ontologies")
    old = time.time() - days * 86400
    os.utime(folder, (old, old))


def run_with_refresh_due(env, what, prefix):
    """A dry run whose lookup refresh is due: its requests, and those whose path starts with prefix."""
    age_lookup_cache(env, 2)
    env.mark()
    env.run("sync", "--dry-run", expect=0, what=what)
    reqs = env.requests()
    print(f"info {what}: {len(reqs)} requests in {waves(reqs)} waves")
    return reqs, [r for r in reqs if r["path"].startswith(prefix)]


def scenario_parallel_reads(env):
    # Every request waits LATENCY_MS at the server: what the client waits for in sequence shows as
    # waves of requests (design targets: a no-change sync 2, with the lookup refresh 3, a push
    # with its verification 6; the requests each wave holds are printed).
    env.start(faults=[f"latency:{LATENCY_MS}@1-1000000"])
    env.config()
    env.mark()
    env.run("sync", "--dry-run", expect=0, what="first run (no lookup cache yet)")
    reqs = env.requests()
    print(f"info first run: {len(reqs)} requests in {waves(reqs)} waves")
    check(waves(reqs) <= 3, f"a run that must fetch the lookup tables first waits at most 3 round trips ({waves(reqs)})")
    check(len(reqs) == len(TABLES) + 2, f"it read the lookup tables' ZIP, the live model and the staging tables "
                                        f"({len(reqs)} requests)")

    env.mark()
    start = time.monotonic()
    env.run("sync", "--dry-run", expect=0, what="no-change run")
    reqs = env.requests()
    print(f"info no-change run: {len(reqs)} requests in {waves(reqs)} waves, {time.monotonic() - start:.2f} s "
          f"at {LATENCY_MS} ms a request")
    check(len(reqs) == len(TABLES) + 1, f"a run with a fresh lookup cache reads the model and the tables ({len(reqs)})")
    check(waves(reqs) <= 2, f"a no-change sync waits at most 2 round trips ({waves(reqs)})")

    reqs, onto = run_with_refresh_due(env, "run with the lookup refresh due", "/DirectoryOntologies/")
    check([r["path"] for r in onto] == ["/DirectoryOntologies/api/zip"], f"the refresh read the lookup tables' ZIP ({len(onto)})")
    check(waves(reqs) <= 3, f"a run with the lookup refresh waits at most 3 round trips ({waves(reqs)})")
    folder = os.path.join(env.work, "state", "ontologies")
    check(time.time() - os.stat(folder).st_mtime < 3600, "the refreshed copy replaced the one that was due")

    # A server without the schema export: the lookup tables one by one, after the batch.
    env.start(faults=[f"latency:{LATENCY_MS}@1-1000000"], extra=["--no-schema-zip"])
    os.unlink(os.path.join(folder, "Countries.csv"))
    reqs, onto = run_with_refresh_due(env, "lookup refresh from a server without the schema ZIP",
                                      "/DirectoryOntologies/api/csv/")
    check(len(onto) >= 19, f"without the ZIP the refresh reads the lookup tables one by one ({len(onto)})")
    check(os.path.exists(os.path.join(folder, "Countries.csv")), "and replaces the copy with them")
    check(waves(reqs) <= 3, f"that run waits at most 3 round trips ({waves(reqs)})")
    env.start(faults=[f"latency:{LATENCY_MS}@1-1000000"])

    for method in ("zip", "csv"):
        if method == "csv":
            # Undo the push, so that the CSV push has the same changes to make.
            shutil.rmtree(os.path.join(env.remote, "BBMRI-BE"))
            shutil.copytree(os.path.join(root, "config", "example-directory", "BBMRI-BE"),
                            os.path.join(env.remote, "BBMRI-BE"))
            env.start(faults=[f"latency:{LATENCY_MS}@1-1000000"])
            env.config(method="csv")
        env.mark()
        env.run("sync", expect=0, what=f"{method}: push with verification")
        reqs = env.requests()
        print(f"info {method} push: {len(reqs)} requests in {waves(reqs)} waves")
        check(waves(reqs) <= 6, f"{method}: a push with its verification waits at most 6 round trips ({waves(reqs)})")
        w = writes(reqs)
        pushed = sorted({t for r in w for t in r["tables"]})
        last_write = max(r["end_ms"] for r in w) if w else 0
        reread = sorted(r["path"].rsplit("/", 1)[1] for r in reqs
                        if r["method"] == "GET" and r["start_ms"] >= last_write and r["path"].startswith("/BBMRI-BE/api/csv/"))
        check(pushed and reread == pushed, f"{method}: the verification reads only the tables the push changed "
                                           f"(pushed {pushed}, read again {reread})")
        converged(env, f"{method} after the parallel push")


def scenario_plain_http(env):
    env.start(tls=False)
    env.config()
    env.run("sync", expect=0, what="sync over plain http to 127.0.0.1")
    converged(env, "plain http on loopback")


def scenario_publication_watch(env):
    # The publication watch against the emulator: a push, a published schema that lags past the
    # grace (the state written as a sync 37 hours earlier would have left it), then catches up.
    metrics = os.path.join(env.work, "metrics.prom")
    env.start()
    env.config(extra=f"report:\n  metrics: {metrics}")
    state = os.path.join(env.work, "state", "publication.json")

    def publication():
        return env.last_report(good=True)["publication"]

    def unpublished_metric():
        for line in open(metrics):
            if line.startswith('bbmri_dirsync_unpublished_changes{node="BE",command="sync"}'):
                return int(line.split()[-1])
        return None

    env.mark()
    first_push(env, "zip")
    check(not [r for r in env.requests() if r["path"].startswith("/ERIC/")],
          "with no change waiting for it the sync reads nothing published")
    p = publication()
    check(not p["checked"] and p["pending"] == 4 and p["unpublished_count"] == 0,
          f"after the push four changes wait for the published schema, none overdue ({p})")
    check(unpublished_metric() == 0, "the metric is 0 after the push")

    watch = json.load(open(state))
    for c in watch["pending"]:
        c["pushed_usec"] -= 37 * 3600 * 10**6
    json.dump(watch, open(state, "w"))
    env.start(faults=["latency:300@1-1000000"])  # so that reads in one batch overlap
    env.mark()
    env.run("sync", expect=0, what="sync 37 hours after the push")
    reqs = env.requests()
    for t in TABLES:
        published = [r for r in gets(reqs, f"/ERIC/api/csv/{t}") if "national_node" in r.get("query", "")]
        check(len(published) == 1, f"the sync reads the node's published {t} once, filtered to the node "
                                   f"({[(r['path'], r.get('query')) for r in gets(reqs, f'/ERIC/api/csv/{t}')]})")
    print(f"info a sync while changes wait: {len(reqs)} requests in {waves(reqs)} waves")
    check(waves(reqs) <= 2, f"with the published rows a no-change sync still waits at most 2 round trips ({waves(reqs)})")
    published = [r for r in reqs if r["path"].startswith("/ERIC/")]
    staging = [r for r in reqs if r["path"].startswith("/BBMRI-BE/api/csv/")]
    check(published and staging and min(r["start_ms"] for r in published) < max(r["end_ms"] for r in staging),
          "the published rows are read alongside the staging tables, in the same batch")
    env.start()
    check(env.err.count("not in the published Directory") == 1, "one warning about the unpublished changes")
    check("4 changes pushed 1d 12h or longer ago are not in the published Directory (ERIC)" in env.err and
          "Collections bbmri-eric:ID:BE_AZSJ1:collection:stroke" in env.err,
          "the warning counts the changes and names them")
    p = publication()
    check(p["unpublished_count"] == 4 and {c["id"] for c in p["unpublished"]} >= {
          "bbmri-eric:ID:BE_AZSJ1:collection:stroke", "bbmri-eric:contactID:BE_biobank-uzgent"},
          f"the report lists the unpublished changes ({p})")
    check(unpublished_metric() == 4, f"the metric counts them ({unpublished_metric()})")

    # The central job copies the staging area to the published schema.
    for table in TABLES:
        path = os.path.join(env.remote, "ERIC", table + ".csv")
        published = list(csv.reader(open(path, newline="", encoding="utf-8")))
        header, node = published[0], published[0].index("national_node")
        rows = [r for r in published[1:] if r[node] != "BE"]
        for row in csv.DictReader(open(os.path.join(env.remote, "BBMRI-BE", table + ".csv"), newline="",
                                       encoding="utf-8")):
            row["national_node"] = "BE"
            rows.append([row.get(c, "") for c in header])
        with open(path, "w", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\n").writerows([header] + rows)
    env.run("sync", expect=0, what="sync once the published schema caught up")
    check("not in the published Directory" not in env.err, "no warning once the changes are published")
    p = publication()
    check(p["pending"] == 0 and p["unpublished_count"] == 0, f"the published changes are cleared ({p})")
    check(unpublished_metric() == 0, "the metric is 0 again")
    check("bbmri-eric" not in open(state).read(), "the state keeps no published change")


def scenario_pull_unreadable(env):
    # A Directory that cannot be read: pull exits as documented and writes no file.
    out = os.path.join(env.work, "pulled.yaml")
    facts = os.path.join(env.work, "pulled-facts.csv")

    def nothing_written(what):
        check(not os.path.exists(out) and not os.path.exists(facts), f"{what}: pull writes no file")

    env.start()
    env.config(token=False)
    env.run("pull", "-o", out, expect=77, what="pull without a token")
    check("no API token is configured" in env.err, "pull without a token: the message says so")
    nothing_written("no token")
    env.config()
    env.start(faults=["expire-token@r3"])
    env.run("pull", "-o", out, expect=77, what="pull with a token that expires")
    check("refused the token" in env.err, "pull with an expired token: the message says the token was refused")
    nothing_written("expired token")
    env.start(faults=["503@r2-100"])
    env.config(timeout="1s")
    env.run("pull", "-o", out, expect=75, what="pull while every read gets 503")
    check("503" in env.err, "pull through 503s: the message names the answer")
    nothing_written("503 on every read")
    env.start()
    port = env.port
    env.stop()
    env.port = port
    env.config()
    env.run("pull", "-o", out, expect=69, what="pull from a Directory that is not there")
    nothing_written("no server")
    env.start()
    env.config()
    env.run("pull", "-o", out, expect=0, what="pull once the Directory answers")
    check(os.path.exists(out) and os.path.exists(facts), "pull then writes the master and its facts")

FOREIGN_NET = "bbmri-eric:networkID:EU_BBMRI-ERIC:networks:CRC-Cohort"
FOREIGN_CONTACT = "bbmri-eric:contactID:EU_crc-coordinator"
FOREIGN_HEAD = "bbmri-eric:contactID:NL_lumc"


def edit_master(env, old, new, after=None):
    path = os.path.join(env.work, "example-master.yaml")
    s = open(path).read()
    at = s.index(after) if after else 0
    check(old in s[at:], f"the example master has {old.strip()!r}")
    open(path, "w").write(s[:at] + s[at:].replace(old, new, 1))


def scenario_foreign_rows(env):
    # Rows of other nodes: the first biobank joins an EU network (with an EU contact), a collection
    # names a Dutch head. The staging area refuses a reference to a row it lacks, so the push brings
    # the three rows from the published Directory, unchanged, in the one ZIP import.
    with open(os.path.join(env.remote, "ERIC", "Networks.csv"), "a") as f:
        f.write(f"{FOREIGN_NET},CRC-Cohort,CRC,The colorectal cancer cohort,Graz,,,,https://www.bbmri-eric.example/crc,,"
                f"{FOREIGN_CONTACT},,false,EU\n")
    with open(os.path.join(env.remote, "ERIC", "Persons.csv"), "a") as f:
        f.write(f"{FOREIGN_CONTACT},,Eva,Ropa,,crc@bbmri-eric.example,,,,Graz,AT,Coordinator,EU\n")
    edit_master(env, "    network: [bbmri-be]\n", f"    network: [bbmri-be, \"{FOREIGN_NET}\"]\n")
    edit_master(env, "        name: \"Solid tumour collection\"\n",
                f"        name: \"Solid tumour collection\"\n        head: \"{FOREIGN_HEAD}\"\n")
    env.start()
    env.config()
    env.mark()
    env.run("sync", expect=0, what="first sync with rows of other nodes")
    # The example's four changes, the biobank's network and the collection's head.
    check("sync BE: 1 added, 4 changed, 1 removed, 0 errors" in env.out,
          f"the node's own changes only are counted ({env.out.strip()[-200:]})")
    check("3 rows of other nodes that the master refers to are not in the staging area" in env.err,
          "the sync says it brings three rows of other nodes")
    reqs = env.requests()
    published = [r for r in reqs if r["path"].startswith("/ERIC/")]
    check(published and all("national_node" not in r.get("query", "") and r["token"] == "absent" for r in published),
          f"every node's published rows are read, anonymously ({[(r['path'], r.get('query')) for r in published]})")
    check(not gets(reqs, "/ERIC/api/csv/CollectionFacts"), "the facts, which no reference names, are not read")
    w = writes(reqs)
    check(len(w) == 1 and w[0]["path"] == "/BBMRI-BE/api/zip", f"one write request, the ZIP import ({len(w)})")
    networks, persons = env.staging_file("Networks"), env.staging_file("Persons")
    check(f"{FOREIGN_NET},CRC-Cohort,CRC,The colorectal cancer cohort,Graz,,,,https://www.bbmri-eric.example/crc,,"
          f"{FOREIGN_CONTACT}," in networks, "the EU network is in the staging area as published")
    check(f"{FOREIGN_CONTACT},,Eva,Ropa,,crc@bbmri-eric.example,,,,Graz,AT,Coordinator" in persons,
          "its contact came with it")
    check(f"{FOREIGN_HEAD},,Jan,de Vries," in persons, "the Dutch head is in the staging area")
    report = env.last_report(good=True)
    check(report["push"]["verified"] is True, "the push was verified")
    check(sorted(r["id"] for r in report["foreign_rows"]) == sorted([FOREIGN_NET, FOREIGN_CONTACT, FOREIGN_HEAD]),
          f"the report lists the rows brought ({report['foreign_rows']})")
    check(os.path.exists(os.path.join(env.work, "state", "published", "Networks.csv")),
          "the published rows read are kept for check")

    # Converged: nothing to send, every node's published rows not read again.
    env.mark()
    env.run("sync", expect=0, what="second sync")
    check("0 added, 0 changed, 0 removed, 0 errors" in env.out, "the second sync finds no difference")
    reqs = env.requests()
    check(not writes(reqs), "the second sync sends no write request")
    check(not [r for r in reqs if r["path"].startswith("/ERIC/") and "national_node" not in r.get("query", "")],
          "the second sync does not read every node's published rows again")
    env.run("check", expect=0, what="check after the sync")
    check("of another node" not in env.err, "check resolves them from the state directory")

    # Never removed: the master drops the references; the rows stay, unchanged.
    before = {t: env.staging_file(t) for t in ("Networks", "Persons")}
    edit_master(env, f"    network: [bbmri-be, \"{FOREIGN_NET}\"]\n", "    network: [bbmri-be]\n")
    edit_master(env, f"        head: \"{FOREIGN_HEAD}\"\n", "")
    for policy in ("withdraw", "delete"):
        env.config(deletions=policy)
        env.run("sync", expect=0, what=f"sync without the references ({policy})")
        ids = [c["id"] for c in env.last_report(good=True)["changes"]]
        check(not [i for i in ids if ":BE_" not in i],
              f"{policy}: no row of another node is a change ({ids})")
    check(FOREIGN_NET in env.staging_file("Networks") and FOREIGN_HEAD in env.staging_file("Persons"),
          "the rows of other nodes stay in the staging area")
    check(before["Networks"].count(FOREIGN_NET) == 1 and
          [l for l in env.staging_file("Networks").splitlines() if l.startswith(FOREIGN_NET)] ==
          [l for l in before["Networks"].splitlines() if l.startswith(FOREIGN_NET)],
          "the EU network is unchanged")

    # A reference nobody has: an error that holds its row back; check only warns.
    gone = "bbmri-eric:networkID:EU_BBMRI-ERIC:networks:nowhere"
    edit_master(env, "    network: [bbmri-be]\n", f"    network: [bbmri-be, \"{gone}\"]\n", after="  - id: BIRA2\n")
    env.config()
    env.mark()
    env.run("sync", expect=65, what="sync with a reference nobody has")
    check(f"'network' refers to Networks '{gone}' of another node, which neither the staging area nor the "
          "published Directory has" in env.err, "the error names the reference")
    check(gone not in env.staging_file("Biobanks"), "the biobank with it is held back")
    check(not writes(env.requests()), "nothing else needed pushing")
    env.run("check", expect=0, what="check with a reference nobody has")
    check(f"'network' refers to Networks '{gone}' of another node, which the last copy of the Directory" in env.err,
          "check warns about it")


scenarios = {
    "zip-sync": lambda e: scenario_sync(e, "zip"),
    "csv-sync": lambda e: scenario_sync(e, "csv"),
    "one-row": scenario_one_row,
    "transient-faults": scenario_transient,
    "bad-answers": scenario_bad_answers,
    "retries-exhausted": scenario_exhausted,
    "statement-timeout": scenario_statement_timeout,
    "import-refused": scenario_rejected,
    "interrupted-csv": scenario_interrupted_csv,
    "sign-in": scenario_sign_in,
    "expired-token": scenario_expired_token,
    "read-only-token": scenario_read_only,
    "no-token": scenario_no_token,
    "credentials-folder": scenario_credentials_folder,
    "insecure-token-file": scenario_insecure_token_file,
    "wrong-ca": scenario_wrong_ca,
    "model-drift": scenario_model_drift,
    "deadline": scenario_deadline,
    "plain-http": scenario_plain_http,
    "parallel-reads": scenario_parallel_reads,
    "proxy-from-environment": scenario_proxy,
    "zip-deletions": lambda e: scenario_delete_policy(e, "zip"),
    "csv-deletions": lambda e: scenario_delete_policy(e, "csv"),
    "pull-unreadable": scenario_pull_unreadable,
    "publication-watch": scenario_publication_watch,
    "foreign-rows": scenario_foreign_rows,
}

if scenario == "--list":
    print("\n".join(scenarios))
    sys.exit(0)

with tempfile.TemporaryDirectory(prefix="bbmri-http-") as work:
    env = Env(work)
    try:
        scenarios[scenario](env)
    finally:
        env.stop()
    env.check_no_secrets()
    if failures:
        print(f"{len(failures)} check(s) failed; emulator stderr:")
        print(open(os.path.join(work, "emulator.err")).read()[-3000:])
        sys.exit(1)
print("all checks passed")
