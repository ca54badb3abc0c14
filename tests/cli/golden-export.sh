#!/usr/bin/env bash
# Golden tests: each tests/golden/<case>/ holds master.yaml (and files it names) and expected/,
# the eight CSV files the export must produce byte for byte.
. "$(dirname "$0")/lib.sh"
for dir in "$SOURCE_ROOT"/tests/golden/*/; do
        name=$(basename "$dir")
        cp -r "$dir" "$WORK/$name"
        cat >"$WORK/$name/config.yaml" <<CFG
node: BE
master: master.yaml
mappings: [$SOURCE_ROOT/mappings/miabis-2.0.yaml, $SOURCE_ROOT/mappings/example-local.yaml]
model: $SOURCE_ROOT/mappings/directory-model.yaml
directory: {url: "file:remote"}
state_dir: state
CFG
        expect_exit 0 -- "$PROGRAM" -c "$WORK/$name/config.yaml" export -f emx2-csv -o "$WORK/$name/out"
        diff -r "$WORK/$name/expected" "$WORK/$name/out" >&2 || fail "golden case $name differs (diff above)"
done
finish
