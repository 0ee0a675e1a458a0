# Automatic failover: the primary crashes, the standby is promoted
# (pg_ctl promote); every instance finds the new primary through the
# multi-host database.url (target_session_attrs=read-write) and serves writes
# again within 10 s without a restart; health says 503 meanwhile; nothing
# committed before the crash and replicated is lost.
export CLUSTER_SYNC_STANDBY=1  # acknowledged means on the standby too: no acknowledged write may be lost
source "$(dirname "$0")/cluster_lib.sh"
source "$(dirname "$0")/failover_lib.sh"

OPKEY=$(operator_key)
TENANT_RPS=100000 setup_tenant failco
API_KEY=$OWNER api POST /api/v1/cas '{"name":"root","type":"root","subject":{"common_name":"Failco Root"}}'
CA=$(jget .id)
issue() { # common name -> sets STATUS, BODY
  API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$CA\",\"subject\":{\"common_name\":\"$1\"},\"usage\":[\"client_auth\"],\"validity_days\":7}" -m 5
}
before=()
for i in 1 2 3 4 5; do issue "before-$i"; [ "$STATUS" = 201 ] && before+=("$(jget .id)"); done
expect_eq "5 certificates issued before the crash" 5 "${#before[@]}"
lsn=$(psql_primary -c "SELECT pg_current_wal_lsn()")
wait_for 10 bash -c "[ \"\$('$PGBIN/psql' -h 127.0.0.1 -p $STANDBY_PORT -U tenantca -d tenantca -Atqc \"SELECT pg_last_wal_replay_lsn() >= '$lsn'\")\" = t ]" \
  && ok "standby replayed them" || fail "standby did not catch up"

# A writer issuing certificates through HAProxy, and a poller of one instance's health.
writer_start "$BASE" "$ISSUER" "$CA" "$T/writes"
touch "$T/run"
( while [ -f "$T/run" ]; do
    echo "$(date +%s%3N) $(curl -s -m 2 -o /dev/null -w '%{http_code}' "$INSTANCE1_URL/api/v1/health" || true)" >>"$T/health"
    sleep 0.1
  done ) &
POLLER=$!
lines() { cat "$1" 2>/dev/null | wc -l; }
wait_for 10 bash -c "[ \$(cat $T/writes 2>/dev/null | wc -l) -ge 20 ] && [ \$(cat $T/health 2>/dev/null | wc -l) -ge 10 ]" \
  || fail "the writer and the poller did not start"
# A failover manager needs a while to decide; 1 s here leaves health a window
# to be seen saying 503.
PROMOTE_DELAY=1 failover "$TENANTCA_CLUSTER_DIR"
wait_for 30 writes_recovered "$T/writes" && ok "writes succeed again after the failover" || fail "no successful write within 30 s of the crash"
target=$(($(lines "$T/writes") + 20))
wait_for 10 bash -c "[ \$(cat $T/writes | wc -l) -ge $target ]" || fail "writes stalled after recovering"
writer_stop
rm -f "$T/run"; wait $POLLER 2>/dev/null || true

failover_figures "$T/writes"
echo "# failover: primary dead after $((DEAD_MS - CRASH_MS)) ms, standby promoted (after a 1 s pause) at +$((PROMOTED_MS - CRASH_MS)) ms; the first write started after the crash answered 201 at +$GAP_MS ms, $AFTER_PROMOTE_MS ms after the promotion returned; no write succeeded for $OUTAGE_MS ms"
echo "# writes during the test: $WRITES, failed $FAILED ($(awk '$2 != 201 {print $2}' "$T/writes" | sort | uniq -c | tr '\n' ' '))"
if [ "$GAP_MS" -le 10000 ]; then ok "writes served again within 10 s ($GAP_MS ms)"; else fail "writes came back after $GAP_MS ms"; fi
unhealthy=$(awk -v c="$CRASH_MS" '$1 > c && $2 == 503' "$T/health" | wc -l)
if [ "$unhealthy" -gt 0 ]; then ok "health said 503 while there was no writable primary ($unhealthy polls)"; else fail "health never said 503 during the failover"; fi
expect_eq "health is 200 again" 200 "$(tail -n1 "$T/health" | cut -d' ' -f2)"

# Every certificate acknowledged before the crash is on the new primary.
missing=0
for id in "${before[@]}"; do API_KEY=$READER api GET "/api/v1/certificates/$id"; [ "$STATUS" = 200 ] || missing=$((missing + 1)); done
expect_eq "certificates replicated before the crash survive it" 0 "$missing"
lost=0; acked=0
while read -r t code id _; do
  [ "$code" = 201 ] || continue
  acked=$((acked + 1))
  API_KEY=$READER api GET "/api/v1/certificates/$id"
  [ "$STATUS" = 200 ] || lost=$((lost + 1))
done <"$T/writes"
[ "$acked" -ge 20 ] && ok "$acked writes acknowledged before and after the promotion" || fail "only $acked writes acknowledged"
expect_eq "every acknowledged write is there after the failover (synchronous standby)" 0 "$lost"
# What writers saw during the gap: 201, or the documented 503 problem+json; nothing else.
others=$(awk '$2 != 201 && !($2 == 503 && $5 == "application/problem+json") {print $2, $5}' "$T/writes" | sort | uniq -c | tr '\n' ';')
expect_eq "writers received only 201 or 503 problem+json" "" "$others"
[ "$FAILED" -ge 1 ] && ok "the gap was observed by the writer ($FAILED refused writes)" || ok "no write was refused (the gap fell between writes)"
API_KEY=$ISSUER issue after-failover
expect_status 201 "a write after the failover"
expect_eq "the promoted standby is the primary now" f "$(psql_standby -c 'SELECT pg_is_in_recovery()')"
for n in 1 2 3; do
  url_var="INSTANCE${n}_URL"
  expect_eq "instance$n healthy without a restart" 200 "$(curl -s -o /dev/null -w '%{http_code}' "${!url_var}/api/v1/health")"
done
[ -n "${SHOW_TIMELINE:-}" ] && awk -v c="$CRASH_MS" '{print $1 - c, $2, $4 - c}' "$T/writes" && awk -v c="$CRASH_MS" '{print "h", $1 - c, $2}' "$T/health"
finish
