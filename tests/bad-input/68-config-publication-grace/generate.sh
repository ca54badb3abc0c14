# Generates the input at test time.
set -eu
sed "s|MAPPINGS|$BBMRI_DIRSYNC_DATA_DIR|g" config.yaml.in > config.yaml
