#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the Debian package, checks it with lintian (no error, no warning), installs it, runs the
# installed program (--version, and `check` of a copy of the installed example), checks the
# installed units (systemd-analyze verify; the timer, the path unit and the daemon unit enable with
# systemctl --root), the report outputs' folder and the credentials folder, then removes it (the
# state directory stays) and purges it (the state directory and every file of the package go).
# Needs root (CI). Each check is written as one line of meson's testlog.json format to RESULTS, so that
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

# lintian: no error, no warning (an information tag is shown, not counted).
lintian --display-info "$deb" > "$work/lintian.log" 2>&1
sed 's/^/  lintian: /' "$work/lintian.log"
! grep -Eq '^[EW]: ' "$work/lintian.log"
record lintian $?

apt-get install -y -qq "$deb" > "$work/install.log" 2>&1
rc=$?
[ $rc = 0 ] || tail -20 "$work/install.log"
record install $rc

out=$(/usr/bin/bbmri-dirsync --version 2>&1)
[ "$out" = "bbmri-dirsync $(dpkg-query -W -f '${Version}' bbmri-dirsync)" ]
record version $?

# The installed example names the installed mapping and model files: a copy anywhere works, and
# its state goes to the state directory, not into the copy.
cp -r /usr/share/bbmri-dirsync/examples "$work/example"
env -u BBMRI_DIRSYNC_DATA_DIR -u STATE_DIRECTORY /usr/bin/bbmri-dirsync -c "$work/example/example.yaml" check \
        > "$work/check.log" 2>&1
rc=$?
[ $rc = 0 ] || tail -20 "$work/check.log"
grep -q "^check BE: 19 biobanks" "$work/check.log"
record check-example $(( rc != 0 || $? != 0 ))
env -u BBMRI_DIRSYNC_DATA_DIR -u STATE_DIRECTORY /usr/bin/bbmri-dirsync -c "$work/example/example.yaml" diff \
        > "$work/diff.log" 2>&1
rc=$?
[ $rc = 1 ] || tail -20 "$work/diff.log"
[ $rc = 1 ] && [ -f /var/lib/bbmri-dirsync/last.json ] && [ -z "$(find "$work/example" -newer "$work/check.log")" ] &&
        [ -z "$(find /usr/share/bbmri-dirsync /etc/bbmri-dirsync -newer "$work/check.log")" ]
record example-state-in-var-lib $?

# The template, copied to an /etc-like folder with a master (and the node's terms) next to it.
mkdir -p "$work/etc"
cp /usr/share/doc/bbmri-dirsync/config.yaml "$work/etc/config.yaml"
cp "$work/example/example-master.yaml" "$work/etc/master.yaml"
cp -r "$work/example/example-facts" "$work/etc/"
cp /usr/share/bbmri-dirsync/example-local.yaml "$work/etc/local-terms.yaml"
sed -i 's/^#  - local-terms.yaml/  - local-terms.yaml/' "$work/etc/config.yaml"
env -u BBMRI_DIRSYNC_DATA_DIR /usr/bin/bbmri-dirsync -c "$work/etc/config.yaml" check > "$work/template.log" 2>&1
rc=$?
[ $rc = 0 ] || tail -20 "$work/template.log"
grep -q "^check BE: 19 biobanks" "$work/template.log"
record check-template $(( rc != 0 || $? != 0 ))

[ -f /lib/systemd/system/bbmri-dirsync.timer ] && [ -f /usr/share/man/man8/bbmri-dirsync.8.gz ] &&
        [ -f /usr/lib/systemd/catalog/bbmri-dirsync.catalog ] && [ -s /usr/share/bbmri-dirsync/master.schema.json ] &&
        [ -f /usr/share/bash-completion/completions/bbmri-dirsync ] &&
        [ -f /usr/share/zsh/vendor-completions/_bbmri-dirsync ]
record files-installed $?

units=/lib/systemd/system
(cd "$work" && systemd-analyze verify --man=no $units/bbmri-dirsync.service $units/bbmri-dirsyncd.service \
        $units/bbmri-dirsync.timer $units/bbmri-dirsync.path) > "$work/verify.log" 2>&1
rc=$?
[ $rc = 0 ] && [ ! -s "$work/verify.log" ]
rc=$?
[ $rc = 0 ] || cat "$work/verify.log"
record units-verify $rc

mkdir -p "$work/root"
rc=0
for pair in bbmri-dirsync.timer:timers.target bbmri-dirsync.path:paths.target \
            bbmri-dirsyncd.service:multi-user.target; do
        unit=${pair%%:*} target=${pair#*:}
        mkdir -p "$work/root$units" && cp "$units/$unit" "$work/root$units/"
        systemctl --root="$work/root" enable "$unit" > /dev/null 2>&1 &&
                [ -L "$work/root/etc/systemd/system/$target.wants/$unit" ] || { echo "cannot enable $unit"; rc=1; }
done
record units-enable $rc

# Both services may write the textfile collector's folder; the credentials folder is there, empty.
for unit in bbmri-dirsync.service bbmri-dirsyncd.service; do
        grep -qx 'ReadWritePaths=-/var/lib/prometheus/node-exporter' "$units/$unit" &&
                grep -qx 'LoadCredential=directory:/etc/bbmri-dirsync/credentials' "$units/$unit" || rc=1
done
[ -d /etc/bbmri-dirsync/credentials ] && [ -z "$(ls -A /etc/bbmri-dirsync/credentials)" ] || rc=1
record outputs-and-credentials $rc

files=$(dpkg -L bbmri-dirsync | while read -r f; do [ -f "$f" ] && echo "$f"; done)
# Remove keeps the state directory (the example's diff wrote it; and systemd's DynamicUser= one);
# purge removes both.
mkdir -p /var/lib/private/bbmri-dirsync/snapshots && echo '{}' > /var/lib/private/bbmri-dirsync/last.json
apt-get remove -y -qq bbmri-dirsync > "$work/remove.log" 2>&1
rc=$?
[ $rc = 0 ] && [ -f /var/lib/bbmri-dirsync/last.json ] && [ -f /var/lib/private/bbmri-dirsync/last.json ]
record remove-keeps-state $?

apt-get purge -y -qq bbmri-dirsync > "$work/purge.log" 2>&1
rc=$?
left=$(for f in $files; do [ -e "$f" ] && echo "$f"; done)
[ -n "$left" ] && echo "left behind: $left"
record purge $(( rc != 0 || ${#left} != 0 ))
[ ! -e /var/lib/bbmri-dirsync ] && [ ! -L /var/lib/bbmri-dirsync ] && [ ! -e /var/lib/private/bbmri-dirsync ]
record purge-removes-state $?
! dpkg -s bbmri-dirsync > /dev/null 2>&1
record not-installed $?
