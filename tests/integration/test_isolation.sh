# Tenant isolation on every list endpoint and filter, and the audit trail,
# checked against what this test itself created (never against the
# product's own database): two tenants hold look-alike objects (the same
# names, common names and DNS names); each list answers 200 with exactly the
# caller's own items, page by page.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"

start_with_tenant
cd "$T"

# An expired certificate made outside (openssl ca sets past dates), to import.
mkdir -p extca/db; : >extca/db/index; echo 01 >extca/db/serial
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout extca/ca.key -subj "/CN=Ext CA" -days 3650 -out extca/ca.pem 2>/dev/null
cat >extca/ca.cnf <<CNF
[ca]
default_ca = x
[x]
database = $T/extca/db/index
serial = $T/extca/db/serial
new_certs_dir = $T/extca
certificate = $T/extca/ca.pem
private_key = $T/extca/ca.key
default_md = sha256
policy = any
copy_extensions = copy
[any]
commonName = supplied
CNF
expired_pem() { # name -> an expired certificate for CN=name
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -subj "/CN=$1" -out "$1.csr" 2>/dev/null
  openssl ca -batch -config extca/ca.cnf -startdate 20200101000000Z -enddate 20200201000000Z -in "$1.csr" -out "$1.pem" >/dev/null 2>&1
  jq -Rs . <"$1.pem"
}

declare -A CAS CERTS VALID REVOKED EXPIRED KEYS ACTIONS SERIAL BYCN ISSUING
populate() { # tenant-label: creates look-alike objects, records their ids
  local t=$1 ca ca2 id
  API_KEY=$OWNER api POST /api/v1/cas '{"name":"root","type":"root","subject":{"common_name":"Same Root"}}'
  expect_status 201 "$t: CA root"; ca=$(jget .id)
  API_KEY=$OWNER api POST /api/v1/cas "{\"name\":\"issuing\",\"type\":\"intermediate\",\"parent_ca_id\":\"$ca\",\"subject\":{\"common_name\":\"Same Issuing\"}}"
  expect_status 201 "$t: CA issuing"; ca2=$(jget .id)
  CAS[$t]="$ca $ca2"
  CERTS[$t]=""; VALID[$t]=""; REVOKED[$t]=""; ISSUING[$t]=""
  for cn in shared.example www.shared.example api.shared.example; do
    API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$ca2\",\"subject\":{\"common_name\":\"$cn\"},\"validity_days\":5}"
    expect_status 201 "$t: issue $cn"; id=$(jget .id)
    CERTS[$t]+=" $id"; VALID[$t]+=" $id"; ISSUING[$t]+=" $id"; SERIAL[$t:$cn]=$(jget .serial); BYCN[$t:$cn]=$id
  done
  API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$ca\",\"subject\":{\"common_name\":\"long.shared.example\"},\"validity_days\":60}"
  expect_status 201 "$t: issue a 60-day certificate"; id=$(jget .id); CERTS[$t]+=" $id"; VALID[$t]+=" $id"; LONG[$t]=$id
  API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$ca2\",\"subject\":{\"common_name\":\"gone.shared.example\"}}"
  expect_status 201 "$t: issue one to revoke"; id=$(jget .id); CERTS[$t]+=" $id"; ISSUING[$t]+=" $id"
  API_KEY=$ISSUER api POST "/api/v1/certificates/$id/revoke" '{}'
  expect_status 200 "$t: revoke it"; REVOKED[$t]=$id
  API_KEY=$ISSUER api POST /api/v1/certificates/import "{\"certificate_pem\":$(expired_pem "old-$t")}"
  expect_status 201 "$t: import an expired certificate"; id=$(jget .id); CERTS[$t]+=" $id"; EXPIRED[$t]=$id
  expect_json "$t: it shows as expired" .status expired
  KEYS[$t]="$OWNER_ID $ISSUER_ID $READER_ID"
  ACTIONS[$t]="tenant.create api_key.create api_key.create api_key.create ca.create ca.create certificate.issue certificate.issue certificate.issue certificate.issue certificate.issue certificate.revoke certificate.import"
}
declare -A LONG
key_id() { cut -d_ -f2 <<<"$1"; }
OWNER_ID=""; ISSUER_ID=""; READER_ID=""
ids_of_keys() { API_KEY=$OWNER api GET /api/v1/api-keys; OWNER_ID=$(jget '[.items[] | select(.name=="owner")][0].id'); ISSUER_ID=$(jget '[.items[] | select(.name=="issuer")][0].id'); READER_ID=$(jget '[.items[] | select(.name=="reader")][0].id'); }

ids_of_keys; A=(OWNER="$OWNER" ISSUER="$ISSUER" READER="$READER"); A_OWNER=$OWNER A_ISSUER=$ISSUER A_READER=$READER A_TID=$TENANT_ID
populate a
setup_tenant globex
ids_of_keys; B_OWNER=$OWNER B_ISSUER=$ISSUER B_READER=$READER B_TID=$TENANT_ID
populate b

sorted() { tr ' ' '\n' <<<"$*" | sed '/^$/d' | sort | tr '\n' ' '; }
# list_all PATH KEY: every id over every page (limit 2), or FAILED if any page is not 200.
list_all() {
  local path=$1 key=$2 cursor="" sep out=""
  sep='?'; [[ "$path" == *\?* ]] && sep='&'
  while :; do
    API_KEY=$key api GET "$path${sep}limit=2${cursor:+&cursor=$cursor}"
    [ "$STATUS" = 200 ] || { echo "FAILED:$STATUS"; return; }
    out+=" $(jget '[.items[].id] | join(" ")')"
    cursor=$(jget '.next_cursor // empty')
    [ -n "$cursor" ] || break
  done
  sorted "$out"
}
check_list() { # name path key expected-ids...
  local name=$1 path=$2 key=$3; shift 3
  expect_eq "$name" "$(sorted "$*")" "$(list_all "$path" "$key")"
}

for t in a b; do
  if [ $t = a ]; then O=$A_OWNER R=$A_READER; other=b; else O=$B_OWNER R=$B_READER; other=a; fi
  read -r ca ca2 <<<"${CAS[$t]}"
  read -r oca oca2 <<<"${CAS[$other]}"
  check_list "$t: CA list is exactly its own (paged)" /api/v1/cas "$R" "${CAS[$t]}"
  check_list "$t: certificate list is exactly its own (paged)" /api/v1/certificates "$R" "${CERTS[$t]}"
  check_list "$t: api-key list is exactly its own" /api/v1/api-keys "$O" "${KEYS[$t]}"
  check_list "$t: filter ca_id" "/api/v1/certificates?ca_id=$ca2" "$R" "${ISSUING[$t]}"
  check_list "$t: filter ca_id (root)" "/api/v1/certificates?ca_id=$ca" "$R" "${LONG[$t]}"
  check_list "$t: filter ca_id of the other tenant's CA" "/api/v1/certificates?ca_id=$oca2" "$R"
  check_list "$t: filter status=valid" "/api/v1/certificates?status=valid" "$R" "${VALID[$t]}"
  check_list "$t: filter status=revoked" "/api/v1/certificates?status=revoked" "$R" "${REVOKED[$t]}"
  check_list "$t: filter status=expired" "/api/v1/certificates?status=expired" "$R" "${EXPIRED[$t]}"
  check_list "$t: filter expiring_within_days=7" "/api/v1/certificates?expiring_within_days=7" "$R" "$(tr ' ' '\n' <<<"${VALID[$t]}" | grep -v "${LONG[$t]}" | tr '\n' ' ')"
  check_list "$t: filter common_name" "/api/v1/certificates?common_name=www.shared.example" "$R" "${BYCN[$t:www.shared.example]}"
  check_list "$t: filter dns_name" "/api/v1/certificates?dns_name=api.shared.example" "$R" "${BYCN[$t:api.shared.example]}"
  check_list "$t: filter serial" "/api/v1/certificates?serial=${SERIAL[$t:shared.example]}" "$R" "${BYCN[$t:shared.example]}"
  check_list "$t: filter serial of the other tenant's certificate" "/api/v1/certificates?serial=${SERIAL[$other:shared.example]}" "$R"
  # The audit trail: exactly the mutations this test made for the tenant, on its own objects.
  API_KEY=$O api GET "/api/v1/audit-events?limit=500"
  expect_status 200 "$t: audit list"
  expect_eq "$t: audit events paged by 2 are the same events as in one page" \
    "$(sorted "$(jget '[.items[].id] | join(" ")')")" "$(list_all /api/v1/audit-events "$O")"
  expect_eq "$t: every mutation audited, nothing else" "$(sorted "${ACTIONS[$t]}")" "$(sorted "$(jget '[.items[].action] | join(" ")')")"
  foreign_targets=$(jget "[.items[].target_id] | map(select(. as \$x | \"${CAS[$other]} ${CERTS[$other]}\" | split(\" \") | index(\$x))) | length")
  expect_eq "$t: no audit event about the other tenant's objects" 0 "$foreign_targets"
done
check_list "operator: tenant list holds both (paged)" /api/v1/tenants "$OPKEY" "$A_TID $B_TID"
finish
