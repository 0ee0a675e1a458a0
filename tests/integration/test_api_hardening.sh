# Hostile input: every bad request is refused with a clear problem and writes
# nothing. (The role matrix is test_role_matrix.sh.)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"

start_with_tenant
U=00000000-0000-4000-8000-000000000000

# --- hostile input ------------------------------------------------------------------
rows() { psql_db -c "SELECT (SELECT count(*) FROM tenants) || '/' || (SELECT count(*) FROM api_keys) || '/' || (SELECT count(*) FROM audit_events) || '/' || (SELECT count(*) FROM cas) || '/' || (SELECT count(*) FROM certificates)"; }
before=$(rows)
API_KEY=$OPKEY
hostile() { # name status json
  api POST /api/v1/tenants "$3"
  expect_eq "hostile: $1 -> $2" "$2" "$STATUS"
}
hostile "wrong type for name" 400 '{"name":42}'
hostile "wrong type for rate_limit" 400 '{"name":"x","rate_limit":"fast"}'
hostile "huge string" 400 "{\"name\":\"$(head -c 100000 /dev/zero | tr '\0' a)\"}"
hostile "duplicated key" 400 '{"name":"a","name":"b"}'
hostile "deep nesting" 400 "{\"name\":\"x\",\"rate_limit\":$(printf '[%.0s' $(seq 1 5000))$(printf ']%.0s' $(seq 1 5000))}"
hostile "SQL metacharacters" 400 "{\"name\":\"x'; DROP TABLE tenants;--\"}"
hostile "escaped NUL" 400 '{"name":"a\u0000b"}'
hostile "array body" 400 '[1,2,3]'
hostile "number overflow" 400 '{"name":"x","rate_limit":{"requests_per_second":99999999999999999999,"burst":1}}'
printf '{"name":"caf\xe9"}' >"$T/latin1.json"
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $OPKEY" -H 'Content-Type: application/json' --data-binary @"$T/latin1.json" "$BASE/api/v1/tenants")
expect_eq "hostile: invalid UTF-8 -> 400" 400 "$STATUS"
printf '{"name":"a\0b"}' >"$T/nul.json"
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $OPKEY" -H 'Content-Type: application/json' --data-binary @"$T/nul.json" "$BASE/api/v1/tenants")
expect_eq "hostile: raw NUL byte -> 400" 400 "$STATUS"
api GET "/api/v1/tenants/../../../etc/passwd"
expect_problem 404 not_found
api GET "/api/v1/tenants/$(head -c 5000 /dev/zero | tr '\0' a)"
expect_problem 400 invalid_request
api GET "/api/v1/tenants/${U}x"
expect_problem 400 invalid_request
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$U\",\"csr_pem\":\"-----BEGIN CERTIFICATE REQUEST-----\\nAAAA\\n-----END CERTIFICATE REQUEST-----\\n\"}"
expect_eq "hostile: truncated CSR -> 400" 400 "$STATUS"
API_KEY=$ISSUER api POST /api/v1/certificates/import '{"certificate_pem":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"}'
expect_problem 400 invalid_request
API_KEY=$ISSUER api POST /api/v1/certificates/import '{"pkcs12_base64":"bm90IGEgcGtjczEy","password":"x"}'
expect_problem 400 invalid_request
API_KEY=$ISSUER api POST /api/v1/certificates/import '{"pkcs12_base64":"%%%","password":"x"}'
expect_problem 400 invalid_request
API_KEY=$OWNER api POST /api/v1/cas/import '{"name":"x","certificate_pem":"garbage","private_key_pem":"garbage"}'
expect_problem 400 invalid_request
API_KEY=$OWNER api POST /api/v1/cas '{"name":"x","type":"root","subject":{"common_name":"x","country":"USA"}}'
expect_problem 400 invalid_request
expect_eq "nothing was written by any refused request" "$before" "$(rows)"
api GET /api/v1/health
expect_status 200 "still healthy after hostile input"
finish
