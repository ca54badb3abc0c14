#!/usr/bin/env bash
# report.html and report.metrics on the example: the HTML page groups the changes and findings by
# biobank and escapes what it shows; the metrics file is in Prometheus' text format, keeps the
# last success time through a failed run, and both are rewritten by every diff and sync.
. "$(dirname "$0")/lib.sh"
copy_example
cfg="$WORK/config/example.yaml"
cat >> "$cfg" <<YAML
report:
  html: $WORK/report.html
  metrics: $WORK/metrics.prom
YAML

expect_exit 1 -- "$PROGRAM" -c "$cfg" diff
[ -s "$WORK/report.html" ] || fail "diff wrote no HTML report"
[ -s "$WORK/metrics.prom" ] || fail "diff wrote no metrics"
python3 - "$WORK/report.html" "$WORK/metrics.prom" <<'PY' || fail "the HTML report or the metrics are not as documented"
import html.parser, re, sys
page = open(sys.argv[1], encoding="utf-8").read()

class Checker(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.h2 = [], []
    def handle_starttag(self, tag, attrs):
        if tag not in ("meta", "br"):
            self.stack.append(tag)
    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()
    def handle_data(self, data):
        if self.stack and self.stack[-1] == "h2":
            self.h2.append(data)

c = Checker()
c.feed(page)
assert not c.stack, f"unclosed tags: {c.stack}"
assert "diff BE: 1 added, 2 changed, 1 removed" in page
# Per biobank: the changed oncology collection sits under its biobank, with old and new size.
assert "bbmri-eric:ID:BE_71030031000" in page
i = page.index("bbmri-eric:ID:BE_71030031000:collection:oncology")
assert page.rfind("<h2>", 0, i) > page.rfind("The whole node", 0, i), "the collection is not under its biobank"
assert "11000 &rarr; 12000" in page
# The changed e-mail is a node-wide row (a person).
assert "bbmri-eric:contactID:BE_biobank-uzgent" in page
assert any("whole node" in h for h in c.h2)
# (the example has no finding of the kinds this page lists since its contacts left example.org)
assert "<script" not in page

m = open(sys.argv[2]).read()
for name in ("last_run_timestamp_seconds", "last_success_timestamp_seconds", "last_run_duration_seconds",
             "last_run_exit_code", "changes", "held_back_rows", "findings", "push_requests",
             "report_output_failures"):
    assert f"# TYPE bbmri_dirsync_{name} gauge" in m, name
assert 'bbmri_dirsync_changes{node="BE",command="diff",kind="added"} 1\n' in m
assert 'bbmri_dirsync_changes{node="BE",command="diff",kind="changed"} 2\n' in m
assert 'bbmri_dirsync_last_run_exit_code{node="BE",command="diff"} 1\n' in m
assert 'bbmri_dirsync_held_back_rows{node="BE",command="diff"} 0\n' in m
assert 'bbmri_dirsync_report_output_failures{node="BE",command="diff"} 0\n' in m
for line in m.splitlines():
    # every series carries node and command
    assert line.startswith("#") or re.fullmatch(r'[a-z_]+\{node="[A-Z]+",command="[a-z]+"(,[a-z]+="[^"]*")*\} -?[0-9.e+]+', line), line
# A diff is not a success of the sync: the last success time stays at "never".
assert 'bbmri_dirsync_last_success_timestamp_seconds{node="BE",command="sync"} 0.000\n' in m, m
PY

# A sync in report mode that finds differences does not move it either; one with nothing to push does.
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
expect_in "$WORK/metrics.prom" 'bbmri_dirsync_last_success_timestamp_seconds{node="BE",command="sync"} 0.000'
expect_in "$WORK/metrics.prom" 'bbmri_dirsync_last_run_exit_code{node="BE",command="sync"} 0'
sed 's/^mode: report/mode: push/' "$cfg" > "$cfg.push" && mv "$cfg.push" "$cfg"
grep -q '^mode: push' "$cfg" || fail "the example config has no 'mode: report' line to switch"
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
expect_exit 0 -- "$PROGRAM" -c "$cfg" sync
python3 - "$WORK/metrics.prom" <<'PY' || fail "a sync with nothing left to push did not move the last success time"
import re, sys
m = open(sys.argv[1]).read()
success = float(re.search(r'last_success_timestamp_seconds\{node="BE",command="sync"\} ([0-9.]+)', m).group(1))
assert success > 1.7e9, success
assert 'bbmri_dirsync_push_requests{node="BE",command="sync"} 0\n' in m, m
open(sys.argv[1] + ".success", "w").write(str(success))
PY

# A failed run (the Directory folder gone) keeps the last success time.
mv "$WORK/config/example-directory" "$WORK/config/moved-away"
expect_exit 69 -- "$PROGRAM" -c "$cfg" sync
python3 - "$WORK/metrics.prom" <<'PY' || fail "a failed run lost the last success time"
import re, sys
m = open(sys.argv[1]).read()
before = float(open(sys.argv[1] + ".success").read())
assert 'bbmri_dirsync_last_run_exit_code{node="BE",command="sync"} 69\n' in m, m
now = float(re.search(r'last_success_timestamp_seconds\{node="BE",command="sync"\} ([0-9.]+)', m).group(1))
assert abs(now - before) < 0.01, (now, before)
PY
mv "$WORK/config/moved-away" "$WORK/config/example-directory"

# An output that cannot be written: the run's work is done and recorded (state report, the other
# outputs), the journal names the output, and the run ends with 73.
state=$(sed -n 's/^state_dir: *//p' "$cfg")
case $state in /*) ;; *) state="$WORK/config/$state" ;; esac
rm -f "$state/last.json" "$state/last-failed.json"
cat >> "$cfg" <<YAML
  json: $WORK/report.json
YAML
sed -i "s|metrics: .*|metrics: $WORK/no-such-folder/metrics.prom|" "$cfg"
expect_exit 73 -- "$PROGRAM" -c "$cfg" diff
expect_in "$WORK/err" "report.metrics: cannot write $WORK/no-such-folder/metrics.prom"
[ -s "$WORK/report.json" ] || fail "the JSON report output was not kept"
[ -s "$state/last.json" ] || fail "the run's own report is not in the state directory"
python3 - "$state/last.json" "$state/last-failed.json" "$WORK/report.json" <<'PY' || fail "the reports of a run whose metrics failed are not as documented"
import json, sys
work, failed, copy = (json.load(open(p)) for p in sys.argv[1:])
assert work["exit_code"] == 0 and work["outcome"] == "no-differences", work
assert failed["exit_code"] == 73 and failed["outcome"] == "output-failed", failed
assert "1 report output could not be written" in failed["error"], failed
assert copy["exit_code"] == 0, copy
PY
finish
