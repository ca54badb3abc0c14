# A table file of a CSV-folder master that is a symbolic link to itself: named, and 78 like a
# master path that leads nowhere.
set -eu
ln -s Biobanks.csv master-csv/Biobanks.csv
