# The role matrix (every endpoint x operator/owner/issuer/reader/no key) and
# hostile input: every bad request is refused with a clear problem and writes
# nothing.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"

start_with_tenant
U=00000000-0000-4000-8000-000000000000

# level: operator | owner | issuer | reader | public
matrix=(
  "POST /api/v1/tenants operator"
  "GET /api/v1/tenants operator"
  "GET /api/v1/tenants/$U operator"
  "PATCH /api/v1/tenants/$U operator"
  "POST /api/v1/tenants/$U/api-keys operator"
  "GET /api/v1/api-keys owner"
  "POST /api/v1/api-keys owner"
  "DELETE /api/v1/api-keys/$U owner"
  "GET /api/v1/audit-events owner"
  "POST /api/v1/cas owner"
  "POST /api/v1/cas/import owner"
  "GET /api/v1/cas reader"
  "GET /api/v1/cas/$U reader"
  "PATCH /api/v1/cas/$U owner"
  "POST /api/v1/certificates issuer"
  "POST /api/v1/certificates/import issuer"
  "GET /api/v1/certificates reader"
  "GET /api/v1/certificates/$U reader"
  "GET /api/v1/certificates/$U/pem reader"
  "POST /api/v1/certificates/$U/revoke issuer"
  "POST /api/v1/certificates/$U/renew issuer"
  "GET /api/v1/health public"
  "GET /api/v1/openapi.yaml public"
  "GET /pki/$U/ca.crt public"
  "GET /pki/$U/crl public"
)
allowed() { # level caller -> 0 when the caller may use it
  case "$1:$2" in
    public:*) return 0 ;;
    operator:operator) return 0 ;;
    owner:owner) return 0 ;;
    issuer:owner|issuer:issuer) return 0 ;;
    reader:owner|reader:issuer|reader:reader) return 0 ;;
    *) return 1 ;;
  esac
}
bad=0; cells=0
for row in "${matrix[@]}"; do
  read -r method path level <<<"$row"
  for caller in operator owner issuer reader none; do
    case $caller in operator) k=$OPKEY ;; owner) k=$OWNER ;; issuer) k=$ISSUER ;; reader) k=$READER ;; none) k="" ;; esac
    body=""; [ "$method" = POST ] || [ "$method" = PATCH ] && body='{}'
    API_KEY=$k api "$method" "$path" "$body"
    cells=$((cells + 1))
    if allowed "$level" "$caller"; then
      if [ "$STATUS" = 401 ] || [ "$STATUS" = 403 ]; then bad=$((bad + 1)); echo "  $caller $method $path: got $STATUS, expected access"; fi
    elif [ "$caller" = none ]; then
      [ "$STATUS" = 401 ] || { bad=$((bad + 1)); echo "  $caller $method $path: got $STATUS, expected 401"; }
    else
      [ "$STATUS" = 403 ] || { bad=$((bad + 1)); echo "  $caller $method $path: got $STATUS, expected 403"; }
    fi
  done
done
expect_eq "role matrix: $cells cells (endpoints x callers) as specified" 0 "$bad"

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
expect_problem 404 not_found
api GET "/api/v1/tenants/${U}x"
expect_problem 404 not_found
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
