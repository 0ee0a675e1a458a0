# The role matrix, every endpoint x every caller (operator, owner, issuer,
# reader, no key), against real objects of the caller's tenant: allowed cells
# must succeed with the documented status, forbidden cells are 403 (401
# without a key). Then every endpoint that takes an id is called with another
# tenant's object by a caller that may use it: always 404, and that object is
# left as it was.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"

start_with_tenant
cd "$T"
A_OWNER=$OWNER A_ISSUER=$ISSUER A_READER=$READER A_TID=$TENANT_ID
API_KEY=$A_OWNER api POST /api/v1/cas '{"name":"a-root","type":"root","subject":{"common_name":"A Root"}}'
expect_status 201 "tenant a: a CA"
A_CA=$(jget .id)
API_KEY=$A_ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$A_CA\",\"subject\":{\"common_name\":\"a.example\"}}"
expect_status 201 "tenant a: a certificate"
A_CERT=$(jget .id)
setup_tenant globex
B_OWNER=$OWNER B_ISSUER=$ISSUER B_READER=$READER B_TID=$TENANT_ID
API_KEY=$B_OWNER api POST /api/v1/cas '{"name":"b-root","type":"root","subject":{"common_name":"B Root"}}'
expect_status 201 "tenant b: a CA"
B_CA=$(jget .id)
API_KEY=$B_ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$B_CA\",\"subject\":{\"common_name\":\"b.example\"}}"
expect_status 201 "tenant b: a certificate"
B_CERT=$(jget .id)
API_KEY=$B_OWNER api POST /api/v1/api-keys '{"name":"b-spare","role":"reader"}'
B_KEY_ID=$(jget .id)

# Fresh objects for cells that consume one (each allowed call must succeed).
n=0
fresh_cert() { # owner's tenant a: a new certificate id in OBJ
  API_KEY=$A_ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$A_CA\",\"subject\":{\"common_name\":\"f$n.example\"}}"
  OBJ=$(jget .id); n=$((n + 1))
}
fresh_key() { API_KEY=$A_OWNER api POST /api/v1/api-keys "{\"name\":\"spare$n\",\"role\":\"reader\"}"; OBJ=$(jget .id); n=$((n + 1)); }
fresh_pem_pair() { # a new external CA: BODY_JSON for /cas/import
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "x$n.key" -subj "/CN=Ext $n" -days 30 \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out "x$n.pem" 2>/dev/null
  BODY_JSON="{\"name\":\"ext-$n\",\"certificate_pem\":$(jq -Rs . <"x$n.pem"),\"private_key_pem\":$(jq -Rs . <"x$n.key")}"
  n=$((n + 1))
}
fresh_leaf_pem() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "l$n.key" -subj "/CN=leaf$n.example" -days 30 -out "l$n.pem" 2>/dev/null
  BODY_JSON="{\"certificate_pem\":$(jq -Rs . <"l$n.pem")}"
  n=$((n + 1))
}
openssl ocsp -issuer /dev/null -serial 0x01 -reqout ocsp.der >/dev/null 2>&1 || true

# method | path (OBJ substituted) | level | success status | body (BODY_JSON, or literal) | prep function
rows=(
  "POST|/api/v1/tenants|operator|201|{\"name\":\"t-NAME\"}|"
  "GET|/api/v1/tenants|operator|200||"
  "GET|/api/v1/tenants/$A_TID|operator|200||"
  "PATCH|/api/v1/tenants/$A_TID|operator|200|{\"rate_limit\":{\"requests_per_second\":1000,\"burst\":1000}}|"
  "POST|/api/v1/tenants/$A_TID/api-keys|operator|201|{\"name\":\"op-made\",\"role\":\"reader\"}|"
  "GET|/api/v1/api-keys|owner|200||"
  "POST|/api/v1/api-keys|owner|201|{\"name\":\"k\",\"role\":\"reader\"}|"
  "DELETE|/api/v1/api-keys/OBJ|owner|204||fresh_key"
  "GET|/api/v1/audit-events|owner|200||"
  "POST|/api/v1/cas|owner|201|{\"name\":\"ca-NAME\",\"type\":\"root\",\"subject\":{\"common_name\":\"M\"}}|"
  "POST|/api/v1/cas/import|owner|201|BODY_JSON|fresh_pem_pair"
  "GET|/api/v1/cas|reader|200||"
  "GET|/api/v1/cas/$A_CA|reader|200||"
  "PATCH|/api/v1/cas/$A_CA|owner|200|{\"policy\":{\"max_validity_days\":397}}|"
  "POST|/api/v1/certificates|issuer|201|{\"ca_id\":\"$A_CA\",\"subject\":{\"common_name\":\"m.example\"}}|"
  "POST|/api/v1/certificates/import|issuer|201|BODY_JSON|fresh_leaf_pem"
  "GET|/api/v1/certificates|reader|200||"
  "GET|/api/v1/certificates/$A_CERT|reader|200||"
  "GET|/api/v1/certificates/$A_CERT/pem|reader|200||"
  "POST|/api/v1/certificates/OBJ/revoke|issuer|200|{\"reason\":\"superseded\"}|fresh_cert"
  "POST|/api/v1/certificates/$A_CERT/renew|issuer|201|{}|"
  "GET|/api/v1/health|public|200||"
  "GET|/api/v1/openapi.yaml|public|200||"
  "GET|/metrics|public|200||"
  "GET|/pki/$A_CA/ca.crt|public|200||"
  "GET|/pki/$A_CA/crl|public|200||"
  "GET|/pki/$A_CA/ocsp/MEMwQTA/MD0wOzAJBgUrDgMCGgUABBQAAAAAAAAAAAAAAAAAAAAAAAAAAAQUAAAAAAAAAAAAAAAAAAAAAAAAAAACAgEB|public|200||"
)
allowed() { # level caller
  case "$1:$2" in
    public:*|operator:operator|owner:owner|issuer:owner|issuer:issuer|reader:owner|reader:issuer|reader:reader) return 0 ;;
    *) return 1 ;;
  esac
}
cells=0
for row in "${rows[@]}"; do
  IFS='|' read -r method path level want body prep <<<"$row"
  for caller in operator owner issuer reader none; do
    case $caller in operator) k=$OPKEY ;; owner) k=$A_OWNER ;; issuer) k=$A_ISSUER ;; reader) k=$A_READER ;; none) k="" ;; esac
    OBJ=""; BODY_JSON=""
    [ -n "$prep" ] && $prep
    p=${path//OBJ/$OBJ}
    b=${body//NAME/$n-$caller}; n=$((n + 1))
    [ "$b" = BODY_JSON ] && b=$BODY_JSON
    API_KEY=$k api "$method" "$p" "$b"
    cells=$((cells + 1))
    if allowed "$level" "$caller"; then
      expect_eq "$caller may $method $path: $want" "$want" "$STATUS"
    elif [ "$caller" = none ]; then
      expect_eq "no key: $method $path is 401" 401 "$STATUS"
    else
      expect_eq "$caller may not $method $path: 403" 403 "$STATUS"
    fi
  done
done
echo "# role matrix: $cells cells"
[ "$cells" -ge 125 ] && ok "$cells cells checked" || fail "only $cells cells"

# --- foreign ids: tenant a's callers on tenant b's objects ------------------------------------
B_CERT_BEFORE=$(API_KEY=$B_READER api GET "/api/v1/certificates/$B_CERT"; echo "$BODY")
B_CA_BEFORE=$(API_KEY=$B_READER api GET "/api/v1/cas/$B_CA"; echo "$BODY")
foreign=(
  "GET|/api/v1/cas/$B_CA|$A_READER|"
  "PATCH|/api/v1/cas/$B_CA|$A_OWNER|{\"disabled\":true}"
  "GET|/api/v1/certificates/$B_CERT|$A_READER|"
  "GET|/api/v1/certificates/$B_CERT/pem|$A_READER|"
  "POST|/api/v1/certificates/$B_CERT/revoke|$A_ISSUER|{}"
  "POST|/api/v1/certificates/$B_CERT/renew|$A_ISSUER|{}"
  "DELETE|/api/v1/api-keys/$B_KEY_ID|$A_OWNER|"
  "POST|/api/v1/certificates|$A_ISSUER|{\"ca_id\":\"$B_CA\",\"subject\":{\"common_name\":\"x.example\"}}"
  "POST|/api/v1/cas|$A_OWNER|{\"name\":\"sneaky\",\"type\":\"intermediate\",\"parent_ca_id\":\"$B_CA\",\"subject\":{\"common_name\":\"x\"}}"
)
for row in "${foreign[@]}"; do
  IFS='|' read -r method path key body <<<"$row"
  API_KEY=$key api "$method" "$path" "$body"
  expect_problem 404 not_found
done
API_KEY=$B_READER api GET "/api/v1/certificates/$B_CERT"
expect_eq "b's certificate untouched by a's attempts" "$B_CERT_BEFORE" "$BODY"
API_KEY=$B_READER api GET "/api/v1/cas/$B_CA"
expect_eq "b's CA untouched by a's attempts" "$B_CA_BEFORE" "$BODY"
API_KEY=$B_OWNER api GET /api/v1/api-keys
expect_status 200 "b lists its keys"
expect_eq "b's spare key not deleted by a" 1 "$(jget "[.items[] | select(.id == \"$B_KEY_ID\")] | length")"
finish
