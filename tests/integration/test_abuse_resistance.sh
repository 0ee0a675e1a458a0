# Abuse resistance around issuance: a per-client bucket on the public /pki/*
# endpoints, unknown CA ids answered 404 without a query storm, operator keys
# listed and revoked from the command line (refused by every worker within
# 1 s), and the change listener's heartbeat: a LISTEN connection that goes
# silent (its backend stopped) is noticed, dropped and replaced, visibly in
# /metrics, and invalidations flow again afterwards.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"

new_database
migrate
WORKERS=2 write_config "[rate_limit]" "public_rps = 1" "public_burst = 3"
start_daemon
OPKEY=$(operator_key)
setup_tenant acme
cd "$T"
metric() { curl -s "$BASE/metrics" | sed -n "s/^$1 //p"; }

API_KEY=$OWNER api POST /api/v1/cas '{"name":"root","type":"root","subject":{"common_name":"Root"}}'
expect_status 201 "a CA"
CA=$(jget .id)

# --- the public bucket: 3 at once, then 429 with Retry-After; tenant API unaffected ----
codes=""
for _ in 1 2 3 4 5; do API_KEY="" api GET "/pki/$CA/ca.crt"; codes+="$STATUS "; done
expect_eq "burst of 3 per client address, then 429" "200 200 200 429 429 " "$codes"
expect_problem 429 rate_limited
expect_match "Retry-After on the refusal" '^[0-9]+$' "$(header Retry-After)"
API_KEY=$READER api GET /api/v1/cas
expect_status 200 "authenticated API not limited by the public bucket"
wait_for 3 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $BASE/pki/$CA/ca.crt)\" = 200 ]" \
  && ok "the bucket refills" || fail "the bucket did not refill"

# --- unknown CA ids: 404, never 500 ------------------------------------------------------
sleep_until_token() { wait_for 3 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $BASE/pki/00000000-0000-4000-8000-000000000000/crl)\" = 404 ]"; }
sleep_until_token && ok "unknown CA: 404 for its CRL" || fail "unknown CA CRL not 404"

# --- operator keys: list and revoke ---------------------------------------------------------
SECOND=$("$TENANTCA_BIN" operator-key create --database-url "$DB_URL" --name second 2>/dev/null)
rc=0; list=$("$TENANTCA_BIN" operator-key list --database-url "$DB_URL") || rc=$?
expect_eq "operator-key list exits 0" 0 "$rc"
expect_eq "two operator keys listed" 2 "$(wc -l <<<"$list")"
second_id=$(awk -F'\t' '$3 == "second" {print $1}' <<<"$list")
expect_match "the list shows ids" '^[0-9a-f-]{36}$' "$second_id"
API_KEY=$SECOND api GET /api/v1/tenants
expect_status 200 "the second operator key works"
for _ in 1 2 3 4; do API_KEY=$SECOND api GET /api/v1/tenants; done  # both workers have it cached
rc=0; "$TENANTCA_BIN" operator-key revoke "$second_id" --database-url "$DB_URL" 2>/dev/null || rc=$?
expect_eq "operator-key revoke exits 0" 0 "$rc"
refused_everywhere() {
  local i
  for i in 1 2 3 4 5 6; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $SECOND" "$BASE/api/v1/tenants")" = 401 ] || return 1
  done
}
wait_for 1 refused_everywhere && ok "revoked operator key refused by every worker within 1 s" || fail "revoked key still accepted"
rc=0; "$TENANTCA_BIN" operator-key revoke "$second_id" --database-url "$DB_URL" 2>/dev/null || rc=$?
expect_eq "revoking it again fails" 1 "$rc"
rc=0; "$TENANTCA_BIN" operator-key revoke not-a-uuid --database-url "$DB_URL" 2>/dev/null || rc=$?
expect_eq "a malformed id fails" 1 "$rc"
expect_eq "the revocation is audited" 1 "$(psql_db -c "SELECT count(*) FROM audit_events WHERE action = 'operator_key.revoke' AND target_id = '$second_id'")"
expect_eq "one operator key left" 1 "$("$TENANTCA_BIN" operator-key list --database-url "$DB_URL" | wc -l)"

# --- the change listener's heartbeat ----------------------------------------------------------
wait_for 6 bash -c "[ \"\$(curl -s $BASE/metrics | sed -n 's/^tenantca_change_listener_heartbeats_total{result=\"received\"} //p')\" -ge 2 ]" \
  && ok "heartbeats come back" || fail "no heartbeats received"
connects_before=$(metric tenantca_change_listener_connects_total)
expect_eq "both workers listening" 2 "$connects_before"
hb_pids=$(psql_db -c "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'NOTIFY tenantca_hb_%'")
expect_eq "two listener backends found" 2 "$(wc -w <<<"$hb_pids")"
for p in $hb_pids; do kill -STOP "$p"; done
# shellcheck disable=SC2086 # one argument per pid
defer kill -CONT $hb_pids
wait_for 12 bash -c "[ \"\$(curl -s $BASE/metrics | sed -n 's/^tenantca_change_listener_heartbeats_total{result=\"missed\"} //p')\" -ge 2 ]" \
  && ok "silent listener connections noticed (heartbeats missed)" || fail "missed heartbeats not reported: $(curl -s "$BASE/metrics" | grep listener)"
wait_for 6 bash -c "[ \"\$(curl -s $BASE/metrics | sed -n 's/^tenantca_change_listener_connects_total //p')\" -ge 4 ]" \
  && ok "both workers listen again on new connections" || fail "listener did not reconnect"
for p in $hb_pids; do kill -CONT "$p"; done
# Invalidation works through the new connections: a deleted key is refused at once.
API_KEY=$OWNER api POST /api/v1/api-keys '{"name":"temp","role":"reader"}'
TEMP=$(jget .secret); TEMP_ID=$(jget .id)
for _ in 1 2 3 4; do API_KEY=$TEMP api GET /api/v1/cas; done
API_KEY=$OWNER api DELETE "/api/v1/api-keys/$TEMP_ID"
expect_status 204 "delete a cached key"
gone() { local i; for i in 1 2 3 4 5 6; do [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TEMP" "$BASE/api/v1/cas")" = 401 ] || return 1; done; }
wait_for 1 gone && ok "invalidation heard on the new listener connections" || fail "deleted key still accepted"

finish
