# An NFD term that is not mapped in either form: named in its composed form, with the closest
# term ('Sérum') found across the two forms.
set -eu
python3 -c 'import unicodedata; open("master.yaml", "w", encoding="utf-8").write(unicodedata.normalize("NFD", open("master.yaml.in", encoding="utf-8").read()))'
