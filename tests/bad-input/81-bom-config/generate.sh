# A UTF-8 byte order mark at the start of the configuration: accepted, the error named at its line.
set -eu
{ printf '\357\273\277'; sed "s|MAPPINGS|$BBMRI_DIRSYNC_DATA_DIR|g" config.yaml.in; } > config.yaml
