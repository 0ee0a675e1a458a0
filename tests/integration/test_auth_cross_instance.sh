# Two instances (separate masters) on one database: a key deleted through one
# is refused by every worker of the other within 1 s (LISTEN/NOTIFY), and so
# is a disabled tenant's key.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"

new_database
migrate
WORKERS=2 write_config
start_daemon
A_BASE=$BASE; A_PID=$DAEMON_PID
start_second_instance

OPKEY=$(operator_key)
setup_tenant acme
on_b() { BASE=$B_BASE api "$@"; }
# Warm the reader key into B's workers' caches.
for _ in 1 2 3 4 5 6; do API_KEY=$READER on_b GET /api/v1/cas; done
expect_status 200 "reader works on instance B"
API_KEY=$OWNER api GET /api/v1/api-keys
reader_id=$(jget '.items[] | select(.name=="reader") | .id')
API_KEY=$OWNER api DELETE "/api/v1/api-keys/$reader_id"
expect_status 204 "key deleted through instance A"
all_b() { # key status: 8 requests to instance B in a row get that status
  local i
  for i in 1 2 3 4 5 6 7 8; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" "$B_BASE/api/v1/cas")" = "$2" ] || return 1
  done
}
wait_for 1 all_b "$READER" 401 && ok "instance B refuses the deleted key on every request within 1 s" || fail "instance B still accepts the deleted key"

for _ in 1 2 3 4 5 6; do API_KEY=$ISSUER on_b GET /api/v1/cas; done
API_KEY=$OPKEY api PATCH "/api/v1/tenants/$TENANT_ID" '{"disabled":true}'
wait_for 1 all_b "$ISSUER" 403 && ok "instance B refuses a disabled tenant's key within 1 s" || fail "instance B still accepts the disabled tenant's key"
finish
