# A push journal over LIMIT_PUSH_JOURNAL_BYTES (1 MiB): not read, and the warning says why.
set -eu
mkdir -p state remote
head -c 2000000 /dev/zero | tr '\0' ' ' > state/push-journal.json
