# metrics.bind: /metrics moves to its own listener (served by every worker),
# and is gone from the API listener; reload and stop treat both alike.
source "$(dirname "$0")/lib.sh"

new_database
migrate
MPORT=$(free_port)
WORKERS=2 write_config "[metrics]" "bind = \"127.0.0.1:$MPORT\""
start_daemon
MBASE="http://127.0.0.1:$MPORT"
wait_for 5 curl -fs -o /dev/null "$MBASE/metrics" && ok "metrics listener answers" || fail "no metrics listener on $MPORT"
body=$(curl -s -D "$T/mh" "$MBASE/metrics")
expect_match "it serves the instance's metrics" 'tenantca_workers\{state="ready"\} 2' "$body"
expect_match "as Prometheus text" "text/plain; version=0.0.4" "$(grep -i '^content-type:' "$T/mh")"
api GET /metrics
expect_problem 404 not_found
api GET /api/v1/health
expect_status 200 "the API listener still serves the API"
expect_eq "only /metrics on the metrics listener" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$MBASE/api/v1/health")"

# A reload replaces the workers: the metrics listener follows them.
kill -HUP "$DAEMON_PID"
reloaded() { curl -s "$MBASE/metrics" | grep -qE '^tenantca_worker_ends_total\{how="graceful"\} [2-9]'; }
wait_for 15 reloaded && ok "the metrics listener answers after a reload (old workers gone, new ones serving it)" || fail "no metrics after the reload"

# Same address as the API: refused with the reason.
if out=$("$TENANTCA_BIN" check-config --config "$T/tenantca.toml" --metrics-bind "127.0.0.1:$PORT" 2>&1); then
  fail "metrics.bind equal to bind was accepted"
else
  expect_match "metrics.bind equal to bind is refused" "must differ from 'bind'" "$out"
fi
stop_daemon
expect_eq "the metrics listener is gone after stop" 000 "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$MBASE/metrics" || true)"
finish
