#!/usr/bin/env bash
# The command line's conventions: global options anywhere, help per command, usage errors that
# name the problem and the help to read, --json alone on stdout for every command that has it,
# colour only when asked or on a terminal, a summary line for failed runs, diff's 65 before 1.
. "$(dirname "$0")/lib.sh"
copy_example
cfg="$WORK/config/example.yaml"

# Global options before, after and around the command.
expect_exit 0 -- "$PROGRAM" check -c "$cfg"
expect_in "$WORK/out" "check BE: 19 biobanks"
expect_exit 0 -- "$PROGRAM" check -c "$cfg" -q
expect_not_in "$WORK/err" "quality info"
expect_exit 0 -- "$PROGRAM" -q check --config="$cfg"
expect_in "$WORK/out" "check BE: 19 biobanks"
expect_exit 0 -- "$PROGRAM" export -f emx2-csv -c "$cfg" -o "$WORK/csv"
[ -f "$WORK/csv/Biobanks.csv" ] || fail "export with -c after the command wrote nothing"

# Help: COMMAND --help and help COMMAND print that command's usage, options and exit codes.
for c in pull check export diff sync status daemon; do
        expect_exit 0 -- "$PROGRAM" "$c" --help
        expect_in "$WORK/out" "Usage: bbmri-dirsync $c"
        expect_in "$WORK/out" "Exit codes: "
        cp "$WORK/out" "$WORK/help-option"
        expect_exit 0 -- "$PROGRAM" help "$c"
        cmp -s "$WORK/out" "$WORK/help-option" || fail "'help $c' and '$c --help' differ"
done
expect_exit 0 -- "$PROGRAM" help diff
expect_in "$WORK/out" "--against SCHEMA"
expect_in "$WORK/out" "65 errors in the master (before 1)"
expect_exit 0 -- "$PROGRAM" help export
expect_in "$WORK/out" "-f, --format FORMAT"
expect_exit 0 -- "$PROGRAM" help
expect_in "$WORK/out" "Commands:"

# Usage errors name the problem and the help to read, exit 64.
expect_exit 64 -- "$PROGRAM" sync -c "$cfg" --frobnicate
expect_in "$WORK/err" "unknown option '--frobnicate'"
expect_in "$WORK/err" "Try 'bbmri-dirsync help sync'."
expect_exit 64 -- "$PROGRAM" check --against published -c "$cfg"
expect_in "$WORK/err" "check takes no option --against"
expect_in "$WORK/err" "Try 'bbmri-dirsync help check'."
expect_exit 64 -- "$PROGRAM" export -f
expect_in "$WORK/err" "option '-f' needs a value"
expect_exit 64 -- "$PROGRAM" export -f emx2-csv -c "$cfg"
expect_in "$WORK/err" "export needs -o PATH"
expect_exit 64 -- "$PROGRAM" diff --against nowhere
expect_in "$WORK/err" "--against takes staging or published, not 'nowhere'"
expect_exit 64 -- "$PROGRAM" --color=sometimes check
expect_in "$WORK/err" "--color takes auto, always or never"
expect_exit 64 -- "$PROGRAM" help frobnicate
expect_in "$WORK/err" "no command 'frobnicate'"
expect_exit 64 -- "$PROGRAM" check extra
expect_in "$WORK/err" "unexpected argument 'extra'"
expect_exit 64 -- "$PROGRAM"
expect_in "$WORK/err" "missing command"

# --json: one JSON document on stdout and nothing else, on every command that has it.
for c in check diff sync status; do
        set +e
        "$PROGRAM" "$c" --json -c "$cfg" >"$WORK/$c.json" 2>"$WORK/err"
        set -e
        python3 - "$WORK/$c.json" "$c" <<'PY' || fail "$c --json is not one JSON document of the run"
import json, sys
doc = json.load(open(sys.argv[1]))  # fails on anything else on stdout
command = sys.argv[2]
if command == "status":
    assert doc["last"]["command"] in ("check", "diff", "sync"), doc
    assert doc["last_good"] is not None
else:
    assert doc["command"] == command, doc
    assert doc["node"] == "BE" and "counts" in doc, doc
PY
done
expect_not_in "$WORK/diff.json" "changed Collections"
expect_exit 0 -- "$PROGRAM" pull --json -o "$WORK/pulled.yaml" -c "$cfg"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["command"] == "pull" and d["outcome"] == "success" and "rows" in d["summary"], d' \
        "$WORK/out" || fail "pull --json is not one JSON document of the pull"
expect_exit 64 -- "$PROGRAM" pull --from nowhere
expect_in "$WORK/err" "--from takes staging or published"

# Colour: never unless asked, on a terminal, or NO_COLOR unset.
esc=$(printf '\033[')
expect_exit 0 -- "$PROGRAM" -c "$cfg" check
grep -qF "$esc" "$WORK/err" "$WORK/out" && fail "colour codes written to a file without --color=always"
expect_exit 1 -- "$PROGRAM" -c "$cfg" diff --color=always
grep -qF "${esc}32madded Collections" "$WORK/out" || fail "--color=always does not colour an added row green"
NO_COLOR=1 expect_exit 1 -- "$PROGRAM" -c "$cfg" diff --color=auto
grep -qF "$esc" "$WORK/out" && fail "NO_COLOR=1 still colours"

# What diff says per row: each changed column old → new, removals by the policy's word.
expect_exit 1 -- "$PROGRAM" -c "$cfg" diff
expect_in "$WORK/out" "changed Collections bbmri-eric:ID:BE_71030031000:collection:oncology"
expect_in "$WORK/out" "    size: 11000 → 12000"
expect_in "$WORK/out" "    email: bimetra@bbmri-be.example → biobank-uzgent@bbmri-be.example"
expect_in "$WORK/out" "withdraw Collections bbmri-eric:ID:BE_LCHU1:collection:flu-2020"
sed 's/deletions: withdraw/deletions: keep/' "$cfg" >"$WORK/config/keep.yaml"
expect_exit 1 -- "$PROGRAM" -c "$WORK/config/keep.yaml" diff
expect_in "$WORK/out" "keep (not removed) Collections bbmri-eric:ID:BE_LCHU1:collection:flu-2020"

# Findings of one check repeated more than 3 times: one line with the count and the first place.
cp -r "$WORK/config" "$WORK/dummy-mails"
sed -i 's/@bbmri-be\.example/@example.org/' "$WORK/dummy-mails/example-master.yaml"
expect_exit 0 -- "$PROGRAM" -c "$WORK/dummy-mails/example.yaml" check
expect_in "$WORK/err" "20 × CTF:EmailPlaceholder (quality error): "
expect_in "$WORK/err" "; first at example-master.yaml:"
expect_in "$WORK/err" "; -v lists all"
[ "$(grep -c "placeholder domain" "$WORK/err")" = 1 ] || fail "the 20 placeholder findings are not one line"
expect_exit 0 -- "$PROGRAM" -c "$WORK/dummy-mails/example.yaml" check -v
[ "$(grep -c 'quality error: ' "$WORK/err")" = 20 ] || fail "-v does not list the 20 placeholder findings"
expect_not_in "$WORK/err" "20 × "

# check --strict: a quality error fails the check (65); the example (no quality error, quality
# warnings and infos) still passes.
expect_exit 65 -- "$PROGRAM" -c "$WORK/dummy-mails/example.yaml" check --strict
expect_in "$WORK/out" "20 quality errors"
expect_exit 65 -- "$PROGRAM" --strict -c "$WORK/dummy-mails/example.yaml" check --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["exit_code"] == 65 and d["outcome"] == "invalid-data" and d["counts"]["errors"] == 0, d' \
        "$WORK/out" || fail "check --strict --json does not report the quality errors' exit"
expect_exit 0 -- "$PROGRAM" -c "$cfg" check --strict
expect_in "$WORK/out" "0 errors, 0 quality errors"
expect_exit 64 -- "$PROGRAM" -c "$cfg" diff --strict
expect_in "$WORK/err" "diff takes no option --strict"

# -v: each phase with its time.
expect_exit 1 -- "$PROGRAM" -c "$cfg" diff -v
for phase in setup read map validate fetch diff; do
        expect_in "$WORK/err" "phase $phase: "
done
expect_exit 1 -- "$PROGRAM" -c "$cfg" diff
expect_not_in "$WORK/err" "phase fetch: "

# A failed run ends with its summary line too; with --json a document saying it failed.
expect_exit 78 -- "$PROGRAM" sync -c "$WORK/missing.yaml"
expect_in "$WORK/out" "sync ?: failed (exit 78)"
expect_exit 78 -- "$PROGRAM" sync --json -c "$WORK/missing.yaml"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["outcome"] == "failed" and d["exit_code"] == 78' \
        "$WORK/out" || fail "a failed sync --json is not a JSON document saying so"

# diff: errors in the master (65) come before differences (1).
sed -i '0,/country: BE/s//country: QQ/' "$WORK/config/example-master.yaml"
expect_exit 65 -- "$PROGRAM" -c "$cfg" diff
expect_in "$WORK/out" "diff BE: "
expect_in "$WORK/err" "error: "
# The row with the error is held back, and says why.
expect_in "$WORK/out" "(held back: 1 error; first: value 'QQ' of field 'country'"
expect_not_in "$WORK/out" "required field 'country' is missing"
finish
