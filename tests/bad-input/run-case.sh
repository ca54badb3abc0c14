#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs one bad-input case: PROGRAM CASE_DIR SOURCE_ROOT.
# The case folder holds master.yaml (and any files it names), or master.xml (MIABIS 2.0 XML), or a
# folder master-csv/ (Directory CSV files), optionally config.yaml and
# generate.sh (run first, for inputs too big or too odd to commit), and `expect`: the exit code on
# line 1, a fragment that must appear in stderr on line 2, and optionally on line 3 one that must
# appear nowhere (a secret). `check`, `export -f emx2-csv` and `export -f miabis-xml` must exit
# with that code, and neither export may write anything (unless the code is 0: a case accepted with
# a warning); or, when the case has a file `command` (a case about the state directory or what the
# Directory answers), that command alone (e.g. `sync`, `diff`).
set -eu
PROGRAM=$1
CASE=$2
ROOT=$3
work=$(mktemp -d /tmp/bbmri-bad-input-XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$CASE"/. "$work"/
cd "$work"
[ -f generate.sh ] && bash generate.sh
master=master.yaml
[ -f master.xml ] && master=master.xml
[ -d master-csv ] && master=master-csv
if [ ! -f config.yaml ]; then
        cat >config.yaml <<CFG
node: BE
master: $master
mappings: [$ROOT/mappings/miabis-2.0.yaml, $ROOT/mappings/example-local.yaml]
model: $ROOT/mappings/directory-model.yaml
directory:
  url: file:remote
state_dir: state
CFG
fi
want_code=$(sed -n 1p expect)
want_text=$(sed -n 2p expect)
absent_text=$(sed -n 3p expect)

set +e
if [ -f command ]; then
        # A case about the state directory: that one command (e.g. sync) instead of check and export.
        # shellcheck disable=SC2046
        "$PROGRAM" -c config.yaml $(cat command) >stdout 2>stderr
        code=$?
        export_code=$code xml_code=$code
        : >export-stderr >xml-stderr
else
        "$PROGRAM" -c config.yaml check >stdout 2>stderr
        code=$?
        "$PROGRAM" -c config.yaml export -f emx2-csv -o "$work/out" >/dev/null 2>export-stderr
        export_code=$?
        "$PROGRAM" -c config.yaml export -f miabis-xml -o "$work/out.xml" >/dev/null 2>xml-stderr
        xml_code=$?
fi
set -e

status=0
if [ "$code" != "$want_code" ]; then
        echo "check exited $code, expected $want_code" >&2
        status=1
fi
if [ "$export_code" != "$want_code" ]; then
        echo "export exited $export_code, expected $want_code" >&2
        status=1
fi
if [ "$xml_code" != "$want_code" ]; then
        echo "export -f miabis-xml exited $xml_code, expected $want_code" >&2
        status=1
fi
if ! grep -qF -- "$want_text" stderr; then
        echo "stderr lacks: $want_text" >&2
        status=1
fi
if [ -n "$absent_text" ] && grep -qF -- "$absent_text" stderr stdout export-stderr xml-stderr; then
        echo "output contains what it must not: $absent_text" >&2
        status=1
fi
# Exit 0: input the program accepts with a warning (a lookup table of the Directory that is no
# lookup table is left out): the exports then rightly write their files.
[ "$want_code" = 0 ] && rm -rf "$work/out" "$work/out.xml"
for out in "$work/out" "$work/out.xml"; do
        if [ -e "$out" ]; then
                echo "export wrote $out although the input is bad" >&2
                status=1
        fi
done
if ls "$work" | grep -q '^out'; then
        echo "export left a temporary file behind: $(ls "$work" | grep '^out')" >&2
        status=1
fi
if [ $status != 0 ]; then
        echo "--- stderr of check:" >&2
        head -c 3000 stderr >&2
        exit 1
fi
echo "ok: exit $code, '$want_text'"
