# The gunicorn-style process model against the real binary: zero-drop reload,
# rejected reload, graceful stop with a request in flight, TTIN/TTOU,
# heartbeat timeout, boot-failure backoff, max_requests, USR1 log reopening.
source "$(dirname "$0")/lib.sh"

migrate_req=$(sysctl -n net.ipv4.tcp_migrate_req 2>/dev/null || echo 0)
echo "# net.ipv4.tcp_migrate_req=$migrate_req"

new_database
migrate
WORKERS=2 write_config "timeout = 3" "abort_grace = 1" "max_boot_failures = 3" '[testing]' 'sleep_endpoint = true'
start_daemon

# --- HUP under load: zero failed requests, new config applied ----------------------
load_start 4 4 /api/v1/health
load_advances 50 || fail "the load never started"
sed -i 's/^workers = 2$/workers = 3/' "$T/tenantca.toml"
kill -HUP "$DAEMON_PID"
wait_for 15 metric_at_least tenantca_generation 2 && ok "reload finished: generation 2 serves" || fail "reload did not finish"
wait_for 15 worker_count_is 3 && ok "new generation runs the new worker count (3)" || fail "new worker count: $(pgrep -P "$DAEMON_PID" | wc -l)"
load_advances 50 || fail "no answers after the first reload"
kill -HUP "$DAEMON_PID"   # and once more, with the same config
wait_for 15 metric_at_least tenantca_generation 3 && ok "second reload finished: generation 3 serves" || fail "second reload did not finish"
load_advances 50 || fail "no answers after the second reload"
load_stop
echo "# reload under load: $LOAD_TOTAL requests, $LOAD_FAILED failed"
[ "$LOAD_TOTAL" -gt 0 ] && ok "clients ran through both reloads" || fail "no requests made"
expect_eq "zero failed requests across two reloads (4 keep-alive + 4 new-connection clients)" 0 "$LOAD_FAILED"
expect_eq "two reloads counted as finished" 2 "$(metric_value 'tenantca_reloads_total{result="finished"}')"
wait_for 10 worker_count_is 3 || fail "the replaced generation did not exit: $(pgrep -P "$DAEMON_PID" | wc -l) workers"

# --- HUP with an invalid config: keep serving on the old one ----------------------------
cp "$T/tenantca.toml" "$T/good.toml"
echo 'workers = "many"' >>"$T/tenantca.toml"
rc=0; "$TENANTCA_BIN" check-config --config "$T/tenantca.toml" >/dev/null 2>&1 || rc=$?
expect_eq "the new configuration is invalid (check-config exits 1)" 1 "$rc"
kill -HUP "$DAEMON_PID"
wait_for 5 metric_at_least 'tenantca_reloads_total{result="rejected"}' 1 && ok "the invalid reload is rejected" || fail "reload not rejected"
expect_eq "the generation did not change" 3 "$(metric_value tenantca_generation)"
api GET /api/v1/health
expect_status 200 "still serving after a rejected reload"
worker_count_is 3 && ok "old configuration kept (3 workers)" || fail "worker count changed"
cp "$T/good.toml" "$T/tenantca.toml"

# --- TTIN / TTOU ----------------------------------------------------------------------
kill -TTIN "$DAEMON_PID"
wait_for 5 worker_count_is 4 && ok "TTIN adds a worker" || fail "TTIN: $(pgrep -P "$DAEMON_PID" | wc -l) workers"
for n in 3 2 1; do
  kill -TTOU "$DAEMON_PID"
  wait_for 10 worker_count_is "$n" || fail "TTOU: $(pgrep -P "$DAEMON_PID" | wc -l) workers, expected $n"
done
ok "TTOU removes one worker at a time"
# A fourth TTOU at one worker must keep it: the master handles signals in
# order, so after TTIN the count reaches 2 only if the TTOU left 1.
kill -TTOU "$DAEMON_PID"
kill -TTIN "$DAEMON_PID"
wait_for 10 worker_count_is 2 && ok "TTOU never goes below 1 (TTOU then TTIN: 2 workers)" || fail "TTOU below 1: $(pgrep -P "$DAEMON_PID" | wc -l) workers after TTIN"

# --- heartbeat timeout: a stuck request gets its worker SIGABRTed and replaced ---------------
curl -s -m 20 -o "$T/stuck.out" -w '%{http_code}' "$BASE/api/v1/_test/sleep?ms=15000" >"$T/stuck.code" &
STUCK=$!
wait_for 10 metric_at_least 'tenantca_worker_kills_total{reason="heartbeat_timeout"}' 1 \
  && ok "a stuck worker gets SIGABRT after the timeout" || fail "no SIGABRT"
wait_for 5 metric_at_least 'tenantca_worker_ends_total{how="sigabrt"}' 1 && ok "it ended by SIGABRT" || fail "no SIGABRT end"
wait "$STUCK" || true
wait_for 5 worker_count_is 2 && ok "the hung worker is replaced" || fail "not replaced"
api GET /api/v1/health
expect_status 200 "serving after the timeout"

# --- a worker that survives SIGABRT is SIGKILLed after abort_grace ------------------------
stop_daemon
start_daemon --testing-worker-ignores-abort true
curl -s -m 20 -o /dev/null "$BASE/api/v1/_test/sleep?ms=15000" &
STUCK=$!
wait_for 10 metric_at_least 'tenantca_worker_kills_total{reason="abort_grace"}' 1 \
  && ok "SIGKILL follows SIGABRT after abort_grace" || fail "no SIGKILL escalation"
wait_for 5 metric_at_least 'tenantca_worker_ends_total{how="sigkill"}' 1 && ok "it ended by SIGKILL" || fail "no SIGKILL end"
wait "$STUCK" || true
wait_for 5 worker_count_is 3 && ok "and it is replaced" || fail "not replaced after SIGKILL"

# A worker has accepted the connection and read the whole request: the
# server side of the socket exists with nothing left unread.
request_being_served() {
  ss -Htn state established "( sport = :$PORT )" | awk '$1 == 0 {found = 1} END {exit !found}'
}

# --- USR1 reopens the log file ---------------------------------------------------------------
stop_daemon
start_daemon --log-file "$T/app.log"
api GET /api/v1/health
mv "$T/app.log" "$T/app.log.1"
kill -USR1 "$DAEMON_PID"
# Every worker has reopened once several requests in a row land in the new file.
logged_in_new_file() {
  local id="probe-$RANDOM$RANDOM"
  curl -s -o /dev/null -H "X-Request-Id: $id" "$BASE/api/v1/health"
  wait_for 2 grep -q "$id" "$T/app.log" 2>/dev/null
}
all_reopened() { for _ in 1 2 3 4 5 6; do logged_in_new_file || return 1; done; }
wait_for 10 all_reopened || fail "the workers did not reopen the log file"
api GET /api/v1/health "" -H "X-Request-Id: after-rotate"
wait_for 5 grep -q "after-rotate" "$T/app.log" && ok "USR1: new lines go to the new log file" || fail "USR1 reopen"
if grep -q "after-rotate" "$T/app.log.1"; then fail "rotated file no longer written"; else ok "rotated file no longer written"; fi

# --- graceful stop with a request in flight ------------------------------------------------------
curl -s -m 20 -o /dev/null -w '%{http_code}' "$BASE/api/v1/_test/sleep?ms=3000" >"$T/inflight.code" &
INFLIGHT=$!
wait_for 5 request_being_served || fail "the request never reached a worker"
kill -TERM "$DAEMON_PID"
if wait "$DAEMON_PID"; then rc=0; else rc=$?; fi
DAEMON_PID=""
wait "$INFLIGHT" || true
expect_eq "TERM: the in-flight 3 s request completes with 200" 200 "$(cat "$T/inflight.code")"
expect_eq "TERM: master exits 0 after the drain" 0 "$rc"

# --- graceful_timeout: a request longer than it is cut off by SIGKILL -------------------------
write_config '[testing]' 'sleep_endpoint = true'
start_daemon --graceful-timeout 1
curl -s -m 20 -o /dev/null -w '%{http_code}' "$BASE/api/v1/_test/sleep?ms=15000" >"$T/long.code" &
LONG=$!
wait_for 5 request_being_served || fail "the long request never reached a worker"
start=$(date +%s%N)
kill -TERM "$DAEMON_PID"
if wait "$DAEMON_PID"; then rc=0; else rc=$?; fi
DAEMON_PID=""
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
wait "$LONG" || true
[ "$elapsed_ms" -lt 8000 ] && ok "TERM with a 15 s request and graceful_timeout = 1: the master is gone in ${elapsed_ms} ms" || fail "stop took ${elapsed_ms} ms"
expect_eq "the cut-off request got no answer" 000 "$(cat "$T/long.code")"
if pgrep -f "$T/tenantca.toml" >/dev/null; then fail "no worker left behind"; else ok "no worker left behind"; fi

# --- INT and QUIT: quick stop, no drain ---------------------------------------------------------
for sig in INT QUIT; do
  write_config '[testing]' 'sleep_endpoint = true'
  start_daemon
  curl -s -m 20 -o /dev/null -w '%{http_code}' "$BASE/api/v1/_test/sleep?ms=15000" >"$T/quick.code" &
  QUICK=$!
  wait_for 5 request_being_served || fail "SIG$sig: the request never reached a worker"
  start=$(date +%s%N)
  kill -"$sig" "$DAEMON_PID"
  if wait "$DAEMON_PID"; then rc=0; else rc=$?; fi
  DAEMON_PID=""
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  wait "$QUICK" || true
  [ "$elapsed_ms" -lt 3000 ] && ok "SIG$sig: quick stop in ${elapsed_ms} ms with a 15 s request in flight" || fail "SIG$sig took ${elapsed_ms} ms"
  expect_eq "SIG$sig: the in-flight request is not drained" 000 "$(cat "$T/quick.code")"
  if pgrep -f "$T/tenantca.toml" >/dev/null; then fail "SIG$sig: no worker left behind"; else ok "SIG$sig: no worker left behind"; fi
done

finish
