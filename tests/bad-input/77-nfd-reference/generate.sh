# A person's id typed composed (NFC) and the references to it decomposed (NFD): one finding, the
# id's character, and no reference "the master does not define".
set -eu
python3 - <<'PY'
import unicodedata
s = open("master.yaml.in", encoding="utf-8").read()
head, sep, tail = s.partition("networks:")
open("master.yaml", "w", encoding="utf-8").write(head + sep + unicodedata.normalize("NFD", tail))
PY
