#!/usr/bin/env bash
# quality.block against the file backend: a change to a collection that already carries a quality
# error in the Directory is pushed; a change or a new row that brings one is held back with the
# reason, with the new rows that need it, and sync exits 65; after the fix the next sync pushes;
# `all` holds back the tolerated one too, `none` nothing.
. "$(dirname "$0")/lib.sh"
copy_example
cfg="$WORK/config/example.yaml"
master="$WORK/config/example-master.yaml"
staging="$WORK/config/example-directory/BBMRI-BE/Collections.csv"
sed -i 's/^mode: report/mode: push/' "$cfg"
printf 'report:\n  metrics: %s\n' "$WORK/metrics.prom" >>"$cfg"
UZA=bbmri-eric:ID:BE_71030031000:collection
LCHU=bbmri-eric:ID:BE_LCHU1:collection

expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
expect_in "$WORK/out" "pushed in 1 request"

# edit_master NAME OLD NEW: in collection NAME's block (the first line 'id: NAME' after the line
# 'id: BIOBANK' when NAME is BIOBANK/NAME), the first OLD becomes NEW.
edit_master() {
        python3 - "$master" "$1" "$2" "$3" <<'PY'
import sys
path, where, old, new = sys.argv[1:]
text = open(path).read()
at = 0
for part in where.split("/"):
    at = text.index("- id: " + part + "\n", at)
k = text.index(old, at)
open(path, "w").write(text[:k] + new + text[k + len(old):])
PY
}
# cell ID COLUMN: the staging value.
cell() {
        python3 -c 'import csv, sys
rows = {r["id"]: r for r in csv.DictReader(open(sys.argv[1], newline=""))}
print(rows[sys.argv[2]][sys.argv[3]] if sys.argv[2] in rows else "(absent)")' "$staging" "$1" "$2"
}

# The Directory's LCHU1 oncology lacks BIOLOGICAL_SAMPLES already; the master lacks it too and
# changes the size: the quality error is tolerated, the size update pushed.
python3 - "$staging" "$LCHU:oncology" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
for r in rows:
    if r["id"] == sys.argv[2]:
        r["data_categories"] = "MEDICAL_RECORDS"
w = csv.DictWriter(open(sys.argv[1], "w", newline=""), fieldnames=list(rows[0].keys()))
w.writeheader()
w.writerows(rows)
PY
edit_master LCHU1/oncology "data_categories: [Biological samples, Medical records]" "data_categories: [Medical records]"
edit_master LCHU1/oncology "size: 15400" "size: 15500"
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync --json
python3 - "$WORK/out" "$LCHU:oncology" <<'PY' || fail "the tolerated quality error is not reported so"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["quality_policy"] == {"block": "new", "held_back": 0, "tolerated": 1}, r["quality_policy"]
c = [c for c in r["changes"] if c["id"] == sys.argv[2]]
assert len(c) == 1 and not c[0]["blocked"] and "held_back_by" not in c[0], c
f = [f for f in r["findings"] if f["code"] == "CC:SampleCatMismatch"]
assert len(f) == 1 and f[0]["in_directory"] is True and "holds_back" not in f[0], f
assert r["exit_code"] == 0 and r["push"]["verified"], r
PY
[ "$(cell "$LCHU:oncology" size)" = 15500 ] || fail "the size update of a collection with a tolerated quality error was not pushed"

# UZA oncology loses BIOLOGICAL_SAMPLES (a new quality error): held back; its sub-collection's
# size change still goes (it refers to the Directory's oncology). A new collection with the error
# is held back, and so is its new sub-collection, which needs it.
edit_master 71030031000/oncology "data_categories: [Biological samples, Medical records]" "data_categories: [Medical records]"
edit_master 71030031000/colorectal "size: 5769" "size: 5800"
python3 - "$master" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
access = ('        access_fee: [Samples, Data]\n'
          '        access_description: "On request to the biobank\'s access committee"\n'
          '        data_use: [DUO_0000007, DUO_0000021, DUO_0000029]\n')
new = ('      - id: biopsies\n'
       '        name: "Biopsy collection"\n'
       '        description: "Biopsies from the pathology department"\n' + access +
       '        type: [Disease specific]\n'
       '        data_categories: [Medical records]\n'
       '        materials: ["Tissue, cryo preserved"]\n'
       '        size: 300\n'
       '        diagnosis_available: [C18]\n'
       '        age_low: 18\n'
       '        age_high: 90\n'
       '        age_unit: year\n'
       '        collections:\n'
       '          - id: biopsies-colon\n'
       '            name: "Colon biopsies"\n'
       '            description: "Colon biopsies from the pathology department"\n' +
       access.replace("        ", "            ") +
       '            type: [Disease specific]\n'
       '            data_categories: [Biological samples, Medical records]\n'
       '            materials: ["Tissue, cryo preserved"]\n'
       '            size: 100\n'
       '            diagnosis_available: [C18]\n'
       '            age_low: 18\n'
       '            age_high: 90\n'
       '            age_unit: year\n')
at = text.index("      - id: cardio\n", text.index("- id: 71030031000\n"))
open(path, "w").write(text[:at] + new + text[at:])
PY
expect_exit 65 -- "$PROGRAM" -c "$cfg" sync --dry-run --json
python3 - "$WORK/out" "$UZA" <<'PY' || fail "the JSON report does not say what was held back and why"
import json, sys
r = json.load(open(sys.argv[1]))
uza = sys.argv[2]
assert r["quality_policy"] == {"block": "new", "held_back": 3, "tolerated": 0}, r["quality_policy"]
changes = {c["id"]: c for c in r["changes"]}
for held in ("oncology", "biopsies"):
    c = changes[uza + ":" + held]
    assert c["blocked"] and [b["code"] for b in c["held_back_by"]] == ["CC:SampleCatMismatch"], c
    assert c["held_back_by"][0]["severity"] == "quality error" and "Biological samples" in c["held_back_by"][0]["message"], c
child = changes[uza + ":biopsies-colon"]
assert child["blocked"] and child["held_back_by"] == [], child
assert child["needs"] == {"table": "Collections", "id": uza + ":biopsies"}, child
assert not changes[uza + ":colorectal"]["blocked"], changes[uza + ":colorectal"]
assert r["counts"]["blocked"] == 3 and r["counts"]["errors"] == 0, r["counts"]
held = [f for f in r["findings"] if f.get("holds_back")]
assert sorted(f["id"] for f in held) == [uza + ":biopsies", uza + ":oncology"], held
assert r["exit_code"] == 65, r["exit_code"]
PY
expect_exit 65 -- "$PROGRAM" -c "$cfg" sync
expect_in "$WORK/out" "changed Collections $UZA:oncology (held back: quality error CC:SampleCatMismatch: material types are listed but Biological samples is not amon"
expect_in "$WORK/out" "added Collections $UZA:biopsies (held back: quality error CC:SampleCatMismatch: "
expect_in "$WORK/out" "added Collections $UZA:biopsies-colon (held back: it refers to Collections $UZA:biopsies, which is held back and not in the Directory yet)"
expect_in "$WORK/out" "pushed in 1 request"
[ "$(cell "$UZA:colorectal" size)" = 5800 ] || fail "the sub-collection of a held-back changed collection was not pushed"
[ "$(cell "$UZA:oncology" data_categories)" = "BIOLOGICAL_SAMPLES,MEDICAL_RECORDS" ] || fail "the held-back change reached the Directory"
[ "$(cell "$UZA:biopsies" id)" = "(absent)" ] || fail "the held-back new collection reached the Directory"
[ "$(cell "$UZA:biopsies-colon" id)" = "(absent)" ] || fail "the new sub-collection of a held-back new collection reached the Directory"
expect_in "$WORK/metrics.prom" 'bbmri_dirsync_held_back_rows{node="BE",command="sync"} 3'
expect_in "$WORK/metrics.prom" 'bbmri_dirsync_last_run_exit_code{node="BE",command="sync"} 65'

# Fixed in the master: the next sync pushes the two new rows (oncology is as in the Directory
# again), and the one after finds nothing.
edit_master 71030031000/oncology "data_categories: [Medical records]" "data_categories: [Biological samples, Medical records]"
edit_master 71030031000/biopsies "data_categories: [Medical records]" "data_categories: [Biological samples, Medical records]"
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
expect_in "$WORK/out" "sync BE: 2 added, 0 changed, 0 removed, 0 errors, 1 quality error, "
expect_in "$WORK/out" "pushed in 1 request"
expect_not_in "$WORK/out" "held back"
[ "$(cell "$UZA:biopsies-colon" size)" = 100 ] || fail "the fixed rows were not pushed"
expect_in "$WORK/metrics.prom" 'bbmri_dirsync_held_back_rows{node="BE",command="sync"} 0'
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
expect_in "$WORK/out" "not pushed (nothing to push)"

# block: all holds back the change of LCHU1 oncology, whose quality error the Directory has.
printf 'quality:\n  block: all\n' >>"$cfg"
edit_master LCHU1/oncology "size: 15500" "size: 15600"
expect_exit 65 -- "$PROGRAM" -c "$cfg" sync
expect_in "$WORK/out" "changed Collections $LCHU:oncology (held back: quality error CC:SampleCatMismatch: "
[ "$(cell "$LCHU:oncology" size)" = 15500 ] || fail "block: all pushed a row with a quality error"

# block: none pushes it.
sed -i 's/^  block: all$/  block: none/' "$cfg"
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
expect_not_in "$WORK/out" "held back"
[ "$(cell "$LCHU:oncology" size)" = 15600 ] || fail "block: none held a row back"
finish
