# Generates the input at test time: 10,000 nested elements on line 3.
set -eu
{
        printf '<?xml version="1.0" encoding="UTF-8"?>\n<miabis xmlns="http://www.bbmri-eric.eu/miabis">\n'
        for i in $(seq 10000); do printf '<a>'; done
        printf '\n</miabis>\n'
} > master.xml
