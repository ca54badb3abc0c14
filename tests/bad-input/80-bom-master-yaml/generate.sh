# A UTF-8 byte order mark before the first key (as Windows editors write it): accepted, and
# positions on line 1 count from after it.
set -eu
{ printf '\357\273\277'; cat master.yaml.in; } > master.yaml
