#!/bin/bash
# SPDX-License-Identifier: MIT
# Makes the TLS material of the HTTPS tests in DIR (created when missing), with the openssl CLI:
#   ca.pem, ca.key             a test CA
#   server.pem, server.key     CN 127.0.0.1, subjectAltName IP:127.0.0.1 and DNS:localhost, serverAuth,
#                              signed by that CA
#   other-ca.pem, other-ca.key an unrelated CA (a client that trusts only it must refuse the server)
# EC P-256 keys, valid for 30 days. Quiet on success; any failure stops it with openssl's message.
set -euo pipefail

if [ $# -ne 1 ]; then
        echo "usage: $0 DIR" >&2
        exit 64
fi
dir=$1
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() {
        if ! "$@" >"$work/out" 2>&1; then
                echo "make-test-ca.sh: failed: $*" >&2
                cat "$work/out" >&2
                exit 1
        fi
}

key() {
        run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"
        chmod 600 "$1"
}

ca() { # NAME SUBJECT
        key "$dir/$1.key"
        run openssl req -new -x509 -sha256 -days 30 -key "$dir/$1.key" -out "$dir/$1.pem" -subj "$2" \
                -addext "basicConstraints=critical,CA:TRUE" \
                -addext "keyUsage=critical,keyCertSign,cRLSign" \
                -addext "subjectKeyIdentifier=hash"
}

ca ca "/O=bbmri-dirsync tests/CN=bbmri-dirsync test CA"
ca other-ca "/O=bbmri-dirsync tests/CN=unrelated test CA"

key "$dir/server.key"
run openssl req -new -sha256 -key "$dir/server.key" -out "$work/server.csr" -subj "/O=bbmri-dirsync tests/CN=127.0.0.1"
cat >"$work/server.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EXT
run openssl x509 -req -sha256 -days 30 -in "$work/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
        -set_serial "0x$(openssl rand -hex 8)" -extfile "$work/server.ext" -out "$dir/server.pem"
run openssl verify -CAfile "$dir/ca.pem" -purpose sslserver "$dir/server.pem"
