# The master written in decomposed Unicode (NFD, as macOS writes: e + U+0301): its local terms
# ('Sérum', 'Tissu congelé', 'Année') map like their composed form; only the real error is left.
set -eu
python3 -c 'import unicodedata; open("master.yaml", "w", encoding="utf-8").write(unicodedata.normalize("NFD", open("master.yaml.in", encoding="utf-8").read()))'
grep -q "$(printf 'e\314\201')" master.yaml # really decomposed
