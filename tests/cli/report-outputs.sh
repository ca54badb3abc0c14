#!/usr/bin/env bash
# report.html and report.metrics on the example: the HTML page groups the changes and findings by
# biobank and escapes what it shows; the metrics file is in Prometheus' text format, keeps the
# last success time through a failed run, and both are rewritten by every diff and sync.
. "$(dirname "$0")/lib.sh"
copy_example
cfg="$WORK/config/example.yaml"
# The example has no quality finding: give it a quality warning and a quality info the staging area
# shows as well (so the diff stays the example's): LCHU1 without url and longitude.
sed -i '\|url: https://www.example.org/biobanks/lchu1|d; /longitude: "5.5637"/d' "$WORK/config/example-master.yaml"
sed -i 's|https://www.example.org/biobanks/lchu1||g; s|,5\.5637,|,,|g' "$WORK/config/example-directory/BBMRI-BE/"*.csv
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
        if tag not in ("meta", "br", "col"):
            self.stack.append(tag)
    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()
    def handle_data(self, data):
        if self.stack and self.stack[-1] in ("h2", "h3"):
            self.h2.append(data)

c = Checker()
c.feed(page)
assert not c.stack, f"unclosed tags: {c.stack}"
assert "diff BE: 1 added, 2 changed, 1 removed" in page
# Per biobank: the changed oncology collection sits under its biobank, with old and new size.
assert "bbmri-eric:ID:BE_71030031000" in page
i = page.index("bbmri-eric:ID:BE_71030031000:collection:oncology")
assert page.rfind("<h3>", 0, i) > page.rfind("The whole node", 0, i), "the collection is not under its biobank"
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
# each kind apart: the copy has one quality warning and one quality info, no quality error
assert 'bbmri_dirsync_findings{node="BE",command="diff",severity="quality_error"} 0\n' in m
assert 'bbmri_dirsync_findings{node="BE",command="diff",severity="quality_warning"} 1\n' in m
assert 'bbmri_dirsync_findings{node="BE",command="diff",severity="quality_info"} 1\n' in m
for line in m.splitlines():
    # every series carries node and command
    assert line.startswith("#") or re.fullmatch(r'[a-z_]+\{node="[A-Z]+",command="[a-z]+"(,[a-z]+="[^"]*")*\} -?[0-9.e+]+', line), line
# A diff is not a success of the sync: the last success time stays at "never".
assert 'bbmri_dirsync_last_success_timestamp_seconds{node="BE",command="sync"} 0.000\n' in m, m
PY

# The page's structure on a master with errors, a held-back row and quality errors: the summary
# first with counts linking to the sections; errors, held-back rows, quality errors, then the
# changes per biobank, then warnings and infos folded; headers on every table; added rows with
# their values, removed rows with the policy; check ids linked to their explanation; files relative
# to the configuration's folder; no script.
cp -r "$WORK/config" "$WORK/broken"
rm -rf "$WORK/broken/example-state"
sed -i "s|$WORK/report.html|$WORK/broken.html|; s|$WORK/metrics.prom|$WORK/broken.prom|" "$WORK/broken/example.yaml"
sed -i 's/@bbmri-be\.example/@example.org/' "$WORK/broken/example-master.yaml"
sed -i '0,/country: BE/s//country: QQ/' "$WORK/broken/example-master.yaml"
expect_exit 65 -- "$PROGRAM" -c "$WORK/broken/example.yaml" diff
python3 - "$WORK/broken.html" "$WORK/broken" <<'PY' || fail "the HTML report's structure is not as documented"
import html.parser, re, sys
page, folder = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2]

class Parser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links, self.tables, self.in_table = [], [], 0, None
        self.order = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
            self.order.append((tag, a["id"]))
        if tag == "a" and a.get("href", "").startswith("#"):
            self.links.append(a["href"][1:])
        if tag == "table":
            self.tables += 1
            self.in_table = {"th": 0}
        if tag == "th" and self.in_table is not None:
            self.in_table["th"] += 1
        if tag == "tbody" and self.in_table is not None and self.in_table["th"] == 0:
            raise AssertionError("a table without column headers")
    def handle_endtag(self, tag):
        if tag == "table":
            assert self.in_table["th"] > 0, "a table without column headers"
            self.in_table = None

p = Parser()
p.feed(page)
assert p.tables >= 5, p.tables
assert "<script" not in page.lower() and "<link" not in page.lower() and "src=" not in page
sections = [i for t, i in p.order if not i.startswith("check-")]
want = ["errors", "held-back", "quality-errors", "changes", "warnings", "infos"]
assert [s for s in sections if s in want] == [s for s in want if s in sections], sections
for s in ("errors", "held-back", "quality-errors", "changes"):
    assert s in sections, f"no section {s}: {sections}"
# The summary table comes before every section and links to them.
assert page.index('class="summary"') < page.index('id="errors"')
for s in ("errors", "held-back", "quality-errors", "changes"):
    assert s in p.links, f"the summary does not link to {s}"
assert '<details id="warnings">' in page or "warnings" not in sections
# Every link points at something on the page; check ids link to their explanation.
for link in p.links:
    assert link in p.ids, f"link to #{link} leads nowhere"
assert 'href="#check-CTF:EmailPlaceholder"' in page and 'id="check-CTF:EmailPlaceholder"' in page
i = page.index('id="check-CTF:EmailPlaceholder"')
assert "How to fix:" in page[i:i + 1000]
# Colours by meaning: errors red, quality amber, not pushed grey (a diff pushes nothing).
assert '<tr class="error">' in page and '<tr class="quality">' in page and '<tr class="not-pushed">' in page
assert '<tr class="pushed">' not in page.split('class="summary"')[1].split("</table>")[1]
# Rows: the held-back one says why; the added one shows its values; the removed one the policy.
held = page[page.index('id="held-back"'):page.index('id="quality-errors"')]
assert "bbmri-eric:contactID:BE_biobank-chuliege" in held and "held back: 1 error; first: value &#39;QQ&#39; of field &#39;country&#39;" in held
assert "<b>name</b>: Stroke collection" in page
assert "withdrawn: withdrawn=true" in page
assert "<b>size</b>: 11000 &rarr; 12000" in page
# Files relative to the configuration's folder.
assert "example-master.yaml:24:14" in page
assert folder + "/example-master.yaml" not in page
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
