# The PKI core end to end: CAs, issuance from CSRs and server-made keys,
# policies, chains, revocation, CRL and OCSP, import and inventory, all
# checked with the openssl command-line tools.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"

start_with_tenant
cd "$T"

# --- CAs --------------------------------------------------------------------------
API_KEY=$OWNER api POST /api/v1/cas '{"name":"root","type":"root","subject":{"common_name":"Acme Root CA","organization":"Acme","country":"US"},"key":{"type":"ec","curve":"P-384"},"validity_days":3650,"max_path_length":1,"policy":{"allowed_domains":["svc.acme.internal"],"allow_subdomains":true,"allow_wildcards":false,"allow_ip_sans":true,"max_validity_days":90,"key_types":["ec","rsa","ed25519"]}}'
expect_status 201 "create a root CA"
ROOT=$(jget .id); pem_of >root.pem
expect_json "root type" .type root
expect_json "root key type" .key_type ec
expect_eq "no private key in the CA answer" 0 "$(jget '[paths | map(tostring) | join(".") | select(test("private"))] | length')"
rtext=$(openssl x509 -in root.pem -noout -text)
expect_match "root: basicConstraints critical CA:TRUE pathlen 1" "Basic Constraints: critical[[:space:]]+CA:TRUE, pathlen:1" "$rtext"
expect_match "root: keyUsage critical with certSign and cRLSign" "Key Usage: critical[[:space:]]+Digital Signature, Certificate Sign, CRL Sign" "$rtext"
expect_match "root: SKI present" "Subject Key Identifier" "$rtext"
expect_match "root is self-signed and verifies" "OK" "$(openssl verify -CAfile root.pem root.pem)"

API_KEY=$OWNER api POST /api/v1/cas "{\"name\":\"issuing\",\"type\":\"intermediate\",\"parent_ca_id\":\"$ROOT\",\"subject\":{\"common_name\":\"Acme Issuing CA\"},\"key\":{\"type\":\"rsa\",\"bits\":2048},\"policy\":{\"allowed_domains\":[\"svc.acme.internal\"],\"allowed_ip_ranges\":[\"10.0.0.0/8\"],\"max_validity_days\":90}}"
expect_status 201 "create an intermediate signed by the root"
INT=$(jget .id); pem_of >int.pem
expect_json "intermediate path length is one less than the parent's" .max_path_length 0
expect_match "intermediate verifies against the root" "OK" "$(openssl verify -CAfile root.pem int.pem)"
expect_match "intermediate AKI is the root's SKI" \
  "$(openssl x509 -in root.pem -noout -ext subjectKeyIdentifier | tail -n1 | tr -d ' ')" \
  "$(openssl x509 -in int.pem -noout -ext authorityKeyIdentifier | tr -d ' ')"
API_KEY=$OWNER api POST /api/v1/cas "{\"name\":\"too-deep\",\"type\":\"intermediate\",\"parent_ca_id\":\"$INT\",\"subject\":{\"common_name\":\"Deep\"}}"
expect_problem 422 policy_violation
API_KEY=$OWNER api POST /api/v1/cas '{"name":"root","type":"root","subject":{"common_name":"Dup"}}'
expect_problem 409 conflict
API_KEY=$OWNER api POST /api/v1/cas '{"name":"bad","type":"root","subject":{"common_name":"x"},"key":{"type":"rsa","bits":1024}}'
expect_problem 400 invalid_request
API_KEY=$ISSUER api POST /api/v1/cas '{"name":"nope","type":"root","subject":{"common_name":"x"}}'
expect_problem 403 forbidden
API_KEY=$READER api GET /api/v1/cas
expect_status 200 "reader lists CAs"
expect_eq "two CAs listed" 2 "$(jget '.items | length')"

# --- issue from a CSR ------------------------------------------------------------------
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout web.key -subj "/CN=web.svc.acme.internal" \
  -addext "subjectAltName=DNS:web.svc.acme.internal,DNS:www.svc.acme.internal,IP:10.1.2.3" -out web.csr 2>/dev/null
csr=$(jq -Rs . <web.csr)
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$INT\",\"csr_pem\":$csr,\"validity_days\":30,\"usage\":[\"server_auth\",\"client_auth\"]}"
expect_status 201 "issue from a CSR"
WEB=$(jget .id); WEB_SERIAL=$(jget .serial); pem_of >web.pem
expect_json "status valid" .status valid
expect_json "source issued" .source issued
expect_eq "SANs come from the CSR" "web.svc.acme.internal,www.svc.acme.internal" "$(jget '.sans.dns | join(",")')"
expect_eq "IP SAN from the CSR" "10.1.2.3" "$(jget '.sans.ip[0]')"
expect_match "serial has at least 128 bits" '^[0-9a-f]{32,}$' "$WEB_SERIAL"
expect_match "serial is positive (no high bit in DER)" '^[0-7]' "$(openssl x509 -in web.pem -noout -serial | cut -d= -f2 | cut -c1)"
expect_match "leaf chains to the root through the intermediate" "web.pem: OK" "$(openssl verify -CAfile root.pem -untrusted int.pem -purpose sslserver web.pem)"
expect_match "leaf verifies for client auth too" "web.pem: OK" "$(openssl verify -CAfile root.pem -untrusted int.pem -purpose sslclient web.pem)"
cat web.pem int.pem >web-chain.pem
expect_match "GnuTLS certtool verifies the chain" "Chain verification output: Verified" "$(certtool --verify --load-ca-certificate root.pem --infile web-chain.pem 2>&1)"
wtext=$(openssl x509 -in web.pem -noout -text)
expect_match "leaf: CA:FALSE critical" "Basic Constraints: critical[[:space:]]+CA:FALSE" "$wtext"
expect_match "leaf: EC key has digitalSignature only" "Key Usage: critical[[:space:]]+Digital Signature$" "$(openssl x509 -in web.pem -noout -ext keyUsage)"
expect_match "leaf: CRL distribution point" "URI:$BASE/pki/$INT/crl" "$wtext"
expect_match "leaf: AIA OCSP" "OCSP - URI:$BASE/pki/$INT/ocsp" "$wtext"
expect_match "leaf: AIA caIssuers" "CA Issuers - URI:$BASE/pki/$INT/ca.crt" "$wtext"
expect_eq "the CSR's key is certified" "$(openssl pkey -in web.key -pubout)" "$(openssl x509 -in web.pem -noout -pubkey)"

openssl req -new -newkey rsa:2048 -nodes -keyout cn.key -subj "/CN=cn-only.svc.acme.internal" -out cn.csr 2>/dev/null
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$INT\",\"csr_pem\":$(jq -Rs . <cn.csr)}"
expect_status 201 "CSR with only a CN"
expect_eq "a DNS-name CN becomes the SAN" "cn-only.svc.acme.internal" "$(jget '.sans.dns | join(",")')"
expect_match "RSA leaf also gets keyEncipherment" "Digital Signature, Key Encipherment" "$(pem_of | openssl x509 -noout -ext keyUsage)"

# A CSR whose signature does not verify: flip one byte of the signature.
bad_signature_csr() { # csr-der-file -> PEM on stdout, one signature byte flipped
  local off orig
  off=$(( $(stat -c %s "$1") - 5 ))
  orig=$(od -An -tu1 -j"$off" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((orig ^ 1)))" | dd of="$1" bs=1 seek="$off" conv=notrunc 2>/dev/null
  openssl req -inform DER -in "$1" 2>/dev/null
}
openssl req -in web.csr -outform DER -out bad.der
bad_signature_csr bad.der >bad.csr
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$INT\",\"csr_pem\":$(jq -Rs . <bad.csr)}"
expect_problem 400 invalid_csr
# The same on a P-521 key: read by OpenSSL's path, not the decoder-free one
# (core/pki/csr_fast.cpp), which must check the signature as well.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-521 -nodes -keyout /dev/null -subj /CN=p521.svc.acme.internal \
  -outform DER -out bad521.der 2>/dev/null
bad_signature_csr bad521.der >bad521.csr
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$INT\",\"csr_pem\":$(jq -Rs . <bad521.csr)}"
expect_problem 400 invalid_csr
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$INT\",\"csr_pem\":\"not a csr\"}"
expect_problem 400 invalid_csr

# --- server-generated keys ---------------------------------------------------------------
for key in '{"type":"ed25519"}' '{"type":"rsa","bits":3072}' '{"type":"ec","curve":"P-384"}'; do
  API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$INT\",\"subject\":{\"common_name\":\"gen.svc.acme.internal\"},\"sans\":{\"dns\":[\"gen.svc.acme.internal\"]},\"key\":$key}"
  expect_status 201 "issue with a server-generated $(jq -r .type <<<"$key") key"
  jget .private_key_pem >gen.key; pem_of >gen.pem
  expect_eq "returned key matches the certificate ($(jq -r .type <<<"$key"))" "$(openssl pkey -in gen.key -pubout)" "$(openssl x509 -in gen.pem -noout -pubkey)"
  expect_eq "no-store on an answer with a private key" "no-store" "$(header Cache-Control)"
done
GEN=$(jget .id)
API_KEY=$READER api GET "/api/v1/certificates/$GEN"
expect_eq "the private key is never stored or shown again" "null" "$(jget .private_key_pem)"

# --- policy ----------------------------------------------------------------------------
issue_dns() { API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$INT\",\"subject\":{\"common_name\":\"$1\"},\"sans\":{\"dns\":[\"$1\"]}${2:-}}"; }
issue_dns evil.example.com
expect_problem 422 policy_violation
expect_match "violation names the offending name" "evil.example.com" "$(jget .detail)"
issue_dns '*.svc.acme.internal'
expect_problem 422 policy_violation
issue_dns ok.svc.acme.internal ',"validity_days":91'
expect_problem 422 policy_violation
expect_match "violation names the validity" "91" "$(jget .detail)"
issue_dns 'bad_name!.svc.acme.internal'
expect_problem 400 invalid_request
API_KEY=$OWNER api PATCH "/api/v1/cas/$INT" '{"policy":{"allowed_domains":["svc.acme.internal"],"max_validity_days":90,"key_types":["ec"]}}'
expect_status 200 "owner narrows the policy"
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$INT\",\"subject\":{\"common_name\":\"k.svc.acme.internal\"},\"sans\":{\"dns\":[\"k.svc.acme.internal\"]},\"key\":{\"type\":\"rsa\"}}"
expect_problem 422 policy_violation
expect_match "violation names the key type" "rsa" "$(jget .detail)"
API_KEY=$OWNER api PATCH "/api/v1/cas/$INT" '{"disabled":true}'
issue_dns ok.svc.acme.internal
expect_problem 409 conflict
API_KEY=$OWNER api PATCH "/api/v1/cas/$INT" '{"disabled":false,"policy":{"key_types":null}}'
expect_status 200 "null resets key_types to its default"
expect_eq "key_types back to all three" "ec,rsa,ed25519" "$(jget '.policy.key_types | join(",")')"
expect_eq "the merge patch kept allowed_domains" "svc.acme.internal" "$(jget '.policy.allowed_domains | join(",")')"
API_KEY=$READER api POST /api/v1/certificates "{\"ca_id\":\"$INT\",\"csr_pem\":$csr}"
expect_problem 403 forbidden
API_KEY=$OWNER api POST /api/v1/cas '{"name":"short","type":"root","subject":{"common_name":"Short"},"validity_days":10,"policy":{"max_validity_days":365}}'
SHORT=$(jget .id)
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$SHORT\",\"subject\":{\"common_name\":\"a.example\"},\"sans\":{\"dns\":[\"a.example\"]},\"validity_days\":30}"
expect_problem 422 policy_violation
expect_match "validity may not pass the CA's not_after" "after the CA" "$(jget .detail)"

# --- chain download ------------------------------------------------------------------------
API_KEY=$READER api GET "/api/v1/certificates/$WEB/pem"
expect_status 200 "chain download"
expect_eq "chain media type" "application/pem-certificate-chain" "$(header Content-Type)"
expect_eq "chain holds leaf and intermediate, not the root" 2 "$(grep -c 'BEGIN CERTIFICATE' <<<"$BODY")"
expect_eq "chain starts with the leaf" "$(openssl x509 -in web.pem -noout -fingerprint)" "$(openssl x509 -noout -fingerprint <<<"$BODY")"

# --- public CA certificate -------------------------------------------------------------------
API_KEY="" api GET "/pki/$INT/ca.crt"
expect_eq "ca.crt is DER" "application/pkix-cert" "$(header Content-Type)"
curl -s "$BASE/pki/$INT/ca.crt" -o int.der
expect_eq "ca.crt DER is the intermediate" "$(openssl x509 -in int.pem -noout -fingerprint)" "$(openssl x509 -inform DER -in int.der -noout -fingerprint)"
curl -s "$BASE/pki/$INT/ca.crt?format=pem" -o int2.pem
expect_eq "ca.crt?format=pem" "$(openssl x509 -in int.pem -noout -fingerprint)" "$(openssl x509 -in int2.pem -noout -fingerprint)"
API_KEY="" api GET "/pki/00000000-0000-4000-8000-000000000000/ca.crt"
expect_problem 404 not_found

# --- OCSP good, CRL before revocation ------------------------------------------------------------
ocsp() { openssl ocsp -issuer int.pem -cert "$1" -url "$BASE/pki/$INT/ocsp" -CAfile root.pem -VAfile int.pem "${@:2}" 2>&1; }
out=$(ocsp web.pem -resp_text)
expect_match "OCSP: good before revocation" "web.pem: good" "$out"
expect_match "OCSP: response verifies" "Response verify OK" "$out"
expect_match "OCSP: nonce echoed" "OCSP Nonce" "$out"
expect_match "OCSP: nextUpdate present" "Next Update" "$out"
curl -s "$BASE/pki/$INT/crl" -o crl1.der
expect_match "CRL verifies with the CA key" "verify OK" "$(openssl crl -inform DER -in crl1.der -CAfile int.pem -noout 2>&1)"
n1=$(openssl crl -inform DER -in crl1.der -noout -crlnumber | cut -d= -f2 | sed 's/^0x//')

# --- revocation ------------------------------------------------------------------------------
API_KEY=$READER api POST "/api/v1/certificates/$WEB/revoke" '{"reason":"key_compromise"}'
expect_problem 403 forbidden
API_KEY=$ISSUER api POST "/api/v1/certificates/$WEB/revoke" '{"reason":"not_a_reason"}'
expect_problem 400 invalid_request
API_KEY=$ISSUER api POST "/api/v1/certificates/$WEB/revoke" '{"reason":"key_compromise"}'
expect_status 200 "revoke"
expect_json "status revoked" .status revoked
expect_json "reason recorded" .revocation_reason key_compromise
API_KEY=$ISSUER api POST "/api/v1/certificates/$WEB/revoke" '{}'
expect_problem 409 conflict
# No sleep: the revocation is committed before the 200.
curl -s -D crl.h "$BASE/pki/$INT/crl" -o crl2.der
expect_eq "CRL media type" "application/pkix-crl" "$(grep -i '^content-type' crl.h | cut -d' ' -f2 | tr -d '\r')"
crl_text=$(openssl crl -inform DER -in crl2.der -noout -text)
expect_match "CRL lists the revoked serial at once" "$(tr a-f A-F <<<"$WEB_SERIAL")" "$crl_text"
expect_match "CRL has the reason" "Key Compromise" "$crl_text"
n2=$(openssl crl -inform DER -in crl2.der -noout -crlnumber | cut -d= -f2 | sed 's/^0x//')
if [ $((16#$n2)) -gt $((16#$n1)) ]; then ok "CRL number increases ($n1 -> $n2)"; else fail "CRL number did not increase ($n1 -> $n2)"; fi
openssl crl -inform DER -in crl2.der -out crl2.pem
cat int.pem root.pem crl2.pem >store.pem
curl -s "$BASE/pki/$ROOT/crl" | openssl crl -inform DER -out rootcrl.pem
cat rootcrl.pem >>store.pem
expect_match "openssl verify -crl_check_all rejects the revoked leaf" "certificate revoked" "$(openssl verify -crl_check_all -CAfile store.pem -untrusted int.pem web.pem 2>&1)"
out=$(ocsp web.pem)
expect_match "OCSP (POST): revoked" "web.pem: revoked" "$out"
expect_match "OCSP: reason" "Reason: keyCompromise" "$out"
# GET form: base64 of the DER request in the path.
openssl ocsp -issuer int.pem -cert web.pem -reqout req.der -no_nonce >/dev/null 2>&1
b64=$(base64 -w0 req.der | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')
curl -s -D get.h "$BASE/pki/$INT/ocsp/$b64" -o get.der
expect_eq "OCSP GET media type" "application/ocsp-response" "$(grep -i '^content-type' get.h | cut -d' ' -f2 | tr -d '\r')"
expect_match "OCSP (GET): revoked" "web.pem: revoked" "$(openssl ocsp -respin get.der -issuer int.pem -cert web.pem -CAfile root.pem -VAfile int.pem 2>&1)"
b64raw=$(base64 -w0 req.der)
curl -s "$BASE/pki/$INT/ocsp/$b64raw" -o get2.der
expect_match "OCSP (GET, unescaped slashes): revoked" "web.pem: revoked" "$(openssl ocsp -respin get2.der -issuer int.pem -cert web.pem -CAfile root.pem -VAfile int.pem 2>&1)"
out=$(openssl ocsp -issuer int.pem -serial 0x1234abcd -url "$BASE/pki/$INT/ocsp" -CAfile root.pem -VAfile int.pem 2>&1)
expect_match "OCSP: unknown serial" "unknown" "$out"
printf 'garbage' >junk
curl -s -H 'Content-Type: application/ocsp-request' --data-binary @junk "$BASE/pki/$INT/ocsp" -o bad.der
expect_match "OCSP: malformed request answered malformedRequest" "malformedrequest" "$(openssl ocsp -respin bad.der -resp_text -noverify 2>&1 | tr A-Z a-z)"
API_KEY="" api POST "/pki/$INT/ocsp" "" -H 'Content-Type: application/json' --data-binary @req.der
expect_problem 415 unsupported_media_type
NOCA=00000000-0000-4000-8000-0000000000aa
API_KEY="" api POST "/pki/$NOCA/ocsp" "" -H 'Content-Type: application/ocsp-request' --data-binary @req.der
expect_problem 404 not_found
API_KEY="" api GET "/pki/$NOCA/ocsp/$b64"
expect_problem 404 not_found
API_KEY="" api GET "/pki/$NOCA/crl"
expect_problem 404 not_found
API_KEY="" api GET "/pki/$NOCA/ca.crt"
expect_problem 404 not_found

# The CRL is rebuilt once less than half its validity is left: a higher number.
curl -s "$BASE/pki/$INT/crl" -o crl3.der
n3=$(openssl crl -inform DER -in crl3.der -noout -crlnumber | cut -d= -f2 | sed 's/^0x//')
psql_db -c "UPDATE ca_crls SET next_update = now() + interval '1 hour' WHERE ca_id = '$INT'"   # of 24 h: under half
curl -s "$BASE/pki/$INT/crl" -o crl4.der
n4=$(openssl crl -inform DER -in crl4.der -noout -crlnumber | cut -d= -f2 | sed 's/^0x//')
[ "$((16#$n4))" -gt "$((16#$n3))" ] && ok "a CRL past half its validity is rebuilt with a higher number" || fail "CRL number $n3 -> $n4"
expect_match "the rebuilt CRL verifies" "verify OK" "$(openssl crl -inform DER -in crl4.der -CAfile int.pem -noout 2>&1)"
next4=$(date -d "$(openssl crl -inform DER -in crl4.der -noout -nextupdate | cut -d= -f2)" +%s)
[ $((next4 - $(date +%s))) -gt $((23 * 3600)) ] && ok "its nextUpdate is a full validity ahead" || fail "nextUpdate $next4"

# --- renew ---------------------------------------------------------------------------------
API_KEY=$ISSUER api POST "/api/v1/certificates/00000000-0000-4000-8000-0000000000bb/renew" '{}'
expect_problem 404 not_found
API_KEY=$ISSUER api POST "/api/v1/certificates/$GEN/renew" '{"validity_days":20}'
expect_status 201 "renew"
pem_of >renewed.pem
API_KEY=$READER api GET "/api/v1/certificates/$GEN"; pem_of >orig.pem
expect_eq "renewal keeps the public key" "$(openssl x509 -in orig.pem -noout -pubkey)" "$(openssl x509 -in renewed.pem -noout -pubkey)"
expect_eq "renewal keeps the subject" "$(openssl x509 -in orig.pem -noout -subject)" "$(openssl x509 -in renewed.pem -noout -subject)"
expect_eq "renewal keeps the SANs" "$(openssl x509 -in orig.pem -noout -ext subjectAltName)" "$(openssl x509 -in renewed.pem -noout -ext subjectAltName)"
if [ "$(openssl x509 -in orig.pem -noout -serial)" != "$(openssl x509 -in renewed.pem -noout -serial)" ]; then ok "renewal has a new serial"; else fail "renewal has a new serial"; fi

# --- import ---------------------------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ext-ca.key -subj "/CN=External CA" -days 30 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ext-ca.pem 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ext.key -subj "/CN=legacy.example.org" -out ext.csr 2>/dev/null
printf 'subjectAltName=DNS:legacy.example.org\n' >ext.cnf
openssl x509 -req -in ext.csr -CA ext-ca.pem -CAkey ext-ca.key -CAcreateserial -days 5 -extfile ext.cnf -out ext.pem 2>/dev/null
cat ext.pem ext-ca.pem >ext-chain.pem
API_KEY=$ISSUER api POST /api/v1/certificates/import "{\"certificate_pem\":$(jq -Rs . <ext-chain.pem)}"
expect_status 201 "import a PEM certificate with its chain"
EXT=$(jget .id)
expect_json "imported source" .source imported
expect_json "imported has no CA here" .ca_id null
expect_eq "imported SANs parsed" "legacy.example.org" "$(jget '.sans.dns[0]')"
expect_eq "imported fingerprint" "$(openssl x509 -in ext.pem -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)" "$(jget .fingerprint_sha256)"
API_KEY=$ISSUER api POST /api/v1/certificates/import "{\"certificate_pem\":$(jq -Rs . <ext.pem)}"
expect_problem 409 conflict
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout p12.key -subj "/CN=p12.example.org" -out p12.csr 2>/dev/null
openssl x509 -req -in p12.csr -CA ext-ca.pem -CAkey ext-ca.key -CAcreateserial -days 5 -out p12.pem 2>/dev/null
openssl pkcs12 -export -inkey p12.key -in p12.pem -certfile ext-ca.pem -passout pass:s3cret -out p12.p12 2>/dev/null
API_KEY=$ISSUER api POST /api/v1/certificates/import "{\"pkcs12_base64\":\"$(base64 -w0 p12.p12)\",\"password\":\"s3cret\"}"
expect_status 201 "import a PKCS#12 certificate"
expect_eq "PKCS#12 subject" "p12.example.org" "$(jget .subject.common_name)"
API_KEY=$ISSUER api POST /api/v1/certificates/import "{\"pkcs12_base64\":\"$(base64 -w0 p12.p12)\",\"password\":\"wrong\"}"
expect_problem 400 invalid_request

# CA import: PEM pair, PKCS#12, mismatched key.
API_KEY=$OWNER api POST /api/v1/cas/import "{\"name\":\"ext\",\"certificate_pem\":$(jq -Rs . <ext-ca.pem),\"private_key_pem\":$(jq -Rs . <ext.key)}"
expect_problem 400 invalid_request
API_KEY=$OWNER api POST /api/v1/cas/import "{\"name\":\"ext\",\"certificate_pem\":$(jq -Rs . <ext-ca.pem),\"private_key_pem\":$(jq -Rs . <ext-ca.key)}"
expect_status 201 "import a CA from PEM cert and key"
EXTCA=$(jget .id)
expect_json "imported CA type" .type imported
keyhex=$(openssl pkey -in ext-ca.key -outform DER | od -An -tx1 -v | tr -d ' \n')
keyb64=$(openssl pkey -in ext-ca.key -outform DER | base64 -w0 | cut -c1-40)
keyscalar=$(openssl pkey -in ext-ca.key -noout -text | sed -n '/^priv:/,/^pub:/{/^priv:/d;/^pub:/d;p}' | tr -d ' :\n' | head -c 40)
expect_eq "CA key is encrypted at rest (no plaintext DER in the row)" "0" "$(psql_db -c "SELECT position(decode('$keyhex','hex') in key_ciphertext) FROM cas WHERE id='$EXTCA'")"
dump=$("$PGBIN/pg_dump" -h "$PGHOST_" -p "$PGPORT_" -U tenantca -d "$DB_NAME" -t cas 2>/dev/null)
expect_match "the dump holds the CA row" "$EXTCA" "$dump"
for needle in "$keyhex" "$keyb64" "$keyscalar" "PRIVATE KEY"; do
  if grep -qiF -- "$needle" <<<"$dump"; then fail "a database dump reveals the CA key (${needle:0:16}...)"; else ok "no copy of the CA key in a dump (${needle:0:16}...)"; fi
done
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$EXTCA\",\"subject\":{\"common_name\":\"x.example.net\"},\"sans\":{\"dns\":[\"x.example.net\"]},\"validity_days\":5}"
expect_status 201 "an imported CA issues"
pem_of >fromext.pem
expect_match "issued by the imported CA verifies" "OK" "$(openssl verify -CAfile ext-ca.pem fromext.pem)"
openssl pkcs12 -export -inkey ext-ca.key -in ext-ca.pem -passout pass:pw -out ca.p12 2>/dev/null
API_KEY=$OWNER api POST /api/v1/cas/import "{\"name\":\"ext-p12\",\"pkcs12_base64\":\"$(base64 -w0 ca.p12)\",\"password\":\"pw\"}"
expect_status 201 "import a CA from PKCS#12"
API_KEY=$OWNER api POST /api/v1/cas/import "{\"name\":\"ext\",\"pkcs12_base64\":\"$(base64 -w0 ca.p12)\",\"password\":\"pw\"}"
expect_problem 409 conflict
API_KEY=$OWNER api POST /api/v1/cas/import "{\"name\":\"leaf-as-ca\",\"certificate_pem\":$(jq -Rs . <ext.pem),\"private_key_pem\":$(jq -Rs . <ext.key)}"
expect_problem 400 invalid_request

# --- inventory filters -------------------------------------------------------------------
count() { # the number of items in a list answer; an error answer counts as ERROR
  API_KEY=$READER api GET "/api/v1/certificates?$1"
  if [ "$STATUS" = 200 ]; then jget '.items | length'; else echo "ERROR $STATUS"; fi
}
expect_eq "filter status=revoked" 1 "$(count status=revoked)"
expect_eq "filter dns_name" 1 "$(count dns_name=www.svc.acme.internal)"
expect_eq "filter serial (upper case, colons)" 1 "$(count "serial=$(tr a-f A-F <<<"$WEB_SERIAL" | sed 's/../&:/g; s/:$//')")"
expect_eq "filter common_name" 1 "$(count common_name=legacy.example.org)"
expect_eq "expiring within 7 days (the 5-day certificates)" 3 "$(count expiring_within_days=7)"
API_KEY=$READER api GET "/api/v1/certificates?status=valid&limit=500"
expect_status 200 "list valid certificates"
expect_eq "status=valid excludes revoked" 0 "$(jget "[.items[] | select(.id==\"$WEB\")] | length")"
expect_match "status=valid lists some" '^[1-9]' "$(jget '.items | length')"
API_KEY=$READER api GET "/api/v1/certificates?status=bogus"
expect_problem 400 invalid_request

# --- OCSP and CRLs signed by Ed25519 and RSA CAs -------------------------------------------------
# (An Ed25519 key has no copyable signing context: its answers are signed
# from a context set up afresh; RSA CAs sign with PKCS#1 v1.5 and SHA-256.)
for cakey in '{"type":"ed25519"}' '{"type":"rsa","bits":2048}'; do
  kt=$(jq -r .type <<<"$cakey")
  API_KEY=$OWNER api POST /api/v1/cas "{\"name\":\"root-$kt\",\"type\":\"root\",\"subject\":{\"common_name\":\"$kt Root\"},\"key\":$cakey,\"policy\":{\"allowed_domains\":[\"svc.acme.internal\"],\"allow_subdomains\":true,\"key_types\":[\"ec\"]}}"
  expect_status 201 "a root CA with an $kt key"
  KCA=$(jget .id); pem_of >"ca-$kt.pem"
  API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$KCA\",\"subject\":{\"common_name\":\"$kt.svc.acme.internal\"},\"sans\":{\"dns\":[\"$kt.svc.acme.internal\"]},\"key\":{\"type\":\"ec\"}}"
  expect_status 201 "a leaf from the $kt CA"
  pem_of >"leaf-$kt.pem"
  out=$(openssl ocsp -issuer "ca-$kt.pem" -cert "leaf-$kt.pem" -url "$BASE/pki/$KCA/ocsp" -CAfile "ca-$kt.pem" 2>&1)
  expect_match "OCSP from the $kt CA: good" "leaf-$kt.pem: good" "$out"
  expect_match "OCSP from the $kt CA: the signed answer verifies" "Response verify OK" "$out"
  curl -s "$BASE/pki/$KCA/crl" -o "crl-$kt.der"
  expect_match "the $kt CA's CRL verifies" "verify OK" "$(openssl crl -inform DER -in "crl-$kt.der" -CAfile "ca-$kt.pem" -noout 2>&1)"
done

# --- isolation ---------------------------------------------------------------------------------
ACME_OWNER=$OWNER
setup_tenant globex
API_KEY=$OWNER api GET "/api/v1/cas/$INT"
expect_problem 404 not_found
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$INT\",\"csr_pem\":$csr}"
expect_problem 404 not_found
API_KEY=$ISSUER api POST "/api/v1/certificates/$EXT/revoke" '{}'
expect_problem 404 not_found
API_KEY=$READER api GET "/api/v1/certificates/$WEB/pem"
expect_problem 404 not_found
API_KEY=$READER api GET /api/v1/certificates
expect_status 200 "globex lists its certificates"
expect_eq "globex sees no acme certificates" 0 "$(jget '.items | length')"
API_KEY=$OWNER api POST /api/v1/cas "{\"name\":\"sneaky\",\"type\":\"intermediate\",\"parent_ca_id\":\"$ROOT\",\"subject\":{\"common_name\":\"x\"}}"
expect_problem 404 not_found

# --- audit --------------------------------------------------------------------------------------
# (Every mutation of a tenant against its audit list: test_isolation.sh.)
API_KEY=$ACME_OWNER api GET "/api/v1/audit-events?limit=500"
expect_status 200 "acme's audit list"
expect_eq "revocation audited with its reason" "key_compromise" "$(jget "[.items[] | select(.action==\"certificate.revoke\" and .target_id==\"$WEB\")][0].detail.reason")"

finish
