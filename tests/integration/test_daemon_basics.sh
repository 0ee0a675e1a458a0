# Walking skeleton: health, conventions (request ids, problem+json, 404/405,
# 413, keep-alive), the prefork process model and the CLI around it.
source "$(dirname "$0")/lib.sh"

new_database
# --- serve refuses an unmigrated database, naming the fix ---------------
write_config
if "$TENANTCA_BIN" serve --config "$T/tenantca.toml" >"$T/refuse.log" 2>&1; then rc=0; else rc=$?; fi
expect_eq "serve refuses an unmigrated schema (non-zero exit)" 4 "$rc"
expect_match "refusal names tenantca migrate" "tenantca migrate" "$(cat "$T/refuse.log")"

# --- migrate is idempotent ------------------------------------------------
migrate
expect_match "first migrate applies the schema" "applied" "$(cat "$T/migrate.log")"
migrate
expect_match "second migrate changes nothing" "up to date" "$(cat "$T/migrate.log")"

# --- health ---------------------------------------------------------------
WORKERS=3 write_config
start_daemon
api GET /api/v1/health
expect_status 200 "health is 200"
expect_json "health status" .status ok
expect_json "health database" .database ok
expect_json "health version" .version "$("$TENANTCA_BIN" version | awk '{print $2}')"
expect_eq "health content type" "application/json" "$(header Content-Type)"

# --- request ids ----------------------------------------------------------
api GET /api/v1/health "" -H "X-Request-Id: abc-123"
expect_eq "a sane client request id is echoed" "abc-123" "$(header X-Request-Id)"
long=$(printf 'x%.0s' $(seq 1 129))
api GET /api/v1/health "" -H "X-Request-Id: $long"
rid=$(header X-Request-Id)
expect_match "an over-long request id is replaced" '^[0-9a-f]{32}$' "$rid"
api GET /api/v1/health
expect_match "a request id is generated when absent" '^[0-9a-f]{32}$' "$(header X-Request-Id)"

# --- errors as problem+json -----------------------------------------------
api GET /api/v1/nothing-here
expect_problem 404 not_found
api POST /api/v1/health '{}'
expect_problem 405 method_not_allowed
expect_eq "405 lists allowed methods" "GET" "$(header Allow)"

# --- body limit: 413 and the connection is closed --------------------------
head -c 1100000 /dev/zero | tr '\0' 'a' >"$T/big"
STATUS=$(curl -sS -o "$T/body" -D "$T/headers" -w '%{http_code}' -H 'Content-Type: application/json' \
  --data-binary @"$T/big" "$BASE/api/v1/health"); BODY=$(cat "$T/body"); HEADERS=$T/headers
expect_problem 413 payload_too_large
expect_eq "413 closes the connection" "close" "$(header Connection | tr A-Z a-z)"

# --- keep-alive by default --------------------------------------------------
out=$(curl -sv -o /dev/null -o /dev/null "$BASE/api/v1/health" "$BASE/api/v1/health" 2>&1)
expect_match "second request reuses the connection" "Re-using existing connection" "$out"
if grep -qi '^< connection: close' <<<"$out"; then fail "no Connection: close on HTTP/1.1"; else ok "no Connection: close on HTTP/1.1"; fi

# --- metrics, summed over every worker -----------------------------------------------
metric() { curl -s "$BASE/metrics" | awk -v k="$1" '$1 == k {print $2}'; }
before=$(metric 'tenantca_http_responses_total{code="2xx"}')
for _ in $(seq 1 20); do curl -s -o /dev/null "$BASE/api/v1/health"; done
after=$(metric 'tenantca_http_responses_total{code="2xx"}')
if [ $((after - before)) -ge 20 ]; then ok "2xx counter counts requests served by any worker (+$((after - before)))"; else fail "2xx counter +$((after - before))"; fi
expect_eq "metrics show the ready workers" 3 "$(metric 'tenantca_workers{state="ready"}')"
expect_eq "metrics show the database up" 1 "$(metric tenantca_database_up)"
api GET /metrics
expect_match "metrics content type" "^text/plain; version=0.0.4" "$(header Content-Type)"

# --- process model --------------------------------------------------------
expect_eq "pid file holds the master pid" "$DAEMON_PID" "$(cat "$T/tenantca.pid")"
mapfile -t pids < <(worker_pids)
expect_eq "three workers forked" 3 "${#pids[@]}"
victim=${pids[0]}
kill -KILL "$victim"
for _ in $(seq 1 10); do
  mapfile -t now < <(worker_pids)
  if [ "${#now[@]}" -eq 3 ] && ! printf '%s\n' "${now[@]}" | grep -qx "$victim"; then break; fi
  sleep 0.1
done
mapfile -t now < <(worker_pids)
expect_eq "a killed worker is replaced within 1 s" 3 "${#now[@]}"
if printf '%s\n' "${now[@]}" | grep -qx "$victim"; then fail "killed worker gone"; else ok "killed worker gone"; fi
expect_eq "the end by SIGKILL is counted" 1 "$(metric 'tenantca_worker_ends_total{how="sigkill"}')"
api GET /api/v1/health
expect_status 200 "still healthy after a worker loss"

# --- graceful stop -----------------------------------------------------------
master=$DAEMON_PID
start=$(date +%s%N)
kill -TERM "$master"
if wait "$master"; then rc=0; else rc=$?; fi
DAEMON_PID=""
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "SIGTERM: master exits 0" 0 "$rc"
if [ "$elapsed_ms" -lt 10000 ]; then ok "idle shutdown is prompt (${elapsed_ms} ms)"; else fail "idle shutdown took ${elapsed_ms} ms"; fi
[ -e "$T/tenantca.pid" ] && fail "pid file removed" || ok "pid file removed"
if pgrep -f "$T/tenantca.toml" >/dev/null; then fail "no worker left behind"; else ok "no worker left behind"; fi

finish
