# Issuance you can trust: the CA policy judges every name (DNS, IP, e-mail,
# URI, CN), the key floor, the CA's and the certificate's lifecycle, merge
# patches, and abuse-shaped input. Every refusal leaves the certificate and
# audit tables unchanged; every certificate issued verifies with
# `openssl verify -x509_strict` and GnuTLS `certtool --verify`.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"

start_with_tenant
cd "$T"

rows() { psql_db -c "SELECT (SELECT count(*) FROM certificates) || ' ' || (SELECT count(*) FROM audit_events)"; }
# refused STATUS CODE NAME: the last answer is that problem and nothing was written.
refused() {
  expect_problem "$1" "$2"
  expect_eq "$3: nothing written" "$BEFORE" "$(rows)"
}
# verified PEM_FILE CA_FILE: both verifiers accept the certificate.
verified() {
  expect_match "$1 verifies with openssl -x509_strict" "$1: OK" "$(openssl verify -x509_strict -CAfile "$2" "$1" 2>&1)"
  expect_match "$1 verifies with GnuTLS certtool" "Chain verification output: Verified" \
    "$(certtool --verify --load-ca-certificate "$2" --infile "$1" 2>&1)"
}
csr_json() { jq -Rs . <"$1"; }

API_KEY=$OWNER api POST /api/v1/cas '{"name":"web","type":"root","subject":{"common_name":"Web Root"},"policy":{"allowed_domains":["svc.acme.internal"],"denied_domains":["admin.svc.acme.internal"],"allow_ip_sans":false}}'
expect_status 201 "a restricted web CA"
WEB=$(jget .id); pem_of >web-ca.pem
verified web-ca.pem web-ca.pem

# --- the table of issue 11 -----------------------------------------------------------
BEFORE=$(rows)
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$WEB\",\"subject\":{\"common_name\":\"www.google.com\"}}"
refused 422 policy_violation "server keygen with a foreign CN and no SANs"
expect_match "the refusal names the CN" "www.google.com" "$(jget .detail)"

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k1.key -subj "/CN=www.google.com" \
  -addext "subjectAltName=email:ops@svc.acme.internal" -out cn-email.csr 2>/dev/null
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$WEB\",\"csr_pem\":$(csr_json cn-email.csr)}"
refused 422 policy_violation "CSR with a foreign CN and one e-mail SAN"

API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$WEB\",\"subject\":{\"common_name\":\"api.svc.acme.internal\"},\"sans\":{\"uri\":[\"spiffe://prod/ns/pay/sa/admin\"]},\"usage\":[\"client_auth\"]}"
refused 422 policy_violation "workload identity URI on a web CA"
expect_match "the refusal names the URI" "spiffe://prod/ns/pay/sa/admin" "$(jget .detail)"
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$WEB\",\"subject\":{\"common_name\":\"api.svc.acme.internal\"},\"sans\":{\"email\":[\"ceo@bank.example\"]},\"usage\":[\"client_auth\"]}"
refused 422 policy_violation "e-mail forgery on a web CA"
expect_match "the refusal names the address" "ceo@bank.example" "$(jget .detail)"

for curve in prime192v1 secp256k1 secp112r1; do
  if openssl ecparam -name "$curve" -genkey -noout -out "$curve.key" 2>/dev/null &&
     openssl req -new -key "$curve.key" -subj "/CN=c.svc.acme.internal" -out "$curve.csr" 2>/dev/null; then
    API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$WEB\",\"csr_pem\":$(csr_json "$curve.csr")}"
    refused 422 policy_violation "CSR with a $curve key"
    expect_match "the refusal names $curve" "$curve" "$(jget .detail)"
  else
    fail "openssl could not make a $curve CSR"
  fi
done
openssl req -new -newkey rsa:1024 -nodes -keyout r1024.key -subj "/CN=r.svc.acme.internal" -out r1024.csr 2>/dev/null
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$WEB\",\"csr_pem\":$(csr_json r1024.csr)}"
refused 422 policy_violation "CSR with an RSA 1024 key"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_keygen_pubexp:3 -out e3.key 2>/dev/null
openssl req -new -key e3.key -subj "/CN=e.svc.acme.internal" -out e3.csr 2>/dev/null
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$WEB\",\"csr_pem\":$(csr_json e3.csr)}"
refused 422 policy_violation "CSR with an RSA key of exponent 3"

# Names inside the policy are issued; the CN joins the SANs, lower-cased.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ok.key \
  -subj "/O=Evil Corp/OU=Ops/emailAddress=x@evil.example/CN=WEB.svc.acme.internal" \
  -addext "subjectAltName=DNS:api.svc.acme.internal" -out ok.csr 2>/dev/null
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$WEB\",\"csr_pem\":$(csr_json ok.csr)}"
expect_status 201 "a CSR inside the policy"
OK_ID=$(jget .id); pem_of >ok.pem
verified ok.pem web-ca.pem
expect_eq "the CN is added to the SANs" "api.svc.acme.internal,web.svc.acme.internal" "$(jget '.sans.dns | join(",")')"
expect_eq "subject fields the policy does not list are left out" '{"common_name":"web.svc.acme.internal"}' "$(jget '.subject | tojson')"
expect_eq "the certificate's subject is the one answered" "subject=CN = web.svc.acme.internal" "$(openssl x509 -in ok.pem -noout -subject)"
expect_eq "no e-mail attribute slipped into the subject" "" "$(openssl x509 -in ok.pem -noout -subject | grep -i email || true)"
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$WEB\",\"subject\":{\"common_name\":\"x.admin.svc.acme.internal\"}}"
BEFORE_DENY=$BEFORE; BEFORE=$(rows); BEFORE=$BEFORE_DENY
expect_problem 422 policy_violation
expect_match "deny beats allow" "denied_domains" "$(jget .detail)"
BEFORE=$(rows)
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$WEB\",\"subject\":{\"common_name\":\"n.svc.acme.internal\"},\"sans\":{\"dns\":[\"n.svc.acme.internal\\u0000.google.com\"]}}"
refused 400 invalid_request "a NUL byte inside a DNS name"
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$WEB\",\"subject\":{\"common_name\":\"n.svc.acme.internal\"},\"sans\":{\"ip\":[\"10.1.2.3\"]}}"
refused 422 policy_violation "an IP SAN when allow_ip_sans is false"

# Renewing a revoked certificate: 409, same key never re-certified.
API_KEY=$ISSUER api POST "/api/v1/certificates/$OK_ID/revoke" '{"reason":"key_compromise"}'
expect_status 200 "revoke with key_compromise"
BEFORE=$(rows)
API_KEY=$ISSUER api POST "/api/v1/certificates/$OK_ID/renew" '{}'
refused 409 conflict "renew of a revoked certificate"

# PATCH is a merge patch: only the named field changes; null restores the default.
API_KEY=$OWNER api PATCH "/api/v1/cas/$WEB" '{"policy":{"max_validity_days":30}}'
expect_status 200 "PATCH one policy field"
expect_eq "max_validity_days changed" 30 "$(jget .policy.max_validity_days)"
expect_eq "allowed_domains kept" "svc.acme.internal" "$(jget '.policy.allowed_domains | join(",")')"
expect_eq "denied_domains kept" "admin.svc.acme.internal" "$(jget '.policy.denied_domains | join(",")')"
expect_eq "allow_ip_sans kept" false "$(jget .policy.allow_ip_sans)"
API_KEY=$OWNER api PATCH "/api/v1/cas/$WEB" '{"policy":{"max_validity_days":null}}'
expect_eq "null restores the default" 397 "$(jget .policy.max_validity_days)"
API_KEY=$OWNER api PATCH "/api/v1/cas/$WEB" '{"policy":{"name_constraints":true}}'
expect_problem 400 invalid_request
API_KEY=$OWNER api PATCH "/api/v1/cas/$WEB" '{"policy":{"allowed_ip_ranges":["10.0.0.1/8"]}}'
expect_problem 400 invalid_request
API_KEY=$READER api GET "/api/v1/cas/$WEB"
expect_eq "a refused PATCH changed nothing" "[]" "$(jget '.policy.allowed_ip_ranges | tojson')"

# Malformed cursors are 400, never 500.
for cursor in '====' '=' 'YQ==x' 'AAAA====' '%00' "$(printf 'a%.0s' $(seq 1 300))"; do
  API_KEY=$READER api GET "/api/v1/certificates?cursor=$cursor"
  expect_problem 400 invalid_request
done

# Malformed ids and query parameters: 4xx problems, never 500.
for path in "/api/v1/certificates?limit=abc" "/api/v1/certificates?limit=0" "/api/v1/certificates?limit=99999999999999999999" \
  "/api/v1/certificates?status=bogus" "/api/v1/certificates?expiring_within_days=-1" "/api/v1/certificates?serial=zz" \
  "/api/v1/certificates?ca_id=not-a-uuid" "/api/v1/certificates?dns_name=%00%ff" "/api/v1/certificates?common_name=%ff%fe" \
  "/api/v1/certificates/not-a-uuid" "/api/v1/cas/%00" "/api/v1/audit-events?cursor=%ff%ff%ff%ff"; do
  API_KEY=$OWNER api GET "$path"
  if [[ "$STATUS" =~ ^(200|400|404)$ ]] && { [ "$STATUS" = 200 ] || [ "$(header Content-Type)" = application/problem+json ]; }; then
    ok "GET $path answers $STATUS"
  else
    fail "GET $path answered $STATUS: $BODY"
  fi
done
for path in "/api/v1/certificates?limit=abc" "/api/v1/certificates?serial=zz" "/api/v1/certificates/not-a-uuid" \
  "/api/v1/certificates?common_name=%ff%fe" "/api/v1/certificates?dns_name=%00%ff" "/api/v1/cas/%00"; do
  API_KEY=$OWNER api GET "$path"
  expect_problem 400 invalid_request
done

# A PKCS#12 whose MAC asks for 2^31-1 iterations is refused at once.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout p.key -subj "/CN=p12" -days 5 -out p.pem 2>/dev/null
openssl pkcs12 -export -inkey p.key -in p.pem -passout pass:pw -iter 2048 -out p.p12 2>/dev/null
python3 "$(dirname "$0")/p12_mac_iter.py" 2147483647 <p.p12 >huge.p12 2>/dev/null ||
  python3 "$OLDPWD/$(dirname "$0")/p12_mac_iter.py" 2147483647 <p.p12 >huge.p12
BEFORE=$(rows)
start=$(date +%s%N)
API_KEY=$ISSUER api POST /api/v1/certificates/import "{\"pkcs12_base64\":\"$(base64 -w0 huge.p12)\",\"password\":\"pw\"}"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
refused 400 invalid_request "PKCS#12 with a MAC iteration count of 2^31-1"
expect_match "the refusal names the iteration count" "iteration count" "$(jget .detail)"
if [ "$ms" -lt 1000 ]; then ok "refused in $ms ms (no key derivation ran)"; else fail "PKCS#12 refusal took $ms ms"; fi
head -c 70000 /dev/urandom >big.bin
API_KEY=$ISSUER api POST /api/v1/certificates/import "{\"pkcs12_base64\":\"$(base64 -w0 big.bin)\",\"password\":\"pw\"}"
refused 400 invalid_request "PKCS#12 over 64 KiB"
API_KEY=$ISSUER api POST /api/v1/certificates/import "{\"pkcs12_base64\":\"$(base64 -w0 p.p12)\",\"password\":\"pw\"}"
expect_status 201 "an ordinary PKCS#12 still imports"

# --- lifecycle: disabled, expired and not-yet-valid CAs issue and renew nothing ------------
API_KEY=$OWNER api POST /api/v1/cas '{"name":"life","type":"root","subject":{"common_name":"Life Root"}}'
LIFE=$(jget .id); pem_of >life-ca.pem
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$LIFE\",\"subject\":{\"common_name\":\"life.example\"}}"
expect_status 201 "an unrestricted CA issues"
LEAF=$(jget .id); pem_of >life.pem
verified life.pem life-ca.pem
API_KEY=$OWNER api PATCH "/api/v1/cas/$LIFE" '{"disabled":true}'
BEFORE=$(rows)
API_KEY=$ISSUER api POST "/api/v1/certificates/$LEAF/renew" '{}'
refused 409 conflict "renew under a disabled CA"
API_KEY=$OWNER api PATCH "/api/v1/cas/$LIFE" '{"disabled":false}'
psql_db -c "UPDATE cas SET not_after = now() - interval '1 hour' WHERE id = '$LIFE'"
BEFORE=$(rows)
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$LIFE\",\"subject\":{\"common_name\":\"life.example\"}}"
refused 409 conflict "issue under an expired CA"
API_KEY=$ISSUER api POST "/api/v1/certificates/$LEAF/renew" '{}'
refused 409 conflict "renew under an expired CA"
psql_db -c "UPDATE cas SET not_before = now() + interval '1 day', not_after = now() + interval '10 days' WHERE id = '$LIFE'"
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$LIFE\",\"subject\":{\"common_name\":\"life.example\"}}"
refused 409 conflict "issue under a not-yet-valid CA"
psql_db -c "UPDATE certificates SET not_after = now() - interval '1 hour' WHERE id = '$LEAF'"
API_KEY=$ISSUER api POST "/api/v1/certificates/$LEAF/renew" '{}'
refused 409 conflict "renew of an expired certificate"

# --- renewal is judged by today's policy: 422 when it no longer allows it ----------------------
API_KEY=$OWNER api POST /api/v1/cas '{"name":"today","type":"root","subject":{"common_name":"Today"},"policy":{"max_validity_days":60}}'
TODAY=$(jget .id)
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$TODAY\",\"subject\":{\"common_name\":\"r.example\"},\"validity_days\":30}"
expect_status 201 "issued under the old policy"
R=$(jget .id)
API_KEY=$OWNER api PATCH "/api/v1/cas/$TODAY" '{"policy":{"denied_domains":["r.example"]}}'
BEFORE=$(rows)
API_KEY=$ISSUER api POST "/api/v1/certificates/$R/renew" '{}'
refused 422 policy_violation "renewal of a name the policy now denies"
API_KEY=$OWNER api PATCH "/api/v1/cas/$TODAY" '{"policy":{"denied_domains":null,"max_validity_days":10}}'
BEFORE=$(rows)
API_KEY=$ISSUER api POST "/api/v1/certificates/$R/renew" '{"validity_days":20}'
refused 422 policy_violation "renewal longer than today's max_validity_days"
API_KEY=$ISSUER api POST "/api/v1/certificates/$R/renew" '{"validity_days":10}'
expect_status 201 "a renewal today's policy allows"

# --- a SPIFFE workload CA and an e-mail CA ------------------------------------------------
API_KEY=$OWNER api POST /api/v1/cas '{"name":"spiffe","type":"root","subject":{"common_name":"Workloads"},"policy":{"allowed_uri_prefixes":["spiffe://acme.internal/ns/pay/"]}}'
SP=$(jget .id); pem_of >sp-ca.pem
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$SP\",\"subject\":{},\"sans\":{\"uri\":[\"SPIFFE://ACME.internal/ns/pay/sa/api\"]},\"usage\":[\"client_auth\",\"server_auth\"]}"
expect_status 201 "a SPIFFE ID under the prefix (scheme and host case-insensitive)"
expect_eq "the URI is issued in normal form" "spiffe://acme.internal/ns/pay/sa/api" "$(jget '.sans.uri[0]')"
pem_of >sp.pem
verified sp.pem sp-ca.pem
BEFORE=$(rows)
for uri in 'spiffe://acme.internal.evil/ns/pay/sa/x' 'spiffe://acme.internal/ns/admin/sa/x'; do
  API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$SP\",\"subject\":{},\"sans\":{\"uri\":[\"$uri\"]}}"
  refused 422 policy_violation "URI $uri outside the prefix"
done
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$SP\",\"subject\":{},\"sans\":{\"uri\":[\"spiffe://acme.internal/ns/pay/../admin\"]}}"
refused 400 invalid_request "a dot-dot segment"
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$SP\",\"subject\":{},\"sans\":{\"uri\":[\"spiffe://acme.internal/ns/pay/sa/x\"],\"dns\":[\"api.acme.internal\"]}}"
refused 422 policy_violation "a DNS name on a URI-only CA"

API_KEY=$OWNER api POST /api/v1/cas '{"name":"mail","type":"root","subject":{"common_name":"Mail"},"policy":{"allowed_email_domains":["acme.example"],"allowed_subject_fields":["organization"]}}'
MAIL=$(jget .id); pem_of >mail-ca.pem
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$MAIL\",\"subject\":{\"organization\":\"Acme\",\"country\":\"US\"},\"sans\":{\"email\":[\"alice@ACME.example\"]},\"usage\":[\"client_auth\"]}"
expect_status 201 "an e-mail certificate in the domain"
expect_eq "the domain is lower-cased" "alice@acme.example" "$(jget '.sans.email[0]')"
expect_eq "organization kept, country left out" '{"common_name":"","organization":"Acme"}' "$(jget '.subject | tojson')"
pem_of >mail.pem
verified mail.pem mail-ca.pem
BEFORE=$(rows)
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$MAIL\",\"subject\":{},\"sans\":{\"email\":[\"ceo@bank.example\"]}}"
refused 422 policy_violation "an e-mail address in another domain"

# --- name constraints: relying parties enforce the policy too -------------------------------
API_KEY=$OWNER api POST /api/v1/cas '{"name":"nc","type":"root","subject":{"common_name":"Constrained"},"policy":{"allowed_domains":["svc.acme.internal"],"denied_domains":["admin.svc.acme.internal"],"allowed_ip_ranges":["10.0.0.0/8"],"name_constraints":true}}'
expect_status 201 "a CA with name_constraints"
NC=$(jget .id); pem_of >nc-ca.pem
nctext=$(openssl x509 -in nc-ca.pem -noout -ext nameConstraints)
expect_match "nameConstraints is critical" "Name Constraints: critical" "$nctext"
expect_match "permitted DNS subtree" "DNS:svc.acme.internal" "$nctext"
expect_match "excluded DNS subtree" "Excluded:[[:space:]]+DNS:admin.svc.acme.internal" "$nctext"
expect_match "permitted IP range" "IP:10.0.0.0/255.0.0.0" "$nctext"
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$NC\",\"subject\":{\"common_name\":\"web.svc.acme.internal\"},\"sans\":{\"ip\":[\"10.1.2.3\"]}}"
expect_status 201 "a leaf inside the constraints"
pem_of >nc-leaf.pem
verified nc-leaf.pem nc-ca.pem
API_KEY=$OWNER api POST /api/v1/cas/import "{\"name\":\"imp\",\"certificate_pem\":$(jq -Rs . <p.pem),\"private_key_pem\":$(jq -Rs . <p.key),\"policy\":{\"name_constraints\":true}}"
expect_problem 400 invalid_request

# --- the tenant's rate limit on issuance: 429 with Retry-After -----------------------------------
TENANT_RPS=1 setup_tenant slowco
API_KEY=$OWNER api POST /api/v1/cas '{"name":"root","type":"root","subject":{"common_name":"Slow"}}'
codes=""
for i in 1 2 3; do
  API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"00000000-0000-4000-8000-00000000000$i\",\"subject\":{\"common_name\":\"s.example\"}}"
  codes+="$STATUS "
done
expect_match "issuance is rate limited per key (burst 1)" " 429 $" "$codes"
expect_problem 429 rate_limited
expect_match "Retry-After on the 429" '^[1-9][0-9]*$' "$(header Retry-After)"

finish
