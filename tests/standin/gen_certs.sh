#!/usr/bin/env bash
# gen_certs.sh OUTDIR -- generate the TLS test PKI for the SonarQube stand-in.
#
# Produces (PEM, EC P-256, SHA-256, 30 days):
#   ca.pem / ca.key                   "sonarbadge test CA" (trusted by the tests)
#   server.pem / server.key           CN=localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1 (signed by ca)
#   wronghost.pem / wronghost.key     CN=other.example, SAN DNS:other.example only (signed by ca)
#   rogue_ca.pem / rogue_ca.key       "sonarbadge rogue CA" (NOT trusted by the tests)
#   rogue_server.pem / rogue_server.key  localhost/127.0.0.1/::1 leaf signed by rogue_ca
# Idempotent: always regenerates everything in OUTDIR. Keys are mode 0600.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
OUT=$1
mkdir -p "$OUT"
DAYS=30
umask 077
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sonarbadge-certs.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

genkey() {  # genkey FILE
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -pkeyopt ec_param_enc:named_curve -out "$1" 2>/dev/null
    chmod 600 "$1"
}

mkca() {  # mkca NAME "Common Name"
    genkey "$OUT/$1.key"
    openssl req -x509 -new -sha256 -days "$DAYS" -key "$OUT/$1.key" \
        -subj "/O=sonarbadge tests/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" \
        -out "$OUT/$1.pem" 2>/dev/null
    chmod 644 "$OUT/$1.pem"
}

mkleaf() {  # mkleaf NAME CANAME CN SAN
    genkey "$OUT/$1.key"
    openssl req -new -sha256 -key "$OUT/$1.key" -subj "/O=sonarbadge tests/CN=$3" \
        -out "$TMP/$1.csr" 2>/dev/null
    cat > "$TMP/$1.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$4
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EXT
    openssl x509 -req -sha256 -days "$DAYS" -in "$TMP/$1.csr" \
        -CA "$OUT/$2.pem" -CAkey "$OUT/$2.key" \
        -set_serial "0x$(openssl rand -hex 16)" \
        -extfile "$TMP/$1.ext" -out "$OUT/$1.pem" 2>/dev/null
    chmod 644 "$OUT/$1.pem"
}

rm -f "$OUT"/{ca,server,wronghost,rogue_ca,rogue_server}.{pem,key}

mkca ca "sonarbadge test CA"
mkleaf server ca localhost "DNS:localhost,IP:127.0.0.1,IP:::1"
mkleaf wronghost ca other.example "DNS:other.example"
mkca rogue_ca "sonarbadge rogue CA"
mkleaf rogue_server rogue_ca localhost "DNS:localhost,IP:127.0.0.1,IP:::1"

# sanity check
openssl verify -CAfile "$OUT/ca.pem" "$OUT/server.pem" "$OUT/wronghost.pem" >/dev/null
openssl verify -CAfile "$OUT/rogue_ca.pem" "$OUT/rogue_server.pem" >/dev/null
