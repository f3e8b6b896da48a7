#!/usr/bin/env bash
# gen_certs.sh OUTDIR -- generate the TLS test PKI for the SonarQube stand-in.
#
# Produces (PEM, EC P-256, SHA-256, 30 days):
#   ca.pem / ca.key                   "sonarbadge test CA" (trusted by the tests)
#   server.pem / server.key           CN=localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1 (signed by ca)
#   wronghost.pem / wronghost.key     CN=other.example, SAN DNS:other.example only (signed by ca)
#   rogue_ca.pem / rogue_ca.key       "sonarbadge rogue CA" (NOT trusted by the tests)
#   rogue_server.pem / rogue_server.key  localhost/127.0.0.1/::1 leaf signed by rogue_ca
# and, for the network tests:
#   inter.pem / inter.key             an intermediate CA signed by ca
#   chained.pem / chained.key         localhost leaf signed by inter (chained_full.pem: leaf + inter)
#   expired.pem / expired.key         localhost leaf signed by ca, expired in 2020
#   selfsigned.pem / selfsigned.key   localhost, self-signed
#   sonar_example.pem / .key          DNS:sonar.example leaf signed by ca (for --resolve)
#   client.pem / client.key           a client certificate signed by ca (clientAuth)
#   client_enc.key                    client.key encrypted with the passphrase in client_pass.txt
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

mkleaf() {  # mkleaf NAME CANAME CN SAN [EKU]
    genkey "$OUT/$1.key"
    openssl req -new -sha256 -key "$OUT/$1.key" -subj "/O=sonarbadge tests/CN=$3" \
        -out "$TMP/$1.csr" 2>/dev/null
    cat > "$TMP/$1.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=${5:-serverAuth}
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

rm -f "$OUT"/{ca,server,wronghost,rogue_ca,rogue_server,inter,chained,expired,selfsigned,sonar_example,client}.{pem,key} \
    "$OUT"/chained_full.pem "$OUT"/client_enc.key "$OUT"/client_pass.txt

mkca ca "sonarbadge test CA"
mkleaf server ca localhost "DNS:localhost,IP:127.0.0.1,IP:::1"
mkleaf wronghost ca other.example "DNS:other.example"
mkca rogue_ca "sonarbadge rogue CA"
mkleaf rogue_server rogue_ca localhost "DNS:localhost,IP:127.0.0.1,IP:::1"

# An intermediate CA and a leaf that needs it.
genkey "$OUT/inter.key"
openssl req -new -sha256 -key "$OUT/inter.key" \
    -subj "/O=sonarbadge tests/CN=sonarbadge test intermediate" -out "$TMP/inter.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >"$TMP/inter.ext"
openssl x509 -req -sha256 -days "$DAYS" -in "$TMP/inter.csr" -CA "$OUT/ca.pem" \
    -CAkey "$OUT/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -extfile "$TMP/inter.ext" -out "$OUT/inter.pem" 2>/dev/null
mkleaf chained inter localhost "DNS:localhost,IP:127.0.0.1,IP:::1"
cat "$OUT/chained.pem" "$OUT/inter.pem" >"$OUT/chained_full.pem"

# An expired leaf: openssl ca can set dates in the past.
genkey "$OUT/expired.key"
openssl req -new -sha256 -key "$OUT/expired.key" -subj "/O=sonarbadge tests/CN=localhost" \
    -out "$TMP/expired.csr" 2>/dev/null
mkdir -p "$TMP/ca"
: >"$TMP/ca/index.txt"
cat >"$TMP/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
database = $TMP/ca/index.txt
new_certs_dir = $TMP/ca
serial = $TMP/ca/serial
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
[leaf]
basicConstraints = critical,CA:FALSE
subjectAltName = DNS:localhost,IP:127.0.0.1
extendedKeyUsage = serverAuth
CNF
openssl rand -hex 16 >"$TMP/ca/serial"
openssl ca -batch -config "$TMP/ca.cnf" -extensions leaf -notext \
    -cert "$OUT/ca.pem" -keyfile "$OUT/ca.key" -in "$TMP/expired.csr" \
    -startdate 20200101000000Z -enddate 20200201000000Z \
    -out "$OUT/expired.pem" >/dev/null 2>&1

# Self-signed.
genkey "$OUT/selfsigned.key"
openssl req -x509 -new -sha256 -days "$DAYS" -key "$OUT/selfsigned.key" \
    -subj "/O=sonarbadge tests/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -out "$OUT/selfsigned.pem" 2>/dev/null

mkleaf sonar_example ca sonar.example "DNS:sonar.example"
mkleaf client ca "sonarbadge client" "DNS:client.example" clientAuth
openssl rand -hex 12 >"$OUT/client_pass.txt"
# Traditional PEM encryption (DEK-Info AES-256-CBC): mbedTLS 2.28 reads
# it; its PKCS#8 support stops at DES ciphers.
openssl pkey -in "$OUT/client.key" -traditional -aes256 -passout "file:$OUT/client_pass.txt" \
    -out "$OUT/client_enc.key" 2>/dev/null
chmod 644 "$OUT"/*.pem

# sanity check
openssl verify -CAfile "$OUT/ca.pem" "$OUT/server.pem" "$OUT/wronghost.pem" >/dev/null
openssl verify -CAfile "$OUT/rogue_ca.pem" "$OUT/rogue_server.pem" >/dev/null
openssl verify -CAfile "$OUT/ca.pem" -untrusted "$OUT/inter.pem" "$OUT/chained.pem" >/dev/null
! openssl verify -CAfile "$OUT/ca.pem" "$OUT/expired.pem" >/dev/null 2>&1
