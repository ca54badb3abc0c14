#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The rendered systemd units: `systemd-analyze verify` finds nothing wrong, and each service's
# exposure rating (`systemd-analyze security --offline=yes`) is at most 1.2. The program is not
# installed in a build tree: the copies checked here run the built one instead. Every unit the README
# tells an administrator to enable has an [Install] section that `systemctl --root` can enable.
# Usage: units.sh DIR-WITH-RENDERED-UNITS PROGRAM
set -uo pipefail
dir=$1 program=$2
units=(bbmri-dirsync.service bbmri-dirsyncd.service bbmri-dirsync.timer bbmri-dirsync.path)
failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for unit in "${units[@]}"; do
        sed "s|^ExecStart=[^ ]*/bbmri-dirsync |ExecStart=$program |" "$dir/$unit" > "$work/$unit" || exit 1
done
cd "$work" || exit 1
out=$(systemd-analyze verify --man=no "${units[@]/#/./}" 2>&1)
rc=$?
if [ $rc -ne 0 ] || [ -n "$out" ]; then
        echo "FAIL: systemd-analyze verify (rc $rc):"
        printf '%s\n' "$out"
        failed=1
else
        echo "ok   systemd-analyze verify: ${units[*]}"
fi
for unit in bbmri-dirsync.service bbmri-dirsyncd.service; do
        line=$(systemd-analyze security --offline=yes --no-pager "./$unit" 2>&1 | grep 'Overall exposure level')
        rating=$(printf '%s\n' "$line" | sed -n 's/.*: \([0-9.]*\) .*/\1/p')
        if [ -z "$rating" ]; then
                echo "FAIL: no exposure rating for $unit"
                failed=1
        elif awk -v r="$rating" 'BEGIN { exit !(r <= 1.2) }'; then
                echo "ok   $unit exposure $rating (at most 1.2)"
        else
                echo "FAIL: $unit exposure $rating, above 1.2"
                failed=1
        fi
done
mkdir -p "$work/root/usr/lib/systemd/system" && cp "${units[@]/#/$dir/}" "$work/root/usr/lib/systemd/system/" || exit 1
for pair in bbmri-dirsync.timer:timers.target bbmri-dirsync.path:paths.target \
            bbmri-dirsyncd.service:multi-user.target; do
        unit=${pair%%:*} target=${pair#*:}
        link="$work/root/etc/systemd/system/$target.wants/$unit"
        if systemctl --root="$work/root" enable "$unit" >/dev/null 2>&1 && [ -L "$link" ]; then
                echo "ok   systemctl enable $unit (wanted by $target)"
        else
                echo "FAIL: systemctl --root enable $unit did not link it into $target.wants"
                failed=1
        fi
done
exit $failed
