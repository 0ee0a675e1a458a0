# SIGUSR2 upgrades to the binary installed now: a package manager renames a
# new file over the running one; USR2 executes the file at the path the master
# started from (not the deleted inode /proc/self/exe still names), in the same
# pid, under load, with no failed request. A binary that cannot run the
# configuration is refused and the old one keeps serving.
source "$(dirname "$0")/lib.sh"
: "${TENANTCA_NEXT_BIN:?TENANTCA_NEXT_BIN is not set (the +next build)}"

new_database
migrate
mkdir -p "$T/bin"
cp "$TENANTCA_BIN" "$T/bin/tenantca"
OLD_VERSION=$("$TENANTCA_BIN" version | awk '{print $2}')
NEXT_VERSION=$("$TENANTCA_NEXT_BIN" version | awk '{print $2}')
[ "$OLD_VERSION" != "$NEXT_VERSION" ] && ok "two builds of different versions ($OLD_VERSION, $NEXT_VERSION)" || fail "same version"
WORKERS=2 write_config
TENANTCA_BIN=$T/bin/tenantca start_daemon
version_served() { API_KEY="" api GET /api/v1/health; jget .version; }
build_info() { curl -s "$BASE/metrics" | sed -n 's/^tenantca_build_info{version="\([^"]*\)"} 1$/\1/p'; }
expect_eq "the old version serves" "$OLD_VERSION" "$(version_served)"
mapfile -t old_workers < <(worker_pids)

# A next release that needs a schema the database does not have yet is refused
# before anything is handed over (check-config --serve-checks).
cp "$TENANTCA_NEXT_BIN" "$T/bin/.tenantca.new"
mv -f "$T/bin/.tenantca.new" "$T/bin/tenantca"
kill -USR2 "$DAEMON_PID"
wait_for 10 metric_at_least tenantca_upgrades_refused_total 1 && ok "USR2 before the schema migration is refused" || fail "no refusal"
expect_eq "and the old version keeps serving" "$OLD_VERSION" "$(version_served)"
rc=0; "$TENANTCA_NEXT_BIN" migrate --database-url "$DB_URL" >/dev/null || rc=$?
expect_eq "the next release's migration (compatible with the running one)" 0 "$rc"

# Install the new version as dpkg does: write beside, then rename over.
cp "$TENANTCA_NEXT_BIN" "$T/bin/.tenantca.new"
mv -f "$T/bin/.tenantca.new" "$T/bin/tenantca"
expect_match "the running master's /proc/self/exe now names a deleted file" "deleted" "$(readlink "/proc/$DAEMON_PID/exe")"
load_start 4 4 /api/v1/health
wait_for 5 bash -c "[ \$(cat $T/load.* 2>/dev/null | wc -l) -gt 0 ]"
kill -USR2 "$DAEMON_PID"
new_version_serves() { [ "$(version_served)" = "$NEXT_VERSION" ] && [ "$(build_info)" = "$NEXT_VERSION" ]; }
wait_for 15 new_version_serves && ok "after USR2 the new version serves (health and tenantca_build_info)" || fail "still $(version_served)"
wait_for 10 bash -c "! kill -0 ${old_workers[0]} 2>/dev/null && ! kill -0 ${old_workers[1]} 2>/dev/null" && ok "old workers exited" || fail "old workers still running"
load_stop
echo "# USR2 upgrade to a new binary under load: $LOAD_TOTAL requests, $LOAD_FAILED failed"
[ "$LOAD_TOTAL" -gt 0 ] && ok "clients ran through the upgrade" || fail "no requests made"
expect_eq "zero failed requests across the upgrade" 0 "$LOAD_FAILED"
kill -0 "$DAEMON_PID" && ok "the master keeps its pid ($DAEMON_PID)" || fail "master pid changed"
expect_eq "pid file unchanged" "$DAEMON_PID" "$(cat "$T/tenantca.pid")"
expect_eq "the master now runs the new file" "$T/bin/tenantca" "$(readlink "/proc/$DAEMON_PID/exe")"
wait_for 5 worker_count_is 2 && ok "two new workers serve" || fail "worker count $(pgrep -P "$DAEMON_PID" | wc -l)"

# A broken upgrade: the file installed now cannot run. USR2 is refused; the
# running version keeps serving.
printf '#!/bin/sh\nexit 1\n' >"$T/bin/.tenantca.new"; chmod +x "$T/bin/.tenantca.new"
mv -f "$T/bin/.tenantca.new" "$T/bin/tenantca"
refused_before=$(metric_value tenantca_upgrades_refused_total)
load_start 2 2 /api/v1/health
kill -USR2 "$DAEMON_PID"
wait_for 10 metric_at_least tenantca_upgrades_refused_total $((refused_before + 1)) && ok "USR2 with a broken binary is refused" || fail "no refusal"
load_stop
expect_eq "zero failed requests when the upgrade is refused" 0 "$LOAD_FAILED"
kill -0 "$DAEMON_PID" && ok "the master is still running" || fail "master died"
expect_eq "the running version keeps serving" "$NEXT_VERSION" "$(version_served)"

master=$DAEMON_PID
kill -TERM "$master"
if wait "$master"; then rc=0; else rc=$?; fi
DAEMON_PID=""
expect_eq "TERM after an upgrade: exit 0" 0 "$rc"
finish
