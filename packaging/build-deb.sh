#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the Debian binary package from this tree: a copy of the tree gets packaging/debian as
# ./debian (the project's top level is fixed), then dpkg-buildpackage -us -uc -b.
# Usage: packaging/build-deb.sh OUTPUT-DIR   (extra environment, e.g. DEB_BUILD_OPTIONS=nocheck)
set -euo pipefail
out=$(realpath -m "${1:?usage: build-deb.sh OUTPUT-DIR}")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$work/bbmri-dirsync"
# The tracked files only (no build trees, no state of earlier runs).
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$root" ls-files -z | (cd "$root" && xargs -0 cp --parents -t "$work/bbmri-dirsync")
else
        tar -C "$root" --exclude='./build*' --exclude='./config/example-state' -cf - . | tar -C "$work/bbmri-dirsync" -xf -
fi
cp -r "$root/packaging/debian" "$work/bbmri-dirsync/debian"
(cd "$work/bbmri-dirsync" && dpkg-buildpackage -us -uc -b)
cp "$work"/*.deb "$out"/
ls "$out"/*.deb
