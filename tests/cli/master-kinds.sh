#!/usr/bin/env bash
# The three kinds of master (YAML, MIABIS 2.0 XML, a folder of Directory CSV files) and MIABIS XML
# export: the export validates with xmllint against the project's schema; a CSV-folder master
# exports the same files byte for byte; a node written with what MIABIS carries gives the same
# check and the same export from all three kinds; XML read back and written again is unchanged.
. "$(dirname "$0")/lib.sh"
copy_example
cfg="$WORK/config/example.yaml"
command -v xmllint >/dev/null || fail "xmllint (Debian package libxml2-utils) is needed by this test"

# A configuration like the example's (beside it: its paths are relative), for another master.
config_for() { # MASTER NAME
        sed -e "s|^master: .*|master: $1|" -e "s|^state_dir: .*|state_dir: $WORK/state|" "$cfg" >"$WORK/config/$2"
}
# Findings without their file position, sorted: what a check says, wherever the master came from.
messages() {
        sed -E 's/^[^ ]+:[0-9]+(:[0-9]+)?: (error|warning|info|quality error|quality warning|quality info): /\2: /' "$1" | sort
}

# --- MIABIS XML export of the example ---
expect_exit 0 -- "$PROGRAM" -c "$cfg" export -f miabis-xml -o "$WORK/be.xml"
expect_in "$WORK/out" "export BE: 19 biobanks, 35 collections, 20 contacts and "
expect_in "$WORK/out" "left out, as MIABIS 2.0 cannot carry them: 1 Networks row, "
expect_in "$WORK/err" "left out of Biobanks: location 19, latitude 19, longitude 19, network 19"
xmllint --noout --schema "$WORK/mappings/miabis-2.0.xsd" "$WORK/be.xml" 2>"$WORK/xmllint" ||
        fail "xmllint rejects the export: $(head -3 "$WORK/xmllint")"
expect_in "$WORK/be.xml" '<materialType>Tissue, cryo preserved</materialType>'
expect_in "$WORK/be.xml" '<id>bbmri-eric.ID.BE_UZG1.collection.onco</id>'
# A folder that is not there: nothing written, exit 73.
expect_exit 73 -- "$PROGRAM" -c "$cfg" export -f miabis-xml -o "$WORK/missing/be.xml"
[ ! -e "$WORK/missing" ] || fail "a failed export left something behind"

# --- a CSV folder as master: the export reproduces it byte for byte ---
expect_exit 0 -- "$PROGRAM" -c "$cfg" check
yaml_summary=$(cat "$WORK/out")
expect_exit 0 -- "$PROGRAM" -c "$cfg" export -f emx2-csv -o "$WORK/folder"
config_for "$WORK/folder" folder.yaml
expect_exit 0 -- "$PROGRAM" -c "$WORK/config/folder.yaml" check
[ "$(cat "$WORK/out")" = "$yaml_summary" ] || fail "check of the CSV folder says '$(cat "$WORK/out")', of the YAML '$yaml_summary'"
expect_exit 0 -- "$PROGRAM" -c "$WORK/config/folder.yaml" export -f emx2-csv -o "$WORK/folder-again"
diff -r "$WORK/folder" "$WORK/folder-again" >"$WORK/diff" || fail "the CSV folder does not export as itself: $(head -5 "$WORK/diff")"
# Unknown columns are model drift, said once; server and system columns are ignored silently.
sed -i '1s/$/,colour,mg_draft/; 2,$s/$/,red,true/' "$WORK/folder/Biobanks.csv"
sed -i '1s/$/,collections/' "$WORK/folder/Persons.csv"
expect_exit 0 -- "$PROGRAM" -c "$WORK/config/folder.yaml" check
[ "$(grep -c "model drift" "$WORK/err")" = 1 ] || fail "model drift is not reported exactly once"
expect_in "$WORK/err" "folder/Biobanks.csv:1:18: warning: model drift: Biobanks has a column 'colour' that the model does not know; it is ignored"
expect_not_in "$WORK/err" "mg_draft"

# --- one node as YAML, XML and CSV folder ---
mkdir -p "$WORK/node"
cat >"$WORK/node/node.yaml" <<'YAML'
node: BE
persons:
  - id: uza-contact
    first_name: An
    last_name: Peeters
    email: biobank@uza.be
    phone: "+3238213000"
    city: Edegem
    country: BE
  - id: uzg-contact
    first_name: Pieter
    last_name: De Smet
    email: biobank@uzgent.be
    address: Corneel Heymanslaan 10
    zip: "9000"
    city: Gent
    country: BE
biobanks:
  - id: UZA
    name: Biobank@UZA
    acronym: UZA
    description: Hospital biobank of the Antwerp University Hospital
    url: https://www.uza.be/biobank
    juridical_person: Universitair Ziekenhuis Antwerpen
    country: BE
    contact: uza-contact
    collections:
      - id: oncology
        name: Oncology collection
        description: "Tumour & matched normal tissue <from surgery>"
        type: [Disease specific, Longitudinal]
        data_categories: [Biological samples, Medical records]
        materials: ["Tissue, cryo preserved", Sérum]
        storage_temperatures: ["-80°C", LN]
        size: 12000
        diagnosis_available: [C50.9, C18, "ORPHA:558"]
        age_low: 18
        age_high: 90
        age_unit: year
        sex: [Female, Male]
        collections:
          - id: oncology-breast
            name: Breast tumours
            description: The breast cancer part of the oncology collection
            type: [Disease specific]
            data_categories: [Biological samples]
            materials: ["Tissue, cryo preserved"]
            size: 800
            diagnosis_available: [C50.9]
  - id: UZG
    name: Bimetra Biobank
    description: Biobank of Universitair Ziekenhuis Gent
    juridical_person: Universitair Ziekenhuis Gent
    country: BE
    contact: uzg-contact
    collections:
      - id: birth
        name: Birth cohort
        description: Cord blood and maternal serum
        type: [Birth cohort]
        data_categories: [Biological samples, Survey data]
        materials: [Whole blood, Serum]
        number_of_donors: 100
        size: 250
        age_low: 0
        age_high: 1
        age_unit: day
YAML
config_for "$WORK/node/node.yaml" node-yaml.yaml
expect_exit 0 -- "$PROGRAM" -c "$WORK/config/node-yaml.yaml" check
expect_in "$WORK/out" "check BE: 2 biobanks, 3 collections, 0 errors"
cp "$WORK/out" "$WORK/node/yaml.summary"
messages "$WORK/err" >"$WORK/node/yaml.messages"
expect_exit 0 -- "$PROGRAM" -c "$WORK/config/node-yaml.yaml" export -f emx2-csv -o "$WORK/node/from-yaml"
expect_exit 0 -- "$PROGRAM" -c "$WORK/config/node-yaml.yaml" export -f miabis-xml -o "$WORK/node/node.xml"
# number_of_donors (and order_of_magnitude_donors derived from it) are all MIABIS loses here.
expect_in "$WORK/out" "export BE: 2 biobanks, 3 collections, 2 contacts and 3 diseases written to"
expect_in "$WORK/out" "left out, as MIABIS 2.0 cannot carry them: 2 values"
expect_in "$WORK/err" "left out of Collections: number_of_donors 1, order_of_magnitude_donors 1"
xmllint --noout --schema "$WORK/mappings/miabis-2.0.xsd" "$WORK/node/node.xml" 2>/dev/null || fail "xmllint rejects node.xml"
# Without them the three kinds must agree exactly.
sed -i '/number_of_donors/d' "$WORK/node/node.yaml"
expect_exit 0 -- "$PROGRAM" -c "$WORK/config/node-yaml.yaml" check
cp "$WORK/out" "$WORK/node/yaml.summary"
messages "$WORK/err" >"$WORK/node/yaml.messages"
rm -rf "$WORK/node/from-yaml"
expect_exit 0 -- "$PROGRAM" -c "$WORK/config/node-yaml.yaml" export -f emx2-csv -o "$WORK/node/from-yaml"
expect_exit 0 -- "$PROGRAM" -c "$WORK/config/node-yaml.yaml" export -f miabis-xml -o "$WORK/node/node.xml"
expect_in "$WORK/out" "; nothing left out"

for kind in xml csv; do
        if [ $kind = xml ]; then master="$WORK/node/node.xml"; else master="$WORK/node/from-yaml"; fi
        config_for "$master" "node-$kind.yaml"
        expect_exit 0 -- "$PROGRAM" -c "$WORK/config/node-$kind.yaml" check
        cmp -s "$WORK/out" "$WORK/node/yaml.summary" ||
                fail "check of the $kind master says '$(cat "$WORK/out")', of the YAML '$(cat "$WORK/node/yaml.summary")'"
        messages "$WORK/err" >"$WORK/node/$kind.messages"
        diff "$WORK/node/yaml.messages" "$WORK/node/$kind.messages" >"$WORK/diff" ||
                fail "check of the $kind master finds other things: $(head -5 "$WORK/diff")"
        expect_exit 0 -- "$PROGRAM" -c "$WORK/config/node-$kind.yaml" export -f emx2-csv -o "$WORK/node/from-$kind"
        diff -r "$WORK/node/from-yaml" "$WORK/node/from-$kind" >"$WORK/diff" ||
                fail "the $kind master exports other rows than the YAML one: $(head -5 "$WORK/diff")"
        expect_exit 0 -- "$PROGRAM" -c "$WORK/config/node-$kind.yaml" export -f miabis-xml -o "$WORK/node/again-$kind.xml"
        cmp -s "$WORK/node/node.xml" "$WORK/node/again-$kind.xml" ||
                fail "the $kind master does not give the same MIABIS XML"
done
expect_in "$WORK/node/node.xml" '<description>Tumour &amp; matched normal tissue &lt;from surgery&gt;</description>'
expect_in "$WORK/node/node.xml" '<sampleCollections>bbmri-eric.ID.BE_UZA.collection.oncology-breast</sampleCollections>'
expect_in "$WORK/node/node.xml" '<code>558</code>'
finish
