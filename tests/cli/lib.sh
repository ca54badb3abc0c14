# SPDX-License-Identifier: MIT
# Helpers for the command-line tests: each test gets PROGRAM and SOURCE_ROOT, works in a fresh
# temporary folder, and fails with a message naming what differed.
set -eu
PROGRAM=$1
SOURCE_ROOT=$2
WORK=$(mktemp -d /tmp/bbmri-dirsync-test-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
failures=0

fail() {
        echo "FAIL: $*" >&2
        failures=$((failures + 1))
}

# expect_exit CODE -- command...: runs the command, keeps stdout/stderr in $WORK/out, $WORK/err.
expect_exit() {
        local want=$1
        shift 2
        set +e
        "$@" >"$WORK/out" 2>"$WORK/err"
        local got=$?
        set -e
        if [ "$got" != "$want" ]; then
                fail "'$*' exited $got, expected $want"
                sed 's/^/  stdout: /' "$WORK/out" | head -20 >&2
                sed 's/^/  stderr: /' "$WORK/err" | head -20 >&2
        fi
}

expect_in() { # FILE FRAGMENT
        grep -qF -- "$2" "$1" || fail "$(basename "$1") lacks '$2'"
}

expect_not_in() {
        ! grep -qF -- "$2" "$1" || fail "$(basename "$1") contains '$2'"
}

# The example with its Directory folder, copied so that tests never change the tree.
copy_example() {
        cp -r "$SOURCE_ROOT/config" "$WORK/config"
        cp -r "$SOURCE_ROOT/mappings" "$WORK/mappings"
        rm -rf "$WORK/config/example-state"
}

finish() {
        if [ "$failures" -gt 0 ]; then
                echo "$failures check(s) failed" >&2
                exit 1
        fi
        echo "all checks passed"
}
