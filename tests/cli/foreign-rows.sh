#!/usr/bin/env bash
# Rows of other nodes (file backend): the example's first biobank joins an EU network (whose contact
# is an EU person) and a collection names a Dutch head. check resolves them from the state
# directory's copies (a warning while there are none), diff against the published Directory, and
# sync brings the three rows into the staging area unchanged; a second sync changes nothing; the
# rows are never removed; a reference that nobody has is an error in sync and a warning in check.
. "$(dirname "$0")/lib.sh"
copy_example
cfg="$WORK/config/example.yaml"
master="$WORK/config/example-master.yaml"
remote="$WORK/config/example-directory"
state="$WORK/config/example-state"
net="bbmri-eric:networkID:EU_BBMRI-ERIC:networks:CRC-Cohort"
eu_person="bbmri-eric:contactID:EU_crc-coordinator"
nl_person="bbmri-eric:contactID:NL_lumc"
staging() { (cd "$remote/BBMRI-BE" && sha256sum ./*.csv); }

echo "$net,CRC-Cohort,CRC,\"The colorectal cancer cohort, a network of the EU area\",Graz,,,,https://www.bbmri-eric.example/crc,,$eu_person,,false,EU" \
        >>"$remote/ERIC/Networks.csv"
echo "$eu_person,,Eva,Ropa,,crc@bbmri-eric.example,,,,Graz,AT,Coordinator,EU" >>"$remote/ERIC/Persons.csv"
python3 - "$master" "$net" "$nl_person" <<'PY'
import sys
path, net, nl = sys.argv[1:]
s = open(path).read()
s = s.replace("    network: [bbmri-be]\n", f"    network: [bbmri-be, \"{net}\"]\n", 1)
s = s.replace("        name: \"Solid tumour collection\"\n", f"        name: \"Solid tumour collection\"\n        head: \"{nl}\"\n", 1)
open(path, "w").write(s)
PY
sed -i 's/^mode: report/mode: push/' "$cfg"

# No copy of the Directory yet: check cannot tell, and says so as a warning.
expect_exit 0 -- "$PROGRAM" -c "$cfg" check
expect_in "$WORK/err" "'network' refers to Networks '$net' of another node, which cannot be checked"
expect_in "$WORK/err" "'head' refers to Persons '$nl_person' of another node"
expect_in "$WORK/out" "0 errors"
expect_in "$WORK/out" "2 warnings"

# diff resolves them against the published Directory and keeps a copy for check.
expect_exit 1 -- "$PROGRAM" -c "$cfg" diff --json
python3 - "$WORK/out" "$net" "$eu_person" "$nl_person" <<'PY' || fail "diff --json does not list the rows of other nodes"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["counts"]["errors"] == 0, r["counts"]
rows = sorted((x["table"], x["id"]) for x in r["foreign_rows"])
assert rows == sorted([("Networks", sys.argv[2]), ("Persons", sys.argv[3]), ("Persons", sys.argv[4])]), rows
assert not any(c["id"] in sys.argv[2:] for c in r["changes"]), "a row of another node counted as the node's"
PY
[ -f "$state/published/Networks.csv" ] || fail "no copy of the published rows in the state directory"
expect_exit 0 -- "$PROGRAM" -c "$cfg" check
expect_not_in "$WORK/err" "of another node"
expect_in "$WORK/out" "0 warnings"

# sync brings them unchanged, with the node's own changes, and verifies.
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
expect_in "$WORK/err" "3 rows of other nodes that the master refers to are not in the staging area"
expect_in "$WORK/out" "0 errors"
grep -qF "$net,CRC-Cohort,CRC,\"The colorectal cancer cohort, a network of the EU area\",Graz,,,,https://www.bbmri-eric.example/crc,,$eu_person,,false" \
        "$remote/BBMRI-BE/Networks.csv" || fail "the EU network is not in the staging area as published"
grep -qF "$eu_person,,Eva,Ropa,,crc@bbmri-eric.example,,,,Graz,AT,Coordinator" "$remote/BBMRI-BE/Persons.csv" ||
        fail "the EU network's contact did not come with it"
grep -qF "$nl_person,,Jan,de Vries," "$remote/BBMRI-BE/Persons.csv" || fail "the Dutch head is not in the staging area"
grep -q "^bbmri-eric:ID:BE_LCHU1,.*$net" "$remote/BBMRI-BE/Biobanks.csv" || fail "the biobank's network was not pushed"

# Converged: a second sync sends nothing and reads no more than the staging area.
before=$(staging)
rm -rf "$state/published"
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
expect_in "$WORK/out" "sync BE: 0 added, 0 changed, 0 removed, 0 errors"
expect_not_in "$WORK/err" "rows of other nodes"
[ "$(staging)" = "$before" ] || fail "a second sync changed the staging area"
[ ! -e "$state/published" ] || fail "a converged sync read the published rows again"
# check resolves them from the staging snapshot alone now.
expect_exit 0 -- "$PROGRAM" -c "$cfg" check
expect_not_in "$WORK/err" "of another node"

# Never removed: the master no longer refers to them; they stay as they are.
sed -i "s/    network: \[bbmri-be, \"$net\"\]/    network: [bbmri-be]/" "$master"
sed -i "/        head: \"$nl_person\"/d" "$master"
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
expect_in "$WORK/out" "0 removed"
grep -qF "$net,CRC-Cohort,CRC,\"The colorectal cancer cohort, a network of the EU area\",Graz,,,,https://www.bbmri-eric.example/crc,,$eu_person,,false" \
        "$remote/BBMRI-BE/Networks.csv" || fail "the EU network was changed or removed"
grep -qF "$nl_person,,Jan,de Vries," "$remote/BBMRI-BE/Persons.csv" || fail "the Dutch head was removed"

# A reference nobody has: an error of that row in sync (held back), a warning in check.
gone="bbmri-eric:networkID:EU_BBMRI-ERIC:networks:nowhere"
python3 - "$master" "$gone" <<'PY'
import sys
path, gone = sys.argv[1:]
s = open(path).read()
at = s.index("  - id: BIRA2\n")
s = s[:at] + s[at:].replace("    network: [bbmri-be]\n", f"    network: [bbmri-be, \"{gone}\"]\n", 1)
open(path, "w").write(s)
PY
before=$(staging)
expect_exit 65 -- "$PROGRAM" -c "$cfg" sync
expect_in "$WORK/err" "'network' refers to Networks '$gone' of another node, which neither the staging area nor the published Directory has"
expect_in "$WORK/out" "1 error"
grep -q "^bbmri-eric:ID:BE_BIRA2,.*nowhere" "$remote/BBMRI-BE/Biobanks.csv" && fail "the row with the unresolved reference was pushed"
expect_exit 0 -- "$PROGRAM" -c "$cfg" check
expect_in "$WORK/err" "'network' refers to Networks '$gone' of another node, which the last copy of the Directory in"
expect_in "$WORK/out" "0 errors"
expect_in "$WORK/out" "1 warning"
finish
