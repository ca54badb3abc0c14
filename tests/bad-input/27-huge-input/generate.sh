# Generates the input at test time.
set -eu
printf 'node: BE\n' > master.yaml
truncate -s 70M master.yaml
