#!/usr/bin/env bash
# The whole cycle on the example: diff shows the four differences, sync in report mode writes
# nothing, sync in push mode applies them, and a second sync or diff reports no difference.
. "$(dirname "$0")/lib.sh"
copy_example
cfg="$WORK/config/example.yaml"
remote="$WORK/config/example-directory"
snapshot() { (cd "$remote" && find . -type f -exec sha256sum {} + | sort); }

expect_exit 1 -- "$PROGRAM" -c "$cfg" diff
expect_in "$WORK/out" "added Collections bbmri-eric:ID:BE_AZSJ1:collection:stroke"
expect_in "$WORK/out" "changed Collections bbmri-eric:ID:BE_71030031000:collection:oncology"
expect_in "$WORK/out" "    size: 11000 → 12000"
expect_in "$WORK/out" "withdraw Collections bbmri-eric:ID:BE_LCHU1:collection:flu-2020"
expect_in "$WORK/out" "changed Persons bbmri-eric:contactID:BE_biobank-uzgent"
expect_in "$WORK/out" "    email: bimetra@bbmri-be.example → biobank-uzgent@bbmri-be.example"
expect_in "$WORK/out" "diff BE: 1 added, 2 changed, 1 removed, 0 errors, 0 quality errors, "
expect_in "$WORK/out" " quality infos, 0 warnings (against staging)"

# Against the published schema: one more change (it lags a night), no NL row, no publisher column.
expect_exit 1 -- "$PROGRAM" -c "$cfg" diff --against published
expect_in "$WORK/out" "changed Collections bbmri-eric:ID:BE_UZL1:collection:cohort"
expect_in "$WORK/out" "    size: 9200 → 9500"
expect_in "$WORK/out" "diff BE: 1 added, 3 changed, 1 removed, 0 errors, 0 quality errors, "
expect_in "$WORK/out" " quality infos, 0 warnings (against published)"
expect_not_in "$WORK/out" "NL_"
expect_not_in "$WORK/err" "model drift"

# --json: the report alone on stdout.
expect_exit 1 -- "$PROGRAM" -c "$cfg" diff --json
python3 - "$WORK/out" <<'PY' || fail "diff --json is not the documented report"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["format_version"] == 1 and r["command"] == "diff" and r["node"] == "BE"
assert r["counts"]["added"] == 1 and r["counts"]["changed"] == 2 and r["counts"]["removed"] == 1
size = [c for c in r["changes"] if c["id"].endswith(":oncology") and c["kind"] == "changed"][0]
assert size["columns"] == [{"column": "size", "old": "11000", "new": "12000"}], size
assert len(r["config"]["digest"]) == 64
assert {p["name"] for p in r["phases"]} >= {"read", "map", "validate", "fetch", "diff"}
PY

before=$(snapshot)
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
expect_in "$WORK/out" "not pushed (report mode)"
[ "$(snapshot)" = "$before" ] || fail "sync in report mode changed the Directory folder"
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync --dry-run
[ "$(snapshot)" = "$before" ] || fail "sync --dry-run changed the Directory folder"

sed -i 's/^mode: report/mode: push/' "$cfg"

# The removal guard: with max_removals 0 the one removal is refused, nothing is written.
sed -i 's/^  max_removals: "20%"/  max_removals: 0/' "$cfg"
expect_exit 65 -- "$PROGRAM" -c "$cfg" sync
expect_in "$WORK/err" "refusing to push: it would remove 1 row, more than push.max_removals allows (0)"
expect_in "$WORK/out" "not pushed (removal guard)"
[ "$(snapshot)" = "$before" ] || fail "a refused push changed the Directory folder"
sed -i 's/^  max_removals: 0/  max_removals: "20%"/' "$cfg"

# Two runs never overlap: while another process holds the lock, sync exits 75.
mkdir -p "$WORK/config/example-state"
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "w"); fcntl.flock(f, fcntl.LOCK_EX); open(sys.argv[2], "w").close(); time.sleep(60)' \
        "$WORK/config/example-state/lock" "$WORK/locked" &
holder=$!
while [ ! -e "$WORK/locked" ]; do sleep 0.1; done
expect_exit 75 -- "$PROGRAM" -c "$cfg" sync
expect_in "$WORK/err" "holds the lock"
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
[ "$(snapshot)" = "$before" ] || fail "a run that found the lock held changed the Directory folder"
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync --dry-run
expect_in "$WORK/out" "not pushed (dry run)"
[ "$(snapshot)" = "$before" ] || fail "sync --dry-run in push mode changed the Directory folder"

expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
expect_in "$WORK/out" "sync BE: 1 added, 2 changed, 1 removed"
expect_in "$WORK/out" "pushed in 1 request"
# The removed collection is withdrawn (the default policy), not deleted.
python3 - "$remote/BBMRI-BE/Collections.csv" <<'PY' || fail "the removed collection was not withdrawn"
import csv, sys
rows = {r["id"]: r for r in csv.DictReader(open(sys.argv[1]))}
assert rows["bbmri-eric:ID:BE_LCHU1:collection:flu-2020"]["withdrawn"] == "true"
assert rows["bbmri-eric:ID:BE_AZSJ1:collection:stroke"]["withdrawn"] == "false"
assert rows["bbmri-eric:ID:BE_71030031000:collection:oncology"]["size"] == "12000"
PY
python3 - "$WORK/config/example-state/last.json" <<'PY' || fail "the report does not list the push's one request as applied"
import json, sys
push = json.load(open(sys.argv[1]))["push"]
assert push["request_list"] == [{"what": "folder swap", "tables": "BBMRI-BE", "upserts": 4, "deletes": 0,
                                 "applied": True}], push["request_list"]
assert push["verified"] is True
PY
# The published schema is never written.
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
expect_in "$WORK/out" "sync BE: 0 added, 0 changed, 0 removed"
expect_exit 0 -- "$PROGRAM" -c "$cfg" diff
expect_in "$WORK/out" "diff BE: 0 added, 0 changed, 0 removed, 0 errors, 0 quality errors, "
expect_in "$WORK/out" " quality infos, 0 warnings (against staging)"

# status reads the last report.
expect_exit 0 -- "$PROGRAM" -c "$cfg" status
expect_in "$WORK/out" "last good run: diff BE"
[ -f "$WORK/config/example-state/last.json" ] || fail "no last.json in the state directory"
[ -d "$WORK/config/example-state/snapshots/BBMRI-BE" ] || fail "no snapshots in the state directory"
finish
