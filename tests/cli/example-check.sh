#!/usr/bin/env bash
# The example passes check with no finding at all, and both exports produce the eight tables.
. "$(dirname "$0")/lib.sh"
copy_example
cfg="$WORK/config/example.yaml"

expect_exit 0 -- "$PROGRAM" -c "$cfg" check
# The example is clean: no error, no warning, no quality finding of any level.
expect_in "$WORK/out" "check BE: 19 biobanks, 35 collections, 0 errors, 0 quality errors, 0 quality warnings, 0 quality infos, 0 warnings"
if [ -s "$WORK/err" ]; then fail "check of the example printed findings"; fi
# Quality warnings and infos alone pass: a fact sheet without its all-star row.
cp -r "$WORK/config" "$WORK/no-star"
sed -i '/^71030031000-oncology-[0-9]*,\*,\*,\*,\*,/d' "$WORK/no-star/example-facts/uza-oncology.csv"
expect_exit 0 -- "$PROGRAM" -c "$WORK/no-star/example.yaml" check
expect_in "$WORK/err" "quality warning: expected exactly one all-star fact row, found 0"
expect_in "$WORK/out" "0 errors, 0 quality errors, 1 quality warning, 0 quality infos, 0 warnings"

expect_exit 0 -- "$PROGRAM" -c "$cfg" export -f emx2-csv -o "$WORK/csv"
for t in Persons AlsoKnownIn Networks Biobanks Services Studies Collections CollectionFacts; do
        [ -f "$WORK/csv/$t.csv" ] || fail "export lacks $t.csv"
done
[ "$(ls "$WORK/csv" | wc -l)" = 8 ] || fail "export holds $(ls "$WORK/csv" | wc -l) files, not 8"
expect_in "$WORK/csv/Collections.csv" "bbmri-eric:ID:BE_UZG1:collection:onco,Oncology collection"
# Lists comma-joined and quoted, local terms mapped, derived order of magnitude.
expect_in "$WORK/csv/Collections.csv" '"TISSUE_FROZEN,WHOLE_BLOOD,PLASMA"'
# No computed or refback column is ever exported.
head -1 "$WORK/csv/Biobanks.csv" | grep -q ',collections' && fail "Biobanks.csv exports the refback column"
head -1 "$WORK/csv/Persons.csv" | grep -q ',biobanks' && fail "Persons.csv exports a refback column"

expect_exit 0 -- "$PROGRAM" -c "$cfg" export -f emx2-zip -o "$WORK/be.zip"
python3 - "$WORK/be.zip" <<'PY' || fail "the ZIP is not as the Directory imports it"
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
assert names == ["Persons.csv", "AlsoKnownIn.csv", "Networks.csv", "Biobanks.csv", "Services.csv",
                 "Studies.csv", "Collections.csv", "CollectionFacts.csv"], names
PY
# The ZIP holds exactly the CSV files of the folder export.
python3 - "$WORK/be.zip" "$WORK/csv" <<'PY' || fail "ZIP and folder exports differ"
import sys, zipfile, os
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    assert z.read(n) == open(os.path.join(sys.argv[2], n), "rb").read(), n
PY

expect_exit 0 -- "$PROGRAM" --version
expect_in "$WORK/out" "bbmri-dirsync "
expect_exit 0 -- "$PROGRAM" --help
expect_in "$WORK/out" "Exit codes:"
expect_exit 64 -- "$PROGRAM" -c "$cfg" frobnicate
expect_in "$WORK/err" "unknown command 'frobnicate'"
expect_exit 64 -- "$PROGRAM" -c "$cfg" export -f pdf -o x

# A copy of a lookup table beside the Directory's schemas replaces the built-in one when it is
# newer than the built-in tables' export, and is left alone when it is older.
onto="$WORK/config/example-directory/DirectoryOntologies"
mkdir -p "$onto"
{ echo "name,label"
  awk -F'\t' '/^@table/ { on = ($2 == "MaterialTypes") } on && !/^[@#]/ { print $1 "," $2 }' \
          "$SOURCE_ROOT/mappings/vocabularies.tsv"  # no label of it holds a comma or quote
  echo "NEW_MATERIAL,A material the built-in table lacks"; } >"$onto/MaterialTypes.csv"
sed -i '0,/materials: \[Plasma, Sérum\]/s//materials: [Plasma, Sérum, NEW_MATERIAL]/' "$WORK/config/example-master.yaml"
expect_exit 0 -- "$PROGRAM" -c "$cfg" check
expect_in "$WORK/out" " 0 errors"
touch -d 2020-01-01 "$onto/MaterialTypes.csv"
expect_exit 65 -- "$PROGRAM" -c "$cfg" check
expect_in "$WORK/err" "value 'NEW_MATERIAL' of field 'materials'"
finish
