# Worker replacement without loss: max_requests restarts under load, and the
# master's back-off and final exit code when workers cannot boot.
source "$(dirname "$0")/lib.sh"

new_database
migrate

# --- max_requests + jitter under load: zero failed requests ----------------------------
WORKERS=2 write_config "max_requests = 40" "max_requests_jitter = 10"
start_daemon
starts() { curl -s "$BASE/metrics" | sed -n 's/^tenantca_worker_starts_total //p'; }
load_start 4 4 /api/v1/health
wait_for 30 bash -c "[ \"\$(curl -s $BASE/metrics | sed -n 's/^tenantca_worker_starts_total //p')\" -ge 5 ]" \
  && ok "workers are replaced after max_requests (worker_starts_total $(starts))" || fail "only $(starts) worker starts"
load_stop
expect_eq "zero failed requests across max_requests restarts" 0 "$LOAD_FAILED"
lo=$(metric_value 'tenantca_worker_request_limit{bound="min"}'); hi=$(metric_value 'tenantca_worker_request_limit{bound="max"}')
if [ "$lo" -ge 40 ] && [ "$hi" -le 50 ] && [ "$hi" -gt "$lo" ]; then
  ok "jitter gives workers different limits within 40..50 (drawn $lo..$hi)"
else
  fail "limits drawn $lo..$hi (max_requests 40, jitter 10)"
fi
stop_daemon

# --- boot failures: exponential back-off, then a distinct exit code -----------------------
rm -f "$T/tenantca.toml"
WORKERS=2 write_config "max_boot_failures = 4" '[testing]' 'fail_worker_boot = true'
start=$(date +%s%N)
if timeout 60 "$TENANTCA_BIN" serve --config "$T/tenantca.toml" >"$T/boot.log" 2>&1; then rc=0; else rc=$?; fi
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "master gives up with exit status 3 (worker boot error)" 3 "$rc"
# Two workers fail at once (failures 1 and 2: back-off 200, then 400 ms), the
# retries fail too (3 and 4): the master cannot give up before 400 ms.
[ "$elapsed" -ge 400 ] && ok "back-off grows: gave up after ${elapsed} ms, not at once" || fail "gave up after ${elapsed} ms, before the 400 ms back-off"
expect_match "the give-up is logged clearly" "4 consecutive worker boot failures; giving up" "$(cat "$T/boot.log")"
echo "# gave up after ${elapsed} ms"

# --- boot_timeout: a worker that never reports ready is aborted and counted a boot failure ---------
rm -f "$T/tenantca.toml"
WORKERS=1 write_config "max_boot_failures = 2" "boot_timeout = 1" '[testing]' 'hang_worker_boot = true'
start=$(date +%s%N)
if timeout 60 "$TENANTCA_BIN" serve --config "$T/tenantca.toml" >"$T/hang.log" 2>&1; then rc=0; else rc=$?; fi
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "hung boots end in the boot-failure exit status 3" 3 "$rc"
[ "$elapsed" -ge 2000 ] && [ "$elapsed" -lt 30000 ] && ok "each hung boot lasted boot_timeout (1 s), not forever (${elapsed} ms for 2)" \
  || fail "gave up after ${elapsed} ms"
finish
