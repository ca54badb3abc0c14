# A model whose table name would climb out of the remote folder.
set -eu
sed 's|CollectionFacts|../Facts|' "$BBMRI_DIRSYNC_DATA_DIR/directory-model.yaml" > model.yaml
sed "s|MAPPINGS|$BBMRI_DIRSYNC_DATA_DIR|g" config.yaml.in > config.yaml
