# Read replicas: lag-tolerant reads go to the standby; a tenant that just
# wrote reads its own writes on every instance; a replica further behind than
# replica_max_lag_ms, or gone, is skipped automatically and used again when
# it is back.
export CLUSTER_REPLICA_MAX_LAG_MS=600000  # first: keep a paused replica in use, to see what pinning does
source "$(dirname "$0")/cluster_lib.sh"

OPKEY=$(operator_key)
TENANT_RPS=100000 setup_tenant readco
API_KEY=$OWNER api POST /api/v1/cas '{"name":"root","type":"root","subject":{"common_name":"Readco Root"}}'
CA=$(jget .id)
issue() { API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$CA\",\"subject\":{\"common_name\":\"$1\"},\"usage\":[\"client_auth\"],\"validity_days\":7}"; }
issue first
expect_status 201 "issued through HAProxy"
list_state() { # base-url cert-id -> present | absent | error:STATUS (an error is never "absent")
  BASE=$1 API_KEY=$READER api GET "/api/v1/certificates?limit=100"
  if [ "$STATUS" != 200 ]; then echo "error:$STATUS"; return; fi
  if jq -e --arg id "$2" 'any(.items[]; .id == $id)' <<<"$BODY" >/dev/null; then echo present; else echo absent; fi
}
lists_cert() { [ "$(list_state "$1" "$2")" = present ]; }
replica_reads() { metric_sum 'tenantca_database_reads_total{pool="replica"}'; }

# --- reads go to the replica --------------------------------------------------------
# The tenant wrote a moment ago (its CA, its keys): its reads stay on the
# primary for the read-your-own-writes window (2 s). Wait until it has passed.
list_from_replica() { local b; b=$(replica_reads); API_KEY=$READER api GET /api/v1/certificates; [ "$(replica_reads)" -gt "$b" ]; }
wait_for 10 list_from_replica || fail "lists never went to the replica"
before=$(replica_reads)
for _ in $(seq 1 9); do API_KEY=$READER api GET /api/v1/certificates; done
expect_status 200 "lists answer"
after=$(replica_reads)
echo "# replica reads: $before -> $after for 9 list requests"
if [ $((after - before)) -ge 9 ]; then ok "lists are read from the replica"; else fail "only $((after - before)) of 9 lists read from the replica"; fi

# --- read-your-own-writes, on every instance ---------------------------------------------
psql_standby -c "SELECT pg_wal_replay_pause()" >/dev/null
issue paused-1
expect_status 201 "issued while the standby's replay is paused"
NEW=$(jget .id)
for n in 1 2 3; do
  url_var="INSTANCE${n}_URL"
  lists_cert "${!url_var}" "$NEW" && ok "instance$n lists the tenant's new certificate at once" || fail "instance$n: the writer does not see its write"
done
# Once the pin has expired the paused replica (within the huge lag limit) answers.
stale_list() { [ "$(list_state "$INSTANCE1_URL" "$NEW")" = absent ]; }
wait_for 10 stale_list || true
expect_eq "after the pin, lists come from the (paused, stale) replica: a 200 without the new certificate" absent \
  "$(list_state "$INSTANCE1_URL" "$NEW")"
API_KEY=$READER BASE=$INSTANCE1_URL api GET "/api/v1/certificates/$NEW"
expect_status 200 "a get by id the replica lacks is answered by the primary"

# --- a replica too far behind is not used ------------------------------------------------
CLUSTER_REPLICA_MAX_LAG_MS=300 cluster instance stop 1
CLUSTER_REPLICA_MAX_LAG_MS=300 cluster instance start 1
lag_refused() { metric_at_least tenantca_database_replica_lag_refusals_total 1 "$INSTANCE1_URL"; }
wait_for 10 lag_refused && ok "the probe finds the replica too far behind (lag $(metric_value tenantca_database_replica_lag_milliseconds "$INSTANCE1_URL") ms)" \
  || fail "the probe never judged the lag"
lists_cert "$INSTANCE1_URL" "$NEW" && ok "with replica_max_lag_ms = 300 the lagging replica is skipped" || fail "a replica behind by seconds was used"
psql_standby -c "SELECT pg_wal_replay_resume()" >/dev/null
caught_up() { [ "$(metric_value tenantca_database_replica_lag_milliseconds "$INSTANCE1_URL")" = 0 ]; }
wait_for 10 caught_up || fail "the replica never caught up"
# The probe's verdict is shared by the workers; give the next probe (every 250 ms) its turn.
usable_again() { local b; b=$(curl -s "$INSTANCE1_URL/metrics" | awk '$1=="tenantca_database_reads_total{pool=\"replica\"}" {print $2}'); lists_cert "$INSTANCE1_URL" "$NEW"; [ "$(curl -s "$INSTANCE1_URL/metrics" | awk '$1=="tenantca_database_reads_total{pool=\"replica\"}" {print $2}')" -gt "$b" ]; }
wait_for 10 usable_again || true
r1=$(curl -s "$INSTANCE1_URL/metrics" | awk '$1=="tenantca_database_reads_total{pool=\"replica\"}" {print $2}')
for _ in 1 2 3 4; do lists_cert "$INSTANCE1_URL" "$NEW" || true; done
r2=$(curl -s "$INSTANCE1_URL/metrics" | awk '$1=="tenantca_database_reads_total{pool=\"replica\"}" {print $2}')
if [ $((r2 - r1)) -ge 4 ]; then ok "caught up, the replica is used again ($((r2 - r1)) reads)"; else fail "replica not used after catching up ($r1 -> $r2)"; fi
lists_cert "$INSTANCE1_URL" "$NEW" && ok "and it has the certificate now" || fail "replica still lacks the certificate"

# --- the replica goes away and comes back ------------------------------------------------
"$ROOT/scripts/pg-cluster" stop "$TENANTCA_CLUSTER_DIR/standby"
p0=$(metric_sum 'tenantca_database_reads_total{pool="primary"}')
codes=""
for _ in $(seq 1 12); do API_KEY=$READER api GET /api/v1/certificates; codes+="$STATUS "; done
expect_eq "with the replica down every read is answered" "$(printf '200 %.0s' $(seq 1 12))" "$codes"
p1=$(metric_sum 'tenantca_database_reads_total{pool="primary"}')
if [ $((p1 - p0)) -ge 12 ]; then ok "reads went to the primary"; else fail "only $((p1 - p0)) primary reads"; fi
"$ROOT/scripts/pg-cluster" start "$TENANTCA_CLUSTER_DIR/standby" "$STANDBY_PORT"
back_ms=$(date +%s%3N)
all_on_replica() { # 6 reads through HAProxy (every instance), all answered by the replica
  local b a
  b=$(replica_reads)
  for _ in $(seq 1 6); do API_KEY=$READER api GET /api/v1/certificates; done
  a=$(replica_reads)
  [ $((a - b)) -ge 6 ]
}
if wait_for 15 all_on_replica; then
  ok "the replica is used again once it is back ($(( $(date +%s%3N) - back_ms )) ms after it accepted connections)"
else
  fail "replica not used within 15 s of its restart"
fi
finish
