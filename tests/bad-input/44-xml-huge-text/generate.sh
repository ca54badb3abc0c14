# Generates the input at test time: a 2 MB first name on line 3.
set -eu
{
        printf '<?xml version="1.0" encoding="UTF-8"?>\n<miabis xmlns="http://www.bbmri-eric.eu/miabis">\n'
        printf '  <contactInformation id="contact"><firstname>'
        head -c 2000000 /dev/zero | tr '\0' x
        printf '</firstname></contactInformation>\n</miabis>\n'
} > master.xml
