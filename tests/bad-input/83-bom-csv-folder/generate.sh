# Every table file of a CSV-folder master with a UTF-8 byte order mark: still read by its header.
set -eu
mkdir master-csv
for f in master-csv.in/*.csv; do { printf '\357\273\277'; cat "$f"; } > "master-csv/${f##*/}"; done
rm -r master-csv.in
