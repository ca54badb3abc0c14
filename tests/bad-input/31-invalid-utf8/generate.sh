# Generates the input at test time.
set -eu
printf 'node: BE\npersons:\n  - id: caf\351\n' > master.yaml
