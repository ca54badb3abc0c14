#!/usr/bin/env bash
# pull writes the node's rows as a YAML master that reads back to exactly those rows: pull then
# check and diff report nothing, from staging and from the published schema; an existing file is
# never replaced without --force; nothing else in the folder is touched.
. "$(dirname "$0")/lib.sh"
copy_example
cfg="$WORK/config/example.yaml"
out="$WORK/pulled"
mkdir "$out"

expect_exit 0 -- "$PROGRAM" -c "$cfg" pull -o "$out/be.yaml"
expect_in "$WORK/out" "pull BE: 177 rows of BBMRI-BE written to $out/be.yaml and $out/be-facts.csv"
[ "$(ls "$out")" = "be-facts.csv
be.yaml" ] || fail "pull left other files: $(ls "$out")"
# What a person would have written: nested collections, local ids, labels, no derived values.
expect_in "$out/be.yaml" "# Rows: Persons 20, Networks 1, Biobanks 19, Collections 35, CollectionFacts 102"
expect_in "$out/be.yaml" "  - id: UZG1"
expect_in "$out/be.yaml" "    collections:"
expect_in "$out/be.yaml" "      - id: onco"
expect_in "$out/be.yaml" "materials: [TISSUE_FROZEN, SERUM, DNA]  # Tissue (frozen), Serum, DNA"
expect_not_in "$out/be.yaml" "order_of_magnitude:"
expect_not_in "$out/be.yaml" "withdrawn: false"
expect_not_in "$out/be.yaml" "bbmri-eric:ID:BE_UZG1:collection:onco"
expect_in "$out/be-facts.csv" "id,collection,sex,age_range,sample_type,disease,number_of_samples"

sed -i "s|^master: .*|master: $out/be.yaml|" "$cfg"
expect_exit 0 -- "$PROGRAM" -c "$cfg" check
expect_in "$WORK/out" "check BE: 19 biobanks, 35 collections, 0 errors, 0 quality errors, "
expect_in "$WORK/out" " quality infos, 0 warnings"
expect_exit 0 -- "$PROGRAM" -c "$cfg" diff
expect_in "$WORK/out" "diff BE: 0 added, 0 changed, 0 removed"

# Never over an existing file: exit 73, the message says so, the file is as it was.
cp "$out/be.yaml" "$WORK/before.yaml"
echo "# edited" >>"$out/be.yaml"
expect_exit 73 -- "$PROGRAM" -c "$cfg" pull
expect_in "$WORK/err" "already exists: pull never replaces a file without --force"
expect_in "$out/be.yaml" "# edited"
# The configured master is the default output; --force replaces it.
expect_exit 0 -- "$PROGRAM" -c "$cfg" pull --force
expect_not_in "$out/be.yaml" "# edited"

# The published schema, filtered to the node, compared with the published schema.
expect_exit 0 -- "$PROGRAM" -c "$cfg" pull --from published -o "$out/published.yaml"
expect_in "$out/published.yaml" "schema ERIC"
sed -i "s|^master: .*|master: $out/published.yaml|" "$cfg"
expect_exit 0 -- "$PROGRAM" -c "$cfg" check
expect_exit 0 -- "$PROGRAM" -c "$cfg" diff --against published
expect_in "$WORK/out" "0 added, 0 changed, 0 removed"

# Published ownership is national_node's, not the id's prefix: a contact of the node under the
# EXT_ prefix is the node's, a biobank with a BE-looking id that another node publishes is not.
python3 - "$WORK/config/example-directory/ERIC" <<'PY'
import csv, sys
def add(table, id, node):
        path = f"{sys.argv[1]}/{table}.csv"
        rows = list(csv.reader(open(path, newline="")))
        row = list(rows[1])
        row[rows[0].index("id")], row[rows[0].index("national_node")] = id, node
        csv.writer(open(path, "w", newline=""), lineterminator="\n").writerows(rows + [row])
add("Persons", "bbmri-eric:contactID:EXT_partner", "BE")
add("Biobanks", "bbmri-eric:ID:BE_ELSEWHERE", "NL")
PY
expect_exit 1 -- "$PROGRAM" -c "$cfg" diff --against published
expect_in "$WORK/out" "0 added, 0 changed, 1 removed"
expect_in "$WORK/out" "bbmri-eric:contactID:EXT_partner"
expect_not_in "$WORK/out" "ELSEWHERE"
expect_exit 0 -- "$PROGRAM" -c "$cfg" pull --from published -o "$out/owned.yaml"
expect_in "$out/owned.yaml" "id: bbmri-eric:contactID:EXT_partner"
expect_not_in "$out/owned.yaml" "ELSEWHERE"
sed -i "s|^master: .*|master: $out/owned.yaml|" "$cfg"
expect_exit 0 -- "$PROGRAM" -c "$cfg" diff --against published
expect_in "$WORK/out" "0 added, 0 changed, 0 removed"

# Columns the model lacks: the values the model has are pulled, the columns named in ONE warning.
python3 - "$WORK/config/example-directory/BBMRI-BE" <<'PY'
import csv, sys
for table, column in (("Biobanks", "colour"), ("Biobanks", "shade"), ("Collections", "flavour")):
        path = f"{sys.argv[1]}/{table}.csv"
        rows = list(csv.reader(open(path, newline="")))
        rows[0].append(column)
        for r in rows[1:]:
                r.append("blue")
        csv.writer(open(path, "w", newline=""), lineterminator="\n").writerows(rows)
PY
sed -i "s|^master: .*|master: $out/drift.yaml|" "$cfg"
expect_exit 0 -- "$PROGRAM" -c "$cfg" pull
expect_in "$WORK/err" "model drift: BBMRI-BE has columns the model does not know; they are ignored, the other columns' values are kept: Biobanks.colour, Biobanks.shade, Collections.flavour"
[ "$(grep -c "model drift" "$WORK/err")" = 1 ] || fail "the unknown columns are not one warning: $(grep "model drift" "$WORK/err")"
expect_not_in "$out/drift.yaml" "colour"
expect_not_in "$out/drift.yaml" "blue"
expect_exit 0 -- "$PROGRAM" -c "$cfg" diff
expect_in "$WORK/out" "0 added, 0 changed, 0 removed"
[ "$(grep -c "model drift" "$WORK/err")" = 1 ] || fail "diff does not name the unknown columns once"

# A Directory that cannot be read: 69, nothing written.
sed -i "s|^  url: .*|  url: file:$WORK/nowhere|" "$cfg"
expect_exit 69 -- "$PROGRAM" -c "$cfg" pull -o "$out/none.yaml"
[ -e "$out/none.yaml" ] && fail "pull wrote a master from an unreadable Directory"
expect_exit 64 -- "$PROGRAM" -c "$cfg" pull --from nowhere
finish
