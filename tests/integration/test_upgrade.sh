# SIGUSR2: the master re-executes the binary in place under load. The pid
# stays (systemd keeps supervising), the old workers serve until the new ones
# listen, and no request fails.
source "$(dirname "$0")/lib.sh"

new_database
migrate
WORKERS=2 write_config
start_daemon
mapfile -t old_workers < <(worker_pids)
load_start 4 4 /api/v1/health
sleep 1
kill -USR2 "$DAEMON_PID"
wait_for 15 grep -q "upgrade finished: the new binary serves" "$T/daemon.log" && ok "upgrade finished" || fail "upgrade finished"
sleep 1.5
load_stop
echo "# USR2 upgrade under load: $LOAD_TOTAL requests, $LOAD_FAILED failed"
[ "$LOAD_TOTAL" -gt 0 ] && ok "clients ran through the upgrade" || fail "no requests made"
expect_eq "zero failed requests across the in-place upgrade" 0 "$LOAD_FAILED"
kill -0 "$DAEMON_PID" && ok "the master keeps its pid ($DAEMON_PID)" || fail "master pid changed"
expect_eq "pid file unchanged" "$DAEMON_PID" "$(cat "$T/tenantca.pid")"
wait_for 10 bash -c "! kill -0 ${old_workers[0]} 2>/dev/null && ! kill -0 ${old_workers[1]} 2>/dev/null" && ok "old workers exited" || fail "old workers still running"
wait_for 5 worker_count_is 2 && ok "two new workers serve" || fail "worker count $(pgrep -P "$DAEMON_PID" | wc -l)"
expect_match "the old workers' exit is logged" "worker pid ${old_workers[0]} of the previous binary exited with status 0" "$(cat "$T/daemon.log")"
api GET /api/v1/health
expect_status 200 "healthy after the upgrade"
master=$DAEMON_PID
kill -TERM "$master"
if wait "$master"; then rc=0; else rc=$?; fi
DAEMON_PID=""
expect_eq "TERM after an upgrade: exit 0" 0 "$rc"
finish
