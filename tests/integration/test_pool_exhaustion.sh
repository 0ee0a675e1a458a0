# A full connection pool is a quick 503 problem+json, never a hang, and the
# service recovers as soon as a session is free again.
source "$(dirname "$0")/lib.sh"

new_database
migrate
WORKERS=1 write_config
sed -i 's/^pool_size = 4$/pool_size = 1/' "$T/tenantca.toml"
# Handlers run on Pistache's reactor threads, so a request stuck on a lock
# also delays the connections that thread owns: 8 threads make it likely that
# the probes below land on free threads, which must then answer 503 quickly.
start_daemon --threads 8
OPKEY=$(operator_key)
API_KEY=$OPKEY api POST /api/v1/tenants '{"name":"acme"}'
TID=$(jget .id)
API_KEY=$OPKEY api GET "/api/v1/tenants/$TID"   # warms the key cache: later requests need no session to authenticate

# Hold the tenant's row lock from outside, so a PATCH keeps the only pooled session busy.
coproc LOCKER { "$PGBIN/psql" -h "$PGHOST_" -p "$PGPORT_" -U tenantca -d "$DB_NAME" -Atq; }
echo "BEGIN; SELECT id FROM tenants WHERE id = '$TID' FOR UPDATE; SELECT 'locked';" >&"${LOCKER[1]}"
read -r -t 10 line <&"${LOCKER[0]}" || true
read -r -t 10 line <&"${LOCKER[0]}" || true
curl -s -o "$T/patch.out" -w '%{http_code}' -H "Authorization: Bearer $OPKEY" -H 'Content-Type: application/json' \
  -X PATCH -d '{"disabled":false}' "$BASE/api/v1/tenants/$TID" >"$T/patch.code" &
PATCH=$!
# The PATCH holds the only pooled session, waiting for the row lock.
patch_waiting() {
  [ "$("$PGBIN/psql" -h "$PGHOST_" -p "$PGPORT_" -U tenantca -d "$DB_NAME" -Atc \
    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")" -ge 1 ]
}
wait_for 10 patch_waiting || fail "the PATCH never waited for the lock"
pids=()
for i in $(seq 1 6); do
  curl -s -m 20 -o "$T/probe$i.body" -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $OPKEY" \
    "$BASE/api/v1/tenants/$TID" >"$T/probe$i.code" &
  pids+=($!)
done
# The lease wait is 2 s: some probe must get its 503 well before 4 s.
some_503() { cat "$T"/probe*.code 2>/dev/null | grep -q '^503 '; }
wait_for 10 some_503 || true
quick503=$(cat "$T"/probe*.code 2>/dev/null | awk '$1 == 503 && $2 < 4 {n++} END {print n + 0}')
[ "$quick503" -ge 1 ] && ok "pool exhaustion: $quick503 of 6 probes got 503 within 4 s (bounded wait, no hang)" || fail "no quick 503: $(cat "$T"/probe*.code | tr '\n' ' ')"
first=$(awk '$1 == 503 {print FILENAME; exit}' "$T"/probe*.code)
BODY=$(cat "${first%.code}.body" 2>/dev/null || echo '{}')
expect_json "503 is problem+json unavailable" .code unavailable
if grep -qi 'pool\|soci\|postgres' <<<"$(jget .detail)"; then fail "503 detail leaks internals"; else ok "503 detail has no internals"; fi
metric_at_least tenantca_database_pool_exhausted_total 1 && ok "exhaustion is counted in /metrics" || fail "tenantca_database_pool_exhausted_total: $(metric_value tenantca_database_pool_exhausted_total)"

echo "COMMIT;" >&"${LOCKER[1]}"
wait "$PATCH" || true
wait "${pids[@]}" || true
expect_eq "no probe failed with anything but 200 or 503" 0 "$(cat "$T"/probe*.code | awk '$1 != 200 && $1 != 503' | wc -l)"
expect_eq "the waiting PATCH completes once the lock is released" 200 "$(cat "$T/patch.code")"
API_KEY=$OPKEY api GET "/api/v1/tenants/$TID"
expect_status 200 "service recovers when a session is free"
echo '\q' >&"${LOCKER[1]}" 2>/dev/null || true
finish
