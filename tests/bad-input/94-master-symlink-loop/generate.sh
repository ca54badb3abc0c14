# The master is a symbolic link that leads back to itself (through a second one): like a missing
# master, a configuration mistake (78), not invalid data (65).
set -eu
ln -s master-b.yaml master.yaml
ln -s master.yaml master-b.yaml
