# Tenants, API keys, roles, isolation, auth cache invalidation, audit trail
# and pagination, against the real daemon and PostgreSQL.
source "$(dirname "$0")/lib.sh"

new_database
migrate
WORKERS=3 write_config
start_daemon

# --- operator key from the CLI --------------------------------------------
OPKEY=$("$TENANTCA_BIN" operator-key create --database-url "$DB_URL" --name ci 2>"$T/opkey.err")
expect_match "operator key has the tca_ shape" '^tca_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$' "$OPKEY"
secret_part=${OPKEY:37}
expect_eq "the secret is not stored" 0 "$(psql_db -c "SELECT count(*) FROM api_keys WHERE encode(secret_hash,'escape') LIKE '%$secret_part%' OR name LIKE '%$secret_part%'")"

# --- authentication -----------------------------------------------------------
API_KEY="" api GET /api/v1/tenants
expect_problem 401 unauthorized
expect_eq "401 carries WWW-Authenticate" "Bearer" "$(header WWW-Authenticate)"
API_KEY="tca_00000000000000000000000000000000_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" api GET /api/v1/tenants
expect_problem 401 unauthorized
API_KEY="${OPKEY%?}x" api GET /api/v1/tenants
expect_problem 401 unauthorized

# --- tenants (operator) -----------------------------------------------------------
API_KEY=$OPKEY
api POST /api/v1/tenants '{"name":"acme","rate_limit":{"requests_per_second":50,"burst":100}}'
expect_status 201 "create tenant"
ACME=$(jget .id)
expect_match "tenant id is a uuid" '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' "$ACME"
expect_json "tenant name" .name acme
expect_json "tenant burst" .rate_limit.burst 100
expect_json "tenant not disabled" .disabled false
expect_match "created_at is RFC 3339 UTC" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' "$(jget .created_at)"
expect_match "authenticated answers carry RateLimit headers" '^[0-9]+$' "$(header RateLimit-Remaining)"
api POST /api/v1/tenants '{"name":"acme"}'
expect_problem 409 conflict
api POST /api/v1/tenants '{"name":"Bad Name"}'
expect_problem 400 invalid_request
expect_match "400 names the field" "name" "$(jget .detail)"
api POST /api/v1/tenants '{"name":"ok-name","colour":"blue"}'
expect_problem 400 invalid_request
expect_match "unknown field is named" "colour" "$(jget .detail)"
api POST /api/v1/tenants '{"name":'
expect_problem 400 invalid_request
api POST /api/v1/tenants '{"name":"x","rate_limit":{"requests_per_second":0,"burst":1}}'
expect_problem 400 invalid_request
expect_match "nested field is named" "rate_limit.requests_per_second" "$(jget .detail)"
STATUS=$(curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' -H "Authorization: Bearer $OPKEY" -H 'Content-Type: text/plain' --data 'name=x' "$BASE/api/v1/tenants"); BODY=$(cat "$T/body"); HEADERS=$T/headers
expect_problem 415 unsupported_media_type
api POST /api/v1/tenants '{"name":"globex"}'
expect_status 201 "create second tenant with default rate limit"
GLOBEX=$(jget .id)
expect_json "default rate limit from config" .rate_limit.requests_per_second 50
api GET "/api/v1/tenants/$ACME"
expect_status 200 "get tenant"
api GET /api/v1/tenants/not-a-uuid
expect_problem 400 invalid_request
api GET /api/v1/tenants/00000000-0000-4000-8000-000000000000
expect_problem 404 not_found
api PATCH "/api/v1/tenants/$GLOBEX" '{"name":"acme"}'
expect_problem 409 conflict

# --- keys and roles ---------------------------------------------------------------
api POST "/api/v1/tenants/$ACME/api-keys" '{"name":"owner","role":"owner"}'
expect_status 201 "operator creates the first tenant key"
OWNER=$(jget .secret); OWNER_ID=$(jget .id)
expect_eq "no-store on secrets" "no-store" "$(header Cache-Control)"
api POST "/api/v1/tenants/$ACME/api-keys" '{"name":"x","role":"god"}'
expect_problem 400 invalid_request
api POST "/api/v1/tenants/00000000-0000-4000-8000-000000000000/api-keys" '{"name":"x","role":"owner"}'
expect_problem 404 not_found
api POST "/api/v1/tenants/$GLOBEX/api-keys" '{"name":"g-owner","role":"owner"}'
GOWNER=$(jget .secret)

API_KEY=$OWNER
api GET /api/v1/tenants
expect_problem 403 forbidden
api POST /api/v1/api-keys '{"name":"reader","role":"reader"}'
expect_status 201 "owner creates a reader key"
READER=$(jget .secret); READER_ID=$(jget .id)
api POST /api/v1/api-keys '{"name":"issuer","role":"issuer"}'
ISSUER=$(jget .secret); ISSUER_ID=$(jget .id)
api GET /api/v1/api-keys
expect_status 200 "owner lists keys"
expect_eq "three keys listed" 3 "$(jget '.items | length')"
expect_eq "no secret in lists" 0 "$(jget '[.items[] | select(has("secret"))] | length')"
API_KEY=$READER api GET /api/v1/api-keys
expect_problem 403 forbidden
API_KEY=$ISSUER api POST /api/v1/api-keys '{"name":"more","role":"owner"}'
expect_problem 403 forbidden
API_KEY=$OPKEY api GET /api/v1/api-keys
expect_problem 403 forbidden

# --- isolation: another tenant's key id is 404, never 403 ----------------------------
API_KEY=$GOWNER api DELETE "/api/v1/api-keys/$READER_ID"
expect_problem 404 not_found
API_KEY=$GOWNER api GET /api/v1/api-keys
expect_eq "globex sees only its own key" 1 "$(jget '.items | length')"

# --- the auth cache: used, invalidated through it, bypassed only while deaf -------------------
metric() { curl -s "$BASE/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
auth() { metric "tenantca_cache_lookups_total{cache=\"auth\",result=\"$1\"}"; }
auth_invalidations() { metric 'tenantca_cache_invalidations_total{cache="auth"}'; }
refused_everywhere() { # key status: 12 requests in a row get that status
  local i
  for i in $(seq 1 12); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" "$BASE/api/v1/api-keys")" = "$2" ] || return 1
  done
}
listening_workers_after() { # connects: both workers have listened since
  [ "$(metric tenantca_change_listener_connects_total)" -ge "$1" ]
}
wait_for 5 listening_workers_after 2 && ok "both workers listen for changes" || fail "listeners not up"
# delete_while_cached KEY KEY_ID LABEL: warms KEY into both workers' caches,
# proves the cache answered, deletes it, and proves every worker refuses it
# within 1 s because the cache was invalidated, not bypassed.
delete_while_cached() {
  local key=$1 id=$2 label=$3 h0 h1 b0 b1 i0 i1
  API_KEY=$key api GET /api/v1/audit-events   # 403 for a reader; warms the caches anyway
  for _ in 1 2 3 4 5 6; do API_KEY=$key api GET /api/v1/api-keys; done
  h0=$(auth hit); b0=$(auth bypass); i0=$(auth_invalidations)
  for _ in 1 2 3 4 5 6; do API_KEY=$key api GET /api/v1/api-keys; done
  h1=$(auth hit); b1=$(auth bypass)
  # At most one miss per worker that had not seen the key yet.
  [ $((h1 - h0)) -ge 4 ] && ok "$label: the key was served from the auth cache ($((h1 - h0)) hits of 6)" || fail "$label: auth cache not used ($h0 -> $h1)"
  expect_eq "$label: no lookup bypassed the cache" "$b0" "$b1"
  API_KEY=$OWNER api DELETE "/api/v1/api-keys/$id"
  expect_status 204 "$label: owner deletes the key"
  wait_for 1 refused_everywhere "$key" 401 && ok "$label: deleted key refused by every worker within 1 s" || fail "$label: deleted key still accepted"
  i1=$(auth_invalidations)
  [ $((i1 - i0)) -ge 2 ] && ok "$label: both workers' caches were invalidated ($((i1 - i0)))" || fail "$label: invalidations $i0 -> $i1"
}
delete_while_cached "$READER" "$READER_ID" "reader key"
API_KEY=$OWNER api DELETE "/api/v1/api-keys/$READER_ID"
expect_problem 404 not_found

# --- disabling a tenant --------------------------------------------------------------
for _ in 1 2 3 4 5 6; do API_KEY=$OWNER api GET /api/v1/api-keys >/dev/null; done   # the key checked below
API_KEY=$OPKEY api PATCH "/api/v1/tenants/$ACME" '{"disabled":true}'
expect_status 200 "operator disables acme"
expect_json "tenant shows disabled" .disabled true
wait_for 1 refused_everywhere "$OWNER" 403 && ok "disabled tenant's key gets 403 everywhere within 1 s" || fail "disabled tenant's key still accepted"
API_KEY=$OPKEY api PATCH "/api/v1/tenants/$ACME" '{"disabled":false}'
wait_for 1 refused_everywhere "$OWNER" 200 && ok "re-enabled tenant works again everywhere within 1 s" || fail "re-enabled tenant still refused"

# --- dead connections (pool and listener) are replaced without a restart ---------------------
connects=$(metric tenantca_change_listener_connects_total)
killed=$(psql_admin -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '$DB_NAME' AND pid <> pg_backend_pid()")
[ "$killed" -ge 2 ] && ok "the server dropped every connection ($killed)" || fail "only $killed connections terminated"
good=0
for _ in $(seq 1 12); do API_KEY=$OWNER api GET /api/v1/api-keys; [ "$STATUS" = 200 ] && good=$((good + 1)); done
expect_eq "every request succeeds after the server killed all pooled connections" 12 "$good"
wait_for 5 listening_workers_after $((connects + 2)) && ok "both listeners reconnected" || fail "listeners did not reconnect"
API_KEY=$OWNER api POST /api/v1/api-keys '{"name":"after-reconnect","role":"reader"}'
expect_status 201 "a key made after the reconnect"
delete_while_cached "$(jget .secret)" "$(jget .id)" "after the listener reconnected"

# --- audit trail ---------------------------------------------------------------------
API_KEY=$OWNER api GET /api/v1/audit-events "" -H "X-Request-Id: audit-check"
expect_status 200 "owner reads audit events"
expect_match "audit has the tenant creation" "tenant.create" "$(jget '[.items[].action] | join(",")')"
expect_match "audit has key creation and deletion" "api_key.delete.*api_key.create" "$(jget '[.items[].action] | join(",")')"
del=$(jget "[.items[] | select(.action==\"api_key.delete\" and .target_id==\"$READER_ID\")][0]")
expect_eq "delete event names the actor" "$OWNER_ID" "$(jq -r .actor_key_id <<<"$del")"
expect_eq "delete event names the target" "$READER_ID" "$(jq -r .target_id <<<"$del")"
expect_match "delete event keeps the request id" '^[0-9a-f]{32}$' "$(jq -r .request_id <<<"$del")"
API_KEY=$GOWNER api GET /api/v1/audit-events
expect_eq "globex sees none of acme's events" 0 "$(jget "[.items[] | select(.target_id==\"$ACME\" or .target_id==\"$READER_ID\")] | length")"
for s in "$OPKEY" "$OWNER" "$READER" "$ISSUER" "$GOWNER"; do
  sp=${s:37}
  if psql_db -c "SELECT detail::text FROM audit_events" | grep -q -- "$sp" || grep -q -- "$sp" "$T/daemon.log"; then
    fail "a secret leaked into audit rows or logs ($sp)"
  fi
done
ok "no secret in audit rows or logs"

# --- pagination ---------------------------------------------------------------------
API_KEY=$OWNER
for i in $(seq 1 7); do api POST /api/v1/api-keys "{\"name\":\"k$i\",\"role\":\"reader\"}"; done
seen=(); cursor=""; pages=0; during=""
while :; do
  api GET "/api/v1/api-keys?limit=3${cursor:+&cursor=$cursor}"
  pages=$((pages + 1))
  mapfile -t ids < <(jget '.items[].id')
  seen+=("${ids[@]}")
  cursor=$(jget '.next_cursor // empty')
  if [ "$pages" = 1 ]; then
    # Insert while paging: the new key sorts before the cursor, so later pages neither skip nor repeat.
    api POST /api/v1/api-keys '{"name":"during","role":"reader"}'; during=$(jget .id)
  fi
  [ -z "$cursor" ] || [ "$pages" -gt 10 ] && break
done
if printf '%s\n' "${seen[@]}" | grep -qx "$during"; then fail "a key inserted during paging does not show up on a later page"; else ok "a key inserted during paging does not show up on a later page"; fi
expect_eq "pages of 3 cover all 9 keys that existed" 9 "${#seen[@]}"
expect_eq "no key repeated across pages" 9 "$(printf '%s\n' "${seen[@]}" | sort -u | wc -l)"
api GET "/api/v1/api-keys?limit=0"
expect_problem 400 invalid_request
api GET "/api/v1/api-keys?limit=501"
expect_problem 400 invalid_request
api GET "/api/v1/api-keys?cursor=garbage"
expect_problem 400 invalid_request

finish
