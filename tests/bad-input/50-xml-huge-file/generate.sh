# Generates the input at test time: a 70 MiB XML master (sparse, over the 64 MiB limit).
set -eu
printf '<?xml version="1.0" encoding="UTF-8"?>\n<miabis xmlns="http://www.bbmri-eric.eu/miabis">\n' > master.xml
truncate -s 70M master.xml
