# A facts CSV saved with a UTF-8 byte order mark (spreadsheets do): its header still has 'id'.
set -eu
{ printf '\357\273\277'; cat facts.csv.in; } > facts.csv
