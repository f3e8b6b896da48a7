#!/bin/sh
# bench/gen_certs.sh OUTDIR - the benchmark's two PKIs, each a root CA and
# a localhost leaf (SAN DNS:localhost, IP:127.0.0.1) signed by it:
#   ec/   ECDSA P-256 (ecdsa-with-SHA256)
#   rsa/  RSA-2048 (sha256WithRSAEncryption)
# Regenerated on every run (30 days). Keys are mode 0600.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
OUT=$1
umask 077
for kind in ec rsa; do
	d="$OUT/$kind"
	mkdir -p "$d"
	if [ "$kind" = ec ]; then
		set -- -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve
	else
		set -- -algorithm RSA -pkeyopt rsa_keygen_bits:2048
	fi
	openssl genpkey "$@" -out "$d/ca.key" 2>/dev/null
	openssl genpkey "$@" -out "$d/server.key" 2>/dev/null
	openssl req -x509 -new -sha256 -days 30 -key "$d/ca.key" \
		-subj "/O=sonarbadge bench/CN=sonarbadge bench $kind CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-addext "subjectKeyIdentifier=hash" -out "$d/ca.pem" 2>/dev/null
	openssl req -new -sha256 -key "$d/server.key" \
		-subj "/O=sonarbadge bench/CN=localhost" -out "$d/server.csr" 2>/dev/null
	printf '%s\n' "basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature,keyEncipherment" \
		"extendedKeyUsage=serverAuth" \
		"subjectAltName=DNS:localhost,IP:127.0.0.1" \
		"authorityKeyIdentifier=keyid" >"$d/server.ext"
	openssl x509 -req -sha256 -days 30 -in "$d/server.csr" -CA "$d/ca.pem" \
		-CAkey "$d/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
		-extfile "$d/server.ext" -out "$d/server.pem" 2>/dev/null
	rm -f "$d/server.csr" "$d/server.ext"
	chmod 644 "$d/ca.pem" "$d/server.pem"
	openssl verify -CAfile "$d/ca.pem" "$d/server.pem" >/dev/null
done
