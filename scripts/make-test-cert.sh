#!/usr/bin/env bash
# Makes a throwaway certificate authority and a certificate signed by it for a runner's TLS
# listener: `*.<domain>` and `<domain>` (default codebox.localhost). Writes into <dir>:
#   ca.pem (trust this: NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, curl --cacert), cert.pem, key.pem
# (give these to `codebox serve --tls-cert cert.pem --tls-key key.pem`). The CA's own key is
# deleted once it signed, so the CA can sign nothing else. For tests and local use; a public
# domain wants a certificate from a public CA (README "Reaching a server in the sandbox").
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 <dir> [domain]" >&2; exit 2; }
dir="$1" domain="${2:-codebox.localhost}"
mkdir -p "$dir"
cd "$dir"
# Extensions spelled out: Python >= 3.13 verifies strictly (VERIFY_X509_STRICT) and refuses a CA
# without keyUsage, or a certificate without authorityKeyIdentifier.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=Codebox throwaway CA" -keyout ca-key.pem -out ca.pem \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=*.$domain" \
  -keyout key.pem -out cert.csr 2>/dev/null
printf 'subjectAltName=DNS:*.%s,DNS:%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' \
  "$domain" "$domain" >cert.ext
openssl x509 -req -in cert.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -extfile cert.ext -out cert.pem 2>/dev/null
rm -f ca-key.pem cert.csr cert.ext ca.srl
chmod 600 key.pem
