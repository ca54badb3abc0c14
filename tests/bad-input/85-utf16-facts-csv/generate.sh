# A facts CSV exported as UTF-16 (big endian, as some spreadsheets do): refused at 1:1, saying so.
set -eu
python3 -c 'import sys; sys.stdout.buffer.write(b"\xfe\xff" + open("facts.csv.in", encoding="utf-8").read().encode("utf-16-be"))' > facts.csv
