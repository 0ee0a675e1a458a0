# Health-aware routing through HAProxy: under continuous client load, a
# SIGKILLed instance is taken out of rotation and costs at most the requests
# in flight on it at that instant; restarted, it comes back; a graceful stop
# (TERM) costs nothing.
source "$(dirname "$0")/cluster_lib.sh"

OPKEY=$(operator_key)
TENANT_RPS=1000000 setup_tenant loadco
API_KEY=$OWNER api POST /api/v1/cas '{"name":"root","type":"root","subject":{"common_name":"Loadco Root"}}'
expect_status 201 "CA created through HAProxy"
LOAD_KEY=$READER
CLIENTS_KA=3; CLIENTS_NC=3

for n in 1 2 3; do wait_for 10 backend_is "instance$n" UP && ok "instance$n in rotation" || fail "instance$n is $(backend_state instance$n)"; done

# --- SIGKILL ------------------------------------------------------------------
load_start $CLIENTS_KA $CLIENTS_NC /api/v1/cas
load_advances 200 || fail "the load never started"
killed_at=$(date +%s%N)
cluster instance kill 2
wait_for 10 backend_is instance2 DOWN && ok "HAProxy took the killed instance out" || fail "instance2 is $(backend_state instance2)"
echo "# instance2 marked DOWN $(( ($(date +%s%N) - killed_at) / 1000000 )) ms after SIGKILL"
load_advances 200 || fail "no answers with instance2 down"
cluster instance start 2
wait_for 15 backend_is instance2 UP && ok "restarted instance back in rotation" || fail "instance2 is $(backend_state instance2)"
load_advances 200 || fail "no answers after instance2 came back"
load_stop
echo "# SIGKILL of one of 3 instances under load: $LOAD_TOTAL requests, $LOAD_FAILED failed (at most $((CLIENTS_KA + CLIENTS_NC)) can be in flight at once)"
# Correctness only (throughput is bench/cluster.sh's): clients were running throughout.
if [ "$LOAD_TOTAL" -gt 0 ]; then ok "clients ran through the kill and restart"; else fail "no requests made"; fi
if [ "$LOAD_FAILED" -le $((CLIENTS_KA + CLIENTS_NC)) ]; then
  ok "no failures beyond the requests in flight ($LOAD_FAILED)"
else
  fail "$LOAD_FAILED failed requests, more than the $((CLIENTS_KA + CLIENTS_NC)) that can be in flight"
fi

# --- graceful stop --------------------------------------------------------------
load_start $CLIENTS_KA $CLIENTS_NC /api/v1/cas
load_advances 200 || fail "the load never started"
cluster instance stop 3
wait_for 10 backend_is instance3 DOWN && ok "HAProxy took the stopped instance out" || fail "instance3 is $(backend_state instance3)"
load_advances 100 || fail "no answers with instance3 stopped"
cluster instance start 3
wait_for 15 backend_is instance3 UP && ok "instance3 back in rotation" || fail "instance3 is $(backend_state instance3)"
load_advances 200 || fail "no answers after instance3 came back"
load_stop
echo "# TERM of one of 3 instances under load: $LOAD_TOTAL requests, $LOAD_FAILED failed"
expect_eq "a graceful stop fails no request" 0 "$LOAD_FAILED"
if [ "$LOAD_TOTAL" -gt 0 ]; then ok "clients ran through the stop and restart"; else fail "no requests made"; fi
finish
