#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs one bad-input case: PROGRAM CASE_DIR SOURCE_ROOT.
# The case folder holds master.yaml (and any files it names), optionally config.yaml and
# generate.sh (run first, for inputs too big or too odd to commit), and `expect`: the exit code on
# line 1, a fragment that must appear in stderr on line 2, and optionally on line 3 one that must
# appear nowhere (a secret). Both `check` and `export` must exit
# with that code, and `export` must write nothing.
set -eu
PROGRAM=$1
CASE=$2
ROOT=$3
work=$(mktemp -d /tmp/bbmri-bad-input-XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$CASE"/. "$work"/
cd "$work"
[ -f generate.sh ] && bash generate.sh
if [ ! -f config.yaml ]; then
        cat >config.yaml <<CFG
node: BE
master: master.yaml
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
"$PROGRAM" -c config.yaml check >stdout 2>stderr
code=$?
"$PROGRAM" -c config.yaml export -f emx2-csv -o "$work/out" >/dev/null 2>export-stderr
export_code=$?
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
if ! grep -qF -- "$want_text" stderr; then
        echo "stderr lacks: $want_text" >&2
        status=1
fi
if [ -n "$absent_text" ] && grep -qF -- "$absent_text" stderr stdout export-stderr; then
        echo "output contains what it must not: $absent_text" >&2
        status=1
fi
if [ -e "$work/out" ]; then
        echo "export wrote $work/out although the input is bad" >&2
        status=1
fi
if [ $status != 0 ]; then
        echo "--- stderr of check:" >&2
        head -c 3000 stderr >&2
        exit 1
fi
echo "ok: exit $code, '$want_text'"
