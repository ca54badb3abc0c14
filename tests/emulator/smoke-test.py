#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Smoke test of the Directory emulator (tests/emulator/emx2-emulator.c).

usage: smoke-test.py EMULATOR SOURCE_ROOT

Starts the emulator on copies of config/example-directory, over plain HTTP and over HTTPS (with a
CA from tests/http/make-test-ca.sh), and checks its behaviour with urllib: permissions, reads,
the node filter, upserts, the ZIP import's one transaction and per-step foreign key checks, async
tasks, sign-in, token expiry, every fault kind, and the request log. EMX2_EMULATOR_WRAPPER (e.g.
"valgrind --error-exitcode=99 --leak-check=full") runs the emulator under a wrapper.
"""

import csv
import http.client
import io
import json
import os
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile

EMULATOR = sys.argv[1]
SOURCE_ROOT = sys.argv[2]
EXAMPLE = os.path.join(SOURCE_ROOT, "config", "example-directory")
WRAPPER = shlex.split(os.environ.get("EMX2_EMULATOR_WRAPPER", ""))
SLOW = 10 if WRAPPER else 1

EDITOR, VIEWER = "editor-secret-4f1d", "viewer-secret-9a7c"
PASSWORD = "pa:ss=word-7e21"
NODE_FILTER = urllib.parse.quote('{"national_node":{"id":{"equals":"BE"}}}')

failures = []
started = []  # every emulator process, killed at the end if a test left it running


def check(condition, what):
    print(("ok:   " if condition else "FAIL: ") + what, flush=True)
    if not condition:
        failures.append(what)
    return condition


def rows_of(text):
    return list(csv.DictReader(io.StringIO(text)))


def error_message(body):
    try:
        return json.loads(body)["errors"][0]["message"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None


class Emulator:
    def __init__(self, tmp, name, args=(), tls=None):
        self.dir = os.path.join(tmp, name)
        self.root = os.path.join(self.dir, "root")
        shutil.copytree(EXAMPLE, self.root)
        # A row of another node in the published schema, so the node filter has something to drop.
        with open(os.path.join(self.root, "ERIC", "Persons.csv"), "a", encoding="utf-8") as f:
            f.write("bbmri-eric:contactID:NL_someone,,Anna,Jansen,,anna@example.org,,,,Utrecht,NL,Data manager,NL\n")
        # One ontology table: its values are then checked as foreign keys.
        os.makedirs(os.path.join(self.root, "DirectoryOntologies"))
        with open(os.path.join(self.root, "DirectoryOntologies", "Countries.csv"), "w", encoding="utf-8") as f:
            f.write("order,name,label\n,BE,Belgium\n,NL,Netherlands\n,EU,Europe\n")
        self.port_file = os.path.join(self.dir, "port")
        self.log_file = os.path.join(self.dir, "requests.jsonl")
        self.stderr_file = os.path.join(self.dir, "stderr")
        self.tls = tls
        cmd = WRAPPER + [EMULATOR, "--root", self.root, "--port-file", self.port_file,
                         "--request-log", self.log_file,
                         "--token", EDITOR + "=editor", "--token", VIEWER + "=viewer",
                         "--user", "editor@example.org:" + PASSWORD + "=editor"] + list(args)
        if tls:
            cmd += ["--cert", os.path.join(tls, "server.pem"), "--key", os.path.join(tls, "server.key")]
        self.stderr = open(self.stderr_file, "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.stderr)
        started.append(self.proc)
        deadline = time.monotonic() + 30 * SLOW
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the emulator did not start: " + open(self.stderr_file).read())
            time.sleep(0.02)
        self.port = int(open(self.port_file).read())
        scheme = "https" if tls else "http"
        self.base = "%s://127.0.0.1:%d" % (scheme, self.port)
        self.context = None
        if tls:
            self.context = ssl.create_default_context(cafile=os.path.join(tls, "ca.pem"))

    def request(self, method, path, body=None, token=None, headers=None, context=None):
        h = dict(headers or {})
        if token:
            h["x-molgenis-token"] = token
        if isinstance(body, str):
            body = body.encode()
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30 * SLOW, context=context or self.context) as resp:
                return resp.status, resp.headers, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()

    def file(self, schema, table):
        with open(os.path.join(self.root, schema, table + ".csv"), encoding="utf-8") as f:
            return f.read()

    def files(self, schema):
        d = os.path.join(self.root, schema)
        return {n: open(os.path.join(d, n), "rb").read() for n in sorted(os.listdir(d))}

    def log(self):
        with open(self.log_file, encoding="utf-8") as f:
            return [json.loads(line) for line in f]

    def stop(self, what):
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=30 * SLOW)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.stderr.close()
        check(code == 0, "%s: stops on SIGTERM with exit 0 (got %s)" % (what, code))
        secrets = [EDITOR, VIEWER, PASSWORD]
        for name in (self.log_file, self.stderr_file):
            text = open(name, encoding="utf-8", errors="replace").read() if os.path.exists(name) else ""
            check(not any(s in text for s in secrets), "%s: %s holds no token or password" % (what, os.path.basename(name)))


def multipart_zip(files, filename="push.zip"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    boundary = "----smoke7d1e9c"
    body = (("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
             "Content-Type: application/zip\r\n\r\n") % (boundary, filename)).encode()
    body += buf.getvalue() + ("\r\n--%s--\r\n" % boundary).encode()
    return body, {"Content-Type": "multipart/form-data; boundary=" + boundary}


def signin(emu, email, password, token=None):
    q = {"query": "mutation($email:String,$password:String){signin(email:$email,password:$password){status message token}}",
         "variables": {"email": email, "password": password}}
    status, _, body = emu.request("POST", "/api/graphql", json.dumps(q), token=token,
                                  headers={"Content-Type": "application/json"})
    try:
        return status, json.loads(body)["data"]["signin"]
    except (ValueError, KeyError, TypeError):
        return status, {}


def test_main(tmp):
    emu = Emulator(tmp, "main")
    be = "/BBMRI-BE/api/csv/"

    # Anonymous read of the published schema, with and without the node filter.
    status, headers, body = emu.request("GET", "/ERIC/api/csv/Persons")
    all_ids = {r["id"] for r in rows_of(body)}
    check(status == 200 and "bbmri-eric:contactID:NL_someone" in all_ids, "ERIC: anonymous read of every row")
    status, headers, body = emu.request("GET", "/ERIC/api/csv/Persons?filter=" + NODE_FILTER)
    rows = rows_of(body)
    expected = {r["id"] for r in rows_of(emu.file("ERIC", "Persons")) if r["national_node"] == "BE"}
    check(status == 200 and headers.get_content_type() == "text/csv", "ERIC: node filter answers CSV")
    check({r["id"] for r in rows} == expected and len(expected) > 0 and all(r["national_node"] == "BE" for r in rows),
          "ERIC: node filter returns exactly the BE rows (%d of %d)" % (len(rows), len(all_ids)))
    status, _, body = emu.request("GET", "/ERIC/api/csv/Persons?filter=" + urllib.parse.quote('{"name":{"like":"x"}}'))
    check(status == 400 and error_message(body) == "unsupported filter", "ERIC: any other filter is refused")
    status, _, body = emu.request("GET", "/ERIC/api/csv/Nope")
    check(status == 400 and error_message(body) == "Table 'Nope' not found", "unknown table: 400 naming it")
    status, _, body = emu.request("GET", "/NOPE/api/csv/Persons")
    check(status == 400 and "NOPE" in (error_message(body) or ""), "unknown schema: 400 naming it")
    status, _, body = emu.request("GET", "/BBMRI-BE/api/nothing")
    check(status == 400 and error_message(body) == "not found", "unknown path: 400 not found")
    status, _, body = emu.request("POST", "/ERIC/api/csv/Persons", "id\nx\n", token=EDITOR)
    check(status == 400 and error_message(body) == "permission denied", "ERIC: an editor cannot write")

    # Staging: no token, a viewer, a bad token.
    status, headers, body = emu.request("GET", be + "Biobanks")
    check(status == 400 and headers.get_content_type() == "application/json" and
          error_message(body) == "permission denied", "staging without token: 400 permission denied JSON")
    status, _, body = emu.request("GET", be + "Biobanks", token=VIEWER)
    staged = rows_of(body)
    check(status == 200 and len(staged) == len(rows_of(emu.file("BBMRI-BE", "Biobanks"))) and len(staged) > 1,
          "staging read with a viewer token")
    status, _, body = emu.request("GET", be + "Biobanks", token="no-such-token")
    check(status == 400 and error_message(body) == "Invalid token or token expired", "unknown token refused")
    status, _, body = emu.request("GET", "/ERIC/api/csv/Biobanks", token="no-such-token")
    check(status == 400 and error_message(body) == "Invalid token or token expired",
          "unknown token refused on an anonymous schema too")
    status, _, body = emu.request("GET", be + "Biobanks", headers={"auth-key": VIEWER})
    check(status == 200, "auth-key header accepted")
    status, headers, body = emu.request("GET", "/BBMRI-BE/api/csv", token=VIEWER)
    model = rows_of(body)
    check(status == 200 and body.startswith("tableName,tableExtends,columnName,label,columnType,key,required,") and
          any(r["tableName"] == "Collections" and r["columnName"] == "biobank" and r["columnType"] == "ref" and
              r["refTable"] == "Biobanks" for r in model) and
          any(r["columnName"] == "country" and r["refSchema"] == "DirectoryOntologies" and r["refTable"] == "Countries"
              for r in model), "staging model CSV")

    # Writes: a viewer is refused; an editor's partial upsert changes only the columns sent.
    target = staged[0]
    before = emu.files("BBMRI-BE")
    upsert = "id,name\n%s,Smoke test renamed biobank\n" % target["id"]
    status, _, body = emu.request("POST", be + "Biobanks", upsert, token=VIEWER, headers={"Content-Type": "text/csv"})
    check(status == 400 and error_message(body) == "permission denied" and emu.files("BBMRI-BE") == before,
          "viewer write refused, nothing changed")
    status, headers, body = emu.request("POST", be + "Biobanks", upsert, token=EDITOR, headers={"Content-Type": "text/csv"})
    check(status == 200 and body.strip() == "1", "editor upsert of one row: 200 and the row count (%r)" % body)
    _, _, body = emu.request("GET", be + "Biobanks", token=VIEWER)
    after = {r["id"]: r for r in rows_of(body)}[target["id"]]
    check(after["name"] == "Smoke test renamed biobank" and after["description"] == target["description"] and
          after["contact"] == target["contact"], "the upsert is read back, other columns kept")
    check("Smoke test renamed biobank" in emu.file("BBMRI-BE", "Biobanks"), "the upsert is written to the file")
    check(emu.file("BBMRI-BE", "Persons").encode() == before["Persons.csv"], "untouched tables are not rewritten")

    # The server's rules on a CSV POST.
    status, _, body = emu.request("POST", be + "Biobanks", "id,name\nbbmri-eric:XX:bad,Bad\n", token=EDITOR)
    msg = error_message(body) or ""
    check(status == 400 and "ID should start with bbmri-eric:ID:" in msg and "bbmri-eric:XX:bad" in msg,
          "id pattern enforced: %s" % msg)
    status, _, body = emu.request("POST", be + "Biobanks", "id,name\nbbmri-eric:ID:BE_smoke_new,New\n", token=EDITOR)
    msg = error_message(body) or ""
    check(status == 400 and "required" in msg and "Biobanks" in msg and "bbmri-eric:ID:BE_smoke_new" in msg,
          "required columns enforced on a new row: %s" % msg)
    status, _, body = emu.request("POST", be + "Collections",
                                  "id,biobank\n%s,bbmri-eric:ID:BE_missing\n" % rows_of(emu.file("BBMRI-BE", "Collections"))[0]["id"],
                                  token=EDITOR)
    msg = error_message(body) or ""
    check(status == 400 and msg.startswith('insert or update on table "Collections" violates foreign key constraint '
                                           '"Collections.biobank REFERENCES Biobanks": Key (biobank)=(bbmri-eric:ID:BE_missing) '
                                           'is not present in table "Biobanks"'), "foreign key enforced: %s" % msg)
    status, _, body = emu.request("POST", be + "Biobanks", "id,country\n%s,XX\n" % target["id"], token=EDITOR)
    msg = error_message(body) or ""
    check(status == 400 and "REFERENCES Countries" in msg and "(country)=(XX)" in msg, "ontology values enforced: %s" % msg)
    check(emu.files("BBMRI-BE") != before and "Smoke test renamed biobank" in emu.file("BBMRI-BE", "Biobanks") and
          ",XX," not in emu.file("BBMRI-BE", "Biobanks"), "refused writes changed nothing")

    # ZIP import: deleting a biobank that collections still reference fails and changes nothing,
    # even when the same ZIP deletes those collections later (Collections come after Biobanks).
    collections = rows_of(emu.file("BBMRI-BE", "Collections"))
    victim = target["id"]
    referring = [c["id"] for c in collections if c["biobank"] == victim]
    check(len(referring) > 0, "the example has collections of %s" % victim)
    before = emu.files("BBMRI-BE")
    body, headers = multipart_zip({"Biobanks.csv": "id,mg_delete\n%s,true\n" % victim})
    status, _, text = emu.request("POST", "/BBMRI-BE/api/zip", body, token=EDITOR, headers=headers)
    msg = error_message(text) or ""
    check(status == 400 and msg.startswith('update or delete on table "Biobanks" violates foreign key constraint '
                                           '"Collections.biobank REFERENCES Biobanks" on table "Collections"'),
          "ZIP deleting a referenced biobank fails: %s" % msg)
    check(emu.files("BBMRI-BE") == before, "the failed ZIP changed no file")
    collections_csv = "id,mg_delete\n" + "".join("%s,TRUE\n" % c for c in referring)
    facts = [f["id"] for f in rows_of(emu.file("BBMRI-BE", "CollectionFacts")) if f["collection"] in referring]
    facts_csv = "id,mg_delete\n" + "".join("%s,true\n" % f for f in facts)
    body, headers = multipart_zip({"Biobanks.csv": "id,mg_delete\n%s,true\n" % victim,
                                   "Collections.csv": collections_csv, "CollectionFacts.csv": facts_csv})
    status, _, text = emu.request("POST", "/BBMRI-BE/api/zip", body, token=EDITOR, headers=headers)
    check(status == 400 and "REFERENCES Biobanks" in (error_message(text) or "") and emu.files("BBMRI-BE") == before,
          "ZIP: foreign keys checked per step, in table order (parent deleted before its children)")
    _, _, text = emu.request("GET", be + "Biobanks", token=VIEWER)
    check(victim in {r["id"] for r in rows_of(text)}, "the biobank is still served")
    body, headers = multipart_zip({"molgenis.csv": "tableName\nX\n"})
    status, _, text = emu.request("POST", "/BBMRI-BE/api/zip", body, token=EDITOR, headers=headers)
    check(status == 400 and "molgenis.csv" in (error_message(text) or ""), "ZIP with molgenis.csv refused")
    body, headers = multipart_zip({"Persons.csv": "id\nx\n"}, filename="push.tar")
    status, _, text = emu.request("POST", "/BBMRI-BE/api/zip", body, token=EDITOR, headers=headers)
    check(status == 400, "ZIP part whose filename does not end in .zip refused")

    # A good ZIP: a new person, and a collection that now names them as contact (a later table).
    person = "bbmri-eric:contactID:BE_smoke-person"
    coll = collections[0]
    body, headers = multipart_zip({
        "Persons.csv": "id,first_name,last_name,email,country\n%s,Smoke,Test,smoke@example.org,BE\n" % person,
        "Collections.csv": "id,contact\n%s,%s\n" % (coll["id"], person),
        "README.csv": "not,a,table\n",
    })
    status, _, text = emu.request("POST", "/BBMRI-BE/api/zip", body, token=EDITOR, headers=headers)
    check(status == 200 and text.startswith("Import success in ") and text.endswith("ms"), "ZIP import: %r" % text)
    check(person in emu.file("BBMRI-BE", "Persons") and
          {r["id"]: r for r in rows_of(emu.file("BBMRI-BE", "Collections"))}[coll["id"]]["contact"] == person,
          "the ZIP import is in the files")

    # Async ZIP and its task.
    body, headers = multipart_zip({"Persons.csv": "id,first_name\n%s,Renamed\n" % person})
    status, _, text = emu.request("POST", "/BBMRI-BE/api/zip?async=true", body, token=EDITOR, headers=headers)
    task = json.loads(text) if status == 200 else {}
    check(status == 200 and task.get("url") == "/api/tasks/%s" % task.get("id"), "async ZIP answers a task: %s" % text)
    polls = [json.loads(emu.request("GET", task.get("url", "/api/tasks/x"))[2]) for _ in range(2)]
    check(polls[0].get("status") == "RUNNING" and polls[1].get("status") == "COMPLETED" and
          polls[1].get("description") == "Import success", "task: RUNNING, then COMPLETED: %s" % polls)
    check(",Renamed," in emu.file("BBMRI-BE", "Persons"), "the async import is applied")
    body, headers = multipart_zip({"Biobanks.csv": "id,mg_delete\n%s,true\n" % victim})
    status, _, text = emu.request("POST", "/BBMRI-BE/api/zip?async=true", body, token=EDITOR, headers=headers)
    url = "/BBMRI-BE" + json.loads(text)["url"] if status == 200 else "/api/tasks/x"
    polls = [json.loads(emu.request("GET", url)[2]) for _ in range(2)]
    check(polls[1].get("status") == "ERROR" and
          polls[1].get("description", "").startswith("Import failed: update or delete on table \"Biobanks\""),
          "a failing async import ends in ERROR with the message: %s" % polls[1])
    status, _, text = emu.request("GET", "/api/tasks/unknown")
    check(status == 200 and json.loads(text) == {"description": "Task unknown", "status": "UNKNOWN"}, "unknown task")

    # DELETE with a CSV body: the person added above (referenced by the collection) cannot go, a
    # fresh one can.
    status, _, text = emu.request("DELETE", be + "Persons", "id\n%s\n" % person, token=EDITOR)
    check(status == 400 and "REFERENCES Persons" in (error_message(text) or ""), "DELETE checks foreign keys")
    emu.request("POST", be + "Persons", "id,email,country\nbbmri-eric:contactID:BE_gone,g@example.org,BE\n", token=EDITOR)
    status, _, text = emu.request("DELETE", be + "Persons", "id,email\nbbmri-eric:contactID:BE_gone,x\n", token=EDITOR)
    check(status == 200 and "BE_gone" not in emu.file("BBMRI-BE", "Persons"), "DELETE removes the row")

    # The same deletes in the order the server needs (children first, then the parent) succeed.
    body, headers = multipart_zip({"Collections.csv": collections_csv, "CollectionFacts.csv": facts_csv})
    status, _, text = emu.request("POST", "/BBMRI-BE/api/zip", body, token=EDITOR, headers=headers)
    body, headers = multipart_zip({"Biobanks.csv": "id,mg_delete\n%s,true\n" % victim})
    status2, _, text2 = emu.request("POST", "/BBMRI-BE/api/zip", body, token=EDITOR, headers=headers)
    check(status == 200 and status2 == 200 and victim not in emu.file("BBMRI-BE", "Biobanks") and
          not any(c in emu.file("BBMRI-BE", "Collections") for c in referring),
          "children deleted in one ZIP, their parent in the next: both succeed (%s / %s)" % (text, text2))

    # Sign-in.
    status, answer = signin(emu, "editor@example.org", PASSWORD)
    check(status == 200 and answer.get("status") == "SUCCESS" and answer.get("message") == "Signed in" and
          len(answer.get("token", "")) >= 16, "sign-in SUCCESS with a token")
    status, _, _ = emu.request("POST", be + "Networks", "id\n%s\n" % rows_of(emu.file("BBMRI-BE", "Networks"))[0]["id"],
                               token=answer.get("token"))
    check(status == 200, "the signed-in token works (editor write)")
    status, answer = signin(emu, "editor@example.org", "wrong")
    check(status == 200 and answer == {"status": "FAILED", "message": "Sign in failed: password incorrect or user unknown"},
          "sign-in FAILED: %s" % answer)
    status, _, text = emu.request("POST", "/api/graphql", json.dumps({"query": "{ Biobanks { id } }"}),
                                  headers={"Content-Type": "application/json"})
    check(status == 400 and error_message(text), "other GraphQL queries: 400")

    # The request log.
    log = emu.log()
    fields = {"n", "method", "path", "query", "status", "write", "token", "fault", "bytes_in", "bytes_out", "tables",
              "start_ms", "end_ms"}
    check(len(log) > 30 and all(set(e) == fields for e in log), "request log: every line has the documented fields")
    check([e["n"] for e in log] == list(range(1, len(log) + 1)), "request log: n counts every request")
    check(all(e["write"] == (e["method"] != "GET") and e["token"] in ("present", "absent") for e in log),
          "request log: write and token fields")
    first_upsert = next((e for e in log if e["method"] == "POST" and e["status"] == 200 and "Biobanks" in e["tables"]), {})
    check(first_upsert.get("tables") == {"Biobanks": {"upserts": 1, "deletes": 0, "ids": [target["id"]]}} and
          first_upsert.get("bytes_in") == len(upsert) and first_upsert.get("bytes_out") == 1,
          "request log: the upsert's tables, bytes_in and bytes_out: %s" % first_upsert)
    filtered = next((e for e in log if "filter=" in e["query"]), {})
    check(filtered.get("query") == "filter=" + NODE_FILTER and filtered.get("path") == "/ERIC/api/csv/Persons",
          "request log: the raw query")
    emu.stop("main")


def test_faults(tmp):
    faults = ["503:1@1", "drop@r2", "fail-batch:2@w1", "latency:%d@4" % (300 * SLOW), "statement-timeout@r4",
              "expire-token@6", "502@w2-3", "504@100"] + ["latency:1@%d" % n for n in range(200, 230)]
    args = []
    for f in faults:
        args += ["--fault", f]
    emu = Emulator(tmp, "faults", args)
    be = "/BBMRI-BE/api/csv/"

    status, headers, body = emu.request("GET", "/ERIC/api/csv/Persons")                                   # 1
    check(status == 503 and headers.get("Retry-After") == "1" and headers.get_content_type() == "text/html" and
          "<html>" in body, "503:1: Retry-After and an HTML body")
    req = urllib.request.Request(emu.base + "/ERIC/api/csv/Persons")                                       # 2
    try:
        with urllib.request.urlopen(req, timeout=30 * SLOW) as resp:
            declared = int(resp.headers.get("Content-Length", "0"))
            got, cut = resp.read(), False
    except http.client.IncompleteRead as e:
        declared, got, cut = None, e.partial, True
    except (ConnectionError, http.client.HTTPException) as e:
        declared, got, cut = None, b"", True
    check(cut and len(got) < 100, "drop: the body is cut off (%d bytes)" % len(got))

    collection = rows_of(emu.file("BBMRI-BE", "Collections"))[0]["id"]
    facts = "id,collection,last_update\n" + "".join(
        "bbmri-eric:factID:BE_smoke-%03d,%s,2026-01-01\n" % (i, collection) for i in range(150))
    status, _, body = emu.request("POST", be + "CollectionFacts", facts, token=EDITOR)                     # 3
    msg = error_message(body) or ""
    check(status == 400 and "CollectionFacts" in msg and "bbmri-eric:factID:BE_smoke-100" in msg,
          "fail-batch:2: 400 naming the table and the batch's first row: %s" % msg)
    on_disk = {r["id"] for r in rows_of(emu.file("BBMRI-BE", "CollectionFacts"))}
    check({"bbmri-eric:factID:BE_smoke-%03d" % i for i in range(100)} <= on_disk and
          not any("bbmri-eric:factID:BE_smoke-%03d" % i in on_disk for i in range(100, 150)),
          "fail-batch:2: the first 100 rows are committed, the rest are not")

    start = time.monotonic()
    status, _, _ = emu.request("GET", "/ERIC/api/csv/Persons")                                             # 4
    check(status == 200 and time.monotonic() - start >= 0.3 * SLOW, "latency: answered late, normally")
    status, _, body = emu.request("GET", "/ERIC/api/csv/Persons")                                          # 5 = r4
    check(status == 400 and error_message(body) == "canceling statement due to statement timeout", "statement-timeout")
    status, _, body = emu.request("GET", be + "Persons", token=VIEWER)                                     # 6
    check(status == 400 and error_message(body) == "Invalid token or token expired", "expire-token: this request fails")
    status, _, body = emu.request("GET", be + "Persons", token=EDITOR)                                     # 7
    check(status == 400 and error_message(body) == "Invalid token or token expired", "expire-token: tokens stay expired")
    status, answer = signin(emu, "editor@example.org", PASSWORD)                                            # 8 = w2
    check(status == 502, "502 on the second write")
    status, answer = signin(emu, "editor@example.org", PASSWORD)                                            # 9 = w3
    check(status == 502, "502 on the third write")
    status, answer = signin(emu, "editor@example.org", PASSWORD)                                            # 10 = w4
    status, _, body = emu.request("GET", be + "Persons", token=answer.get("token"))                       # 11
    check(status == 200, "a token signed in after the expiry works")

    log = emu.log()
    check([e["fault"] for e in log[:11]] == ["503", "drop", "fail-batch", "latency", "statement-timeout",
                                              "expire-token", None, "502", "502", None, None],
          "request log: fault names %s" % [e["fault"] for e in log[:11]])
    check(log[1]["bytes_out"] < 100 and log[2]["tables"]["CollectionFacts"]["upserts"] == 150 and
          len(log[2]["tables"]["CollectionFacts"]["ids"]) == 150, "request log: drop bytes_out, the batch's rows")
    check(all(e["start_ms"] <= e["end_ms"] for e in log) and log[3]["end_ms"] - log[3]["start_ms"] >= 300 * SLOW and
          log[4]["start_ms"] >= log[3]["end_ms"], "request log: start_ms and end_ms, the latency between them")
    emu.stop("faults")

    # Signed-in tokens expire after --token-ttl seconds; --live-model is served verbatim.
    live = os.path.join(tmp, "live-model.csv")
    with open(live, "w") as f:
        f.write("tableName,columnName,columnType\nBiobanks,id,string\nBiobanks,smoke_drift,\"text\"\n")
    emu = Emulator(tmp, "ttl", ["--token-ttl", str(SLOW), "--live-model", live])
    status, _, body = emu.request("GET", "/BBMRI-BE/api/csv", token=VIEWER)
    check(status == 200 and body == open(live).read(), "--live-model: served verbatim")
    status, answer = signin(emu, "editor@example.org", PASSWORD)
    token = answer.get("token")
    status, _, _ = emu.request("GET", be + "Persons", token=token)
    check(status == 200, "--token-ttl: the token works at first")
    time.sleep(SLOW + 0.3)
    status, _, body = emu.request("GET", be + "Persons", token=token)
    check(status == 400 and error_message(body) == "Invalid token or token expired", "--token-ttl: then it expires")
    status, _, _ = emu.request("GET", be + "Persons", token=VIEWER)
    check(status == 200, "--token-ttl: static tokens do not expire")
    emu.stop("ttl")


def test_https(tmp):
    if not check(shutil.which("openssl") is not None, "the openssl CLI is installed (make-test-ca.sh needs it)"):
        return
    tls = os.path.join(tmp, "tls")
    subprocess.run(["bash", os.path.join(SOURCE_ROOT, "tests", "http", "make-test-ca.sh"), tls], check=True)
    for name in ("ca.pem", "ca.key", "server.pem", "server.key", "other-ca.pem", "other-ca.key"):
        check(os.path.getsize(os.path.join(tls, name)) > 0, "make-test-ca.sh made %s" % name)
    emu = Emulator(tmp, "https", tls=tls)
    status, _, body = emu.request("GET", "/ERIC/api/csv/Persons?filter=" + NODE_FILTER)
    check(status == 200 and "bbmri-eric:contactID:" in body and "NL_someone" not in body, "HTTPS: read with the test CA")
    status, _, body = emu.request("GET", "/BBMRI-BE/api/csv/Persons", token=VIEWER)
    check(status == 200, "HTTPS: staging read with a token")
    other = ssl.create_default_context(cafile=os.path.join(tls, "other-ca.pem"))
    try:
        emu.request("GET", "/ERIC/api/csv/Persons", context=other)
        refused = False
    except (ssl.SSLError, urllib.error.URLError):
        refused = True
    check(refused, "HTTPS: a client trusting only another CA refuses the server")
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/ERIC/api/csv/Persons" % emu.port, timeout=10 * SLOW) as r:
            plain = r.status == 200
    except (urllib.error.URLError, ConnectionError, http.client.HTTPException):
        plain = False
    check(not plain, "HTTPS: plain HTTP is not served")
    emu.stop("https")


def test_arguments(tmp):
    root = os.path.join(tmp, "args-root")
    shutil.copytree(EXAMPLE, root)
    for args, code, what in [
        (["--root", root, "--fault", "bogus@1"], 64, "a bad fault"),
        (["--root", root, "--fault", "latency@1"], 64, "latency without milliseconds"),
        (["--root", root, "--token", "x=admin"], 64, "a bad role"),
        (["--root", root, "--port", "70000"], 64, "a bad port"),
        (["--root", root, "--cert", "x.pem"], 64, "--cert without --key"),
        (["--root", root, "--tokn=" + EDITOR + "=editor"], 64, "an unknown option"),
        ([], 64, "no --root"),
        (["--root", os.path.join(tmp, "missing")], 1, "a missing root"),
        (["--root", root, "--model", os.path.join(tmp, "missing.yaml")], 1, "a missing model"),
    ]:
        p = subprocess.run(WRAPPER + [EMULATOR] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=60 * SLOW)
        check(p.returncode == code and p.stderr and EDITOR.encode() not in p.stderr,
              "arguments: %s exits %d (got %d)" % (what, code, p.returncode))


def main():
    with tempfile.TemporaryDirectory(prefix="emx2-emulator-smoke.") as tmp:
        for test in (test_arguments, test_main, test_faults, test_https):
            try:
                test(tmp)
            except Exception as e:  # a crash is a failure, not a skipped check
                check(False, "%s raised %r" % (test.__name__, e))
            finally:
                for proc in started:
                    if proc.poll() is None:
                        proc.kill()
                        proc.wait()
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
