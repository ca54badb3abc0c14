# The journal an earlier push left in the state directory is cut short (a full disk, an editor):
# the sync warns, naming it, rather than dropping it silently; the sync itself still runs.
set -eu
mkdir -p state remote
printf '{"started": "2026-12-01T10:00:00Z", "requests": [' > state/push-journal.json
