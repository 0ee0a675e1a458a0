# Settings do what they say, observed from outside: statement_timeout (503,
# counted), slow_query_ms (counted), log.format = json, log.access = false,
# metrics.enabled = false, TENANTCA_CONFIG, the systemd watchdog, concurrent
# migrations under the advisory lock.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"

new_database
migrate
write_config "[log]" 'format = "json"' "access = false"
start_daemon --database-statement-timeout 500 --database-slow-query-ms 100
OPKEY=$(operator_key)
setup_tenant acme
cd "$T"
metric() { curl -s "$BASE/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
API_KEY=$OWNER api GET /api/v1/cas
expect_status 200 "the CA list answers"

# --- statement_timeout: a statement blocked behind a lock is cancelled, 503 -----------------
lock_cas() { # seconds: holds an exclusive lock on cas in the background
  psql_db -c "BEGIN; LOCK TABLE cas IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep($1); COMMIT" >/dev/null &
  LOCKER=$!
  wait_for 5 bash -c "[ \"\$(psql_db -c \"SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'cas' AND l.mode = 'AccessExclusiveLock' AND l.granted\")\" = 1 ]" 2>/dev/null
}
export -f psql_db; export PGBIN PGHOST_ PGPORT_ DB_NAME
t0=$(metric tenantca_database_statement_timeouts_total)
lock_cas 5
start=$(date +%s%N)
API_KEY=$OWNER api GET /api/v1/cas
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_problem 503 unavailable
[ "$ms" -lt 4000 ] && ok "answered after the 500 ms statement_timeout, not the 5 s lock (${ms} ms)" || fail "took ${ms} ms"
t1=$(metric tenantca_database_statement_timeouts_total)
expect_eq "the timeout is counted" $((t0 + 1)) "$t1"
wait "$LOCKER" || true

# --- slow_query_ms: an operation over 100 ms is counted ---------------------------------------
# (statement_timeout off here, so the lock may be held long enough to be sure
# the request waits behind it, however slow this machine is today)
stop_daemon
start_daemon --database-statement-timeout 0 --database-slow-query-ms 100
s0=$(metric tenantca_database_slow_operations_total)
lock_cas 1.5
API_KEY=$OWNER api GET /api/v1/cas
expect_status 200 "a statement that waited behind the lock succeeds"
wait "$LOCKER" || true
s1=$(metric tenantca_database_slow_operations_total)
[ "$s1" -gt "$s0" ] && ok "the slow operation is counted ($s0 -> $s1)" || fail "slow operations $s0 -> $s1"

# --- log.format = json, log.access = false ------------------------------------------------------
if jq -e . "$T/daemon.log" >/dev/null 2>&1; then ok "every log line is JSON"; else fail "a log line is not JSON: $(head -c 300 "$T/daemon.log")"; fi
expect_match "JSON lines carry time, level and msg" '^[1-9]' "$(jq -s '[.[] | select(has("time") and has("level") and has("msg"))] | length' "$T/daemon.log")"
expect_eq "log.access = false: no access lines for the requests made" 0 \
  "$(jq -s '[.[] | select(.msg | test("^access "))] | length' "$T/daemon.log")"
stop_daemon

# --- metrics.enabled = false ---------------------------------------------------------------------
start_daemon --metrics-enabled false --log-access true
api GET /metrics
expect_problem 404 not_found
wait_for 3 bash -c "[ \$(jq -s '[.[] | select(.msg | test(\"^access \"))] | length' '$T/daemon.log') -ge 1 ]" \
  && ok "with log.access = true the same log has access lines (the check above can fail)" || fail "no access line with log.access = true"
stop_daemon

# --- TENANTCA_CONFIG names the file ---------------------------------------------------------------
rc=0; out=$(TENANTCA_CONFIG="$T/tenantca.toml" "$TENANTCA_BIN" check-config) || rc=$?
expect_eq "check-config with TENANTCA_CONFIG exits 0" 0 "$rc"
expect_match "it read that file" "bind = \"127.0.0.1:$PORT\"" "$out"
rc=0; TENANTCA_CONFIG="$T/none.toml" "$TENANTCA_BIN" check-config >/dev/null 2>&1 || rc=$?
expect_eq "a TENANTCA_CONFIG that does not exist is an error" 1 "$rc"

# --- the systemd watchdog: READY=1, then WATCHDOG=1 pings ---------------------------------------
socat -u UNIX-RECV:"$T/notify.sock" OPEN:"$T/notify.log",creat,append &
SOCAT=$!
defer kill "$SOCAT"
wait_for 5 test -S "$T/notify.sock"
NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=2000000 start_daemon
wait_for 5 grep -q "READY=1" "$T/notify.log" && ok "READY=1 sent to the notify socket" || fail "no READY=1"
wait_for 5 bash -c "[ \$(grep -o WATCHDOG=1 '$T/notify.log' | wc -l) -ge 2 ]" && ok "WATCHDOG=1 pings while running" || fail "no watchdog pings"
stop_daemon

# --- concurrent migrations: the advisory lock lets one apply each step --------------------------
new_database
pids=(); for i in 1 2 3 4; do "$TENANTCA_BIN" migrate --database-url "$DB_URL" >"$T/parallel-migrate-$i.log" 2>&1 & pids+=($!); done
codes=""; for p in "${pids[@]}"; do if wait "$p"; then codes+="0 "; else codes+="$? "; fi; done
expect_eq "four concurrent migrate runs all exit 0" "0 0 0 0 " "$codes"
expect_eq "every migration recorded exactly once" \
  "$(psql_db -c "SELECT count(DISTINCT version) FROM schema_migrations")" "$(psql_db -c "SELECT count(*) FROM schema_migrations")"
applied=$(cat "$T"/parallel-migrate-*.log | grep -c '^applied' || true)
expect_eq "each migration applied by exactly one run" "$(psql_db -c "SELECT count(*) FROM schema_migrations")" "$applied"
finish
