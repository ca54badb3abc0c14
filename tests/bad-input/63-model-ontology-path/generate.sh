# A model whose ontology table name would climb out of the snapshot folder.
set -eu
sed 's|ontology: SexTypes|ontology: ../SexTypes|' "$BBMRI_DIRSYNC_DATA_DIR/directory-model.yaml" > model.yaml
sed "s|MAPPINGS|$BBMRI_DIRSYNC_DATA_DIR|g" config.yaml.in > config.yaml
