# Rolling schema changes (expand/contract): the next release migrates the
# shared database while the old release keeps serving, reloading and
# restarting, because the new migration declares itself compatible with the
# old schema; a migration that does not is refused by old binaries with the
# exact reason.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"
: "${TENANTCA_NEXT_BIN:?TENANTCA_NEXT_BIN is not set (the +next build)}"

OLD=$(find "$(dirname "$0")/../../db/migrations" -name '*.sql' | wc -l)  # the old release's schema
start_with_tenant
cd "$T"
API_KEY=$OWNER api POST /api/v1/cas '{"name":"root","type":"root","subject":{"common_name":"Roll"}}'
CA=$(jget .id)
schema() { psql_db -c "SELECT max(version) FROM schema_migrations"; }
expect_eq "the old release's schema" "$OLD" "$(schema)"

rc=0; out=$("$TENANTCA_NEXT_BIN" migrate --database-url "$DB_URL" 2>&1) || rc=$?
expect_eq "the next release migrates (exit 0)" 0 "$rc"
expect_match "it applied its expand step" "applied 0099_upgrade_probe" "$out"
expect_eq "the database is at the next release's schema" 99 "$(schema)"
expect_eq "the migration recorded whom it stays compatible with" "$OLD" \
  "$(psql_db -c "SELECT compatible_with FROM schema_migrations WHERE version = 99")"

issue() { API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$CA\",\"subject\":{\"common_name\":\"$1.example\"}}"; }
issue old-after-migrate
expect_status 201 "the old release keeps issuing on the newer schema"
kill -HUP "$DAEMON_PID"
reloaded() { [ "$(curl -s "$BASE/metrics" | sed -n 's/^tenantca_worker_ends_total{how="graceful"} //p')" -ge 2 ]; }
wait_for 15 reloaded && ok "the old release reloads on the newer schema" || fail "reload did not start new workers"
issue old-after-reload
expect_status 201 "and issues after the reload"
stop_daemon
rc=0; start_daemon || rc=$?
expect_eq "the old release restarts on the newer schema" 0 "$rc"
issue old-after-restart
expect_status 201 "and issues after the restart"

# The next release serves the same database beside it.
start_next() {
  NEXT_PORT=$(free_port)
  sed -e "s/127.0.0.1:$PORT/127.0.0.1:$NEXT_PORT/" -e "s|$T/tenantca.pid|$T/next.pid|" "$T/tenantca.toml" >"$T/next.toml"
  "$TENANTCA_NEXT_BIN" serve --config "$T/next.toml" >>"$T/next.log" 2>&1 &
  NEXT_PID=$!
  defer stop_pid "$NEXT_PID"
}
start_next
wait_for 10 curl -fs -o /dev/null "http://127.0.0.1:$NEXT_PORT/api/v1/health" && ok "the next release serves the same database" || fail "next release not up"
expect_match "it reports its version" '\+next' "$(curl -s "http://127.0.0.1:$NEXT_PORT/api/v1/health" | jq -r .version)"

# A contract step (not compatible with schema $OLD): old binaries refuse to start, saying why.
psql_db -c "INSERT INTO schema_migrations (version, name, compatible_with) VALUES (100, '0100_drop_something', 100)"
stop_daemon
rc=0; out=$(timeout 20 "$TENANTCA_BIN" serve --config "$T/tenantca.toml" 2>&1) || rc=$?
expect_eq "the old release refuses a schema it cannot work with (exit 4)" 4 "$rc"
expect_match "the refusal names the migration and the versions" \
  "0100_drop_something works only with binaries of schema 100 or newer, this binary is at $OLD" "$out"
psql_db -c "DELETE FROM schema_migrations WHERE version = 100"
finish
