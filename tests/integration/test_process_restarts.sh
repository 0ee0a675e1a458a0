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
limits=$(grep -o "max_requests ([0-9]*) reached" "$T/daemon.log" | sort -u | wc -l)
[ "$limits" -ge 2 ] && ok "jitter gives workers different limits ($limits distinct)" || fail "no jitter visible"
stop_daemon

# --- boot failures: exponential back-off, then a distinct exit code -----------------------
rm -f "$T/tenantca.toml"
WORKERS=2 write_config "max_boot_failures = 4" '[testing]' 'fail_worker_boot = true'
start=$(date +%s%N)
if timeout 60 "$TENANTCA_BIN" serve --config "$T/tenantca.toml" >"$T/boot.log" 2>&1; then rc=0; else rc=$?; fi
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "master gives up with exit status 3 (worker boot error)" 3 "$rc"
expect_match "back-off grows" "next attempt in 200 ms.*next attempt in 400 ms" "$(tr '\n' ' ' <"$T/boot.log")"
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
