#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the Debian package, installs it, runs the installed program (--version, and `check` of a
# copy of the installed example), then purges it and checks nothing of it is left. Needs root
# (CI). Each check is written as one line of meson's testlog.json format to RESULTS, so that
# .ci/run counts them with the test suites.
# Usage: packaging/test-deb.sh RESULTS-FILE
set -uo pipefail
results=$(realpath -m "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: > "$results"

record() { # name, ok?
        local result=FAIL
        [ "$2" = 0 ] && result=OK
        echo "$result: deb: $1"
        printf '{"name": "deb-%s", "result": "%s"}\n' "$1" "$result" >> "$results"
}

DEB_BUILD_OPTIONS=nocheck "$root/packaging/build-deb.sh" "$work/out" > "$work/build.log" 2>&1
rc=$?
[ $rc = 0 ] || tail -30 "$work/build.log"
record build $rc
deb=$(ls "$work"/out/bbmri-dirsync_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { record install 1; exit 1; }

apt-get install -y -qq "$deb" > "$work/install.log" 2>&1
rc=$?
[ $rc = 0 ] || tail -20 "$work/install.log"
record install $rc

out=$(/usr/bin/bbmri-dirsync --version 2>&1)
[ "$out" = "bbmri-dirsync $(dpkg-query -W -f '${Version}' bbmri-dirsync)" ]
record version $?

# The installed example names the installed mapping and model files; a copy can keep state.
cp -r /usr/share/bbmri-dirsync/examples "$work/example"
cp /usr/share/bbmri-dirsync/*.yaml /usr/share/bbmri-dirsync/*.xsd "$work/"
env -u BBMRI_DIRSYNC_DATA_DIR /usr/bin/bbmri-dirsync -c "$work/example/example.yaml" check > "$work/check.log" 2>&1
rc=$?
[ $rc = 0 ] || tail -20 "$work/check.log"
grep -q "^check BE: 19 biobanks" "$work/check.log"
record check-example $(( rc != 0 || $? != 0 ))

[ -f /lib/systemd/system/bbmri-dirsync.timer ] && [ -f /usr/share/man/man8/bbmri-dirsync.8.gz ] &&
        [ -f /usr/lib/systemd/catalog/bbmri-dirsync.catalog ]
record files-installed $?

files=$(dpkg -L bbmri-dirsync | while read -r f; do [ -f "$f" ] && echo "$f"; done)
apt-get purge -y -qq bbmri-dirsync > "$work/purge.log" 2>&1
rc=$?
left=$(for f in $files; do [ -e "$f" ] && echo "$f"; done)
[ -n "$left" ] && echo "left behind: $left"
record purge $(( rc != 0 || ${#left} != 0 ))
! dpkg -s bbmri-dirsync > /dev/null 2>&1
record not-installed $?
