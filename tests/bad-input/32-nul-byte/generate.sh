# Generates the input at test time.
set -eu
printf 'node: BE\npersons:\n  - id: a\000b\n' > master.yaml
