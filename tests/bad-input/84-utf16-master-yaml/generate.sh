# The master saved as UTF-16 (little endian, with its byte order mark): refused at 1:1, saying so.
set -eu
python3 -c 'import sys; sys.stdout.buffer.write(open("master.yaml.in", encoding="utf-8").read().encode("utf-16"))' > master.yaml
