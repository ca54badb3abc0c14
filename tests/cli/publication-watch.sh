#!/usr/bin/env bash
# The publication watch on the file backend: a push's changes wait for the published schema; one
# that the published schema does not show publication.grace after its push is one warning per run
# (with its id), the metric bbmri_dirsync_unpublished_changes and a section of the JSON and HTML
# reports; a change that is published clears it. The grace is passed by writing the state with
# older push times, as a sync 37 hours earlier would have left it.
. "$(dirname "$0")/lib.sh"
copy_example
cfg="$WORK/config/example.yaml"
remote="$WORK/config/example-directory"
state="$WORK/config/example-state"
sed -i 's/^mode: report/mode: push/' "$cfg"
cat >>"$cfg" <<EOF
report:
  json: $WORK/report.json
  html: $WORK/report.html
  metrics: $WORK/metrics.prom
EOF

# report.json's publication section as "checked pending unpublished_count id,id,...".
publication() {
        python3 - "$WORK/report.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["publication"]
print(p["checked"], p["pending"], p["unpublished_count"], ",".join(c["id"] for c in p["unpublished"]))
PY
}
# Moves every pending change's push time back by HOURS.
age_state() {
        python3 - "$state/publication.json" "$1" <<'PY'
import json, sys
path, hours = sys.argv[1], int(sys.argv[2])
j = json.load(open(path))
for c in j["pending"]:
        c["pushed_usec"] -= hours * 3600 * 10**6
json.dump(j, open(path, "w"))
PY
}
expect_metric() {
        expect_in "$WORK/metrics.prom" "bbmri_dirsync_unpublished_changes{node=\"BE\",command=\"$1\"} $2"
}

oncology=bbmri-eric:ID:BE_71030031000:collection:oncology
# The push: its four changes wait for the published schema, none overdue yet (nothing waited
# before it: the published rows were not compared).
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
expect_in "$WORK/out" "pushed in 1 request"
[ "$(publication)" = "False 4 0 " ] || fail "after the push: $(publication)"
expect_not_in "$WORK/err" "not in the published Directory"
expect_metric sync 0
[ -f "$state/publication.json" ] || fail "the push times are not kept in the state directory"
expect_in "$state/publication.json" "$oncology"

# The published schema lags, within the grace: nothing to say.
age_state 30
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
[ "$(publication)" = "True 4 0 " ] || fail "within the grace: $(publication)"
expect_not_in "$WORK/err" "not in the published Directory"

# Past the grace: one warning naming the four, the metric, both reports.
age_state 7
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
[ "$(grep -c "not in the published Directory" "$WORK/err")" = 1 ] || fail "not one warning: $(cat "$WORK/err")"
expect_in "$WORK/err" "warning: 4 changes pushed 1d 12h or longer ago are not in the published Directory (ERIC): "
expect_in "$WORK/err" "Collections $oncology"
expect_in "$WORK/err" "Persons bbmri-eric:contactID:BE_biobank-uzgent"
expect_in "$WORK/err" "Collections bbmri-eric:ID:BE_AZSJ1:collection:stroke"
expect_in "$WORK/err" "Collections bbmri-eric:ID:BE_LCHU1:collection:flu-2020"
[ "$(publication)" = "True 4 4 $oncology,bbmri-eric:ID:BE_AZSJ1:collection:stroke,bbmri-eric:ID:BE_LCHU1:collection:flu-2020,bbmri-eric:contactID:BE_biobank-uzgent" ] ||
        fail "past the grace: $(publication)"
expect_metric sync 4
expect_in "$WORK/report.html" "<h2 id=\"unpublished\" class=\"quality\">Pushed, not yet published (4)</h2>"
expect_in "$WORK/report.html" "<code>$oncology</code>"
expect_in "$WORK/report.html" "<a href=\"#unpublished\">4</a>"
# diff reads nothing published: it shows the watch as the last sync left it.
expect_exit 0 -- "$PROGRAM" -c "$cfg" diff
[ "$(publication)" = "False 4 4 $oncology,bbmri-eric:ID:BE_AZSJ1:collection:stroke,bbmri-eric:ID:BE_LCHU1:collection:flu-2020,bbmri-eric:contactID:BE_biobank-uzgent" ] ||
        fail "diff: $(publication)"
expect_metric diff 4
expect_not_in "$WORK/err" "not in the published Directory"
cp "$cfg" "$WORK/config.saved"
# The reports list at most report.max_changes of them, and count all.
echo "  max_changes: 2" >>"$cfg"
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
[ "$(publication)" = "True 4 4 $oncology,bbmri-eric:ID:BE_AZSJ1:collection:stroke" ] || fail "max_changes 2: $(publication)"
expect_in "$WORK/report.html" "<p>2 more not listed (report.max_changes).</p>"
expect_metric sync 4
cp "$WORK/config.saved" "$cfg"
# A longer grace: not overdue yet.
echo "publication: {grace: 2d}" >>"$cfg"
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
[ "$(publication)" = "True 4 0 " ] || fail "grace 2d: $(publication)"
expect_not_in "$WORK/err" "not in the published Directory"
cp "$WORK/config.saved" "$cfg"

# The central job publishes one change: the others are still reported.
python3 - "$remote/ERIC/Collections.csv" "$oncology" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
id, size = rows[0].index("id"), rows[0].index("size")
for r in rows[1:]:
        if r[id] == sys.argv[2]:
                r[size] = "12000"
csv.writer(open(sys.argv[1], "w", newline=""), lineterminator="\n").writerows(rows)
PY
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
expect_in "$WORK/err" "warning: 3 changes pushed 1d 12h or longer ago are not in the published Directory (ERIC): "
expect_not_in "$WORK/err" "$oncology"
[ "$(publication)" = "True 3 3 bbmri-eric:ID:BE_AZSJ1:collection:stroke,bbmri-eric:ID:BE_LCHU1:collection:flu-2020,bbmri-eric:contactID:BE_biobank-uzgent" ] ||
        fail "one published: $(publication)"
expect_metric sync 3

# Then the whole staging area (every node's published rows but BE's kept, BE's from staging).
python3 - "$remote" <<'PY'
import csv, os, sys
root = sys.argv[1]
for name in os.listdir(f"{root}/BBMRI-BE"):
        published = list(csv.reader(open(f"{root}/ERIC/{name}", newline="")))
        staging = list(csv.DictReader(open(f"{root}/BBMRI-BE/{name}", newline="")))
        header = published[0]
        node = header.index("national_node")
        rows = [r for r in published[1:] if r[node] != "BE"]
        for s in staging:
                s["national_node"] = "BE"
                rows.append([s.get(c, "") for c in header])
        csv.writer(open(f"{root}/ERIC/{name}", "w", newline=""), lineterminator="\n").writerows([header] + rows)
PY
expect_exit 0 -- "$PROGRAM" -c "$cfg" diff --against published
expect_in "$WORK/out" "0 added, 0 changed, 0 removed"
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
expect_not_in "$WORK/err" "not in the published Directory"
[ "$(publication)" = "True 0 0 " ] || fail "all published: $(publication)"
expect_metric sync 0
expect_not_in "$state/publication.json" "bbmri-eric"
expect_not_in "$WORK/report.html" "id=\"unpublished\""

# A published schema that cannot be read: a warning, the sync goes on, the watch keeps its state.
sed -i 's/^        size: 12000$/        size: 12001/' "$WORK/config/example-master.yaml"
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
expect_in "$WORK/out" "pushed in 1 request"
[ "$(publication)" = "False 1 0 " ] || fail "a new push: $(publication)"
mv "$remote/ERIC/Persons.csv" "$WORK/Persons.csv"
cp "$state/publication.json" "$WORK/publication.before"
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
expect_in "$WORK/err" "warning: cannot read ERIC/Persons from"
expect_in "$WORK/err" "the publication watch checks again next run"
cmp -s "$state/publication.json" "$WORK/publication.before" || fail "an unreadable published schema changed the watch's state"
[ "$(publication)" = "False 1 0 " ] || fail "published unreadable: $(publication)"
finish
