# Where the push journal belongs there is a folder: a warning naming it and why.
set -eu
mkdir -p state/push-journal.json remote
