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
sleep 1
refused=0
for _ in $(seq 1 8); do API_KEY=$READER on_b GET /api/v1/cas; [ "$STATUS" = 401 ] && refused=$((refused + 1)); done
expect_eq "instance B refuses the deleted key on every request after 1 s" 8 "$refused"

for _ in 1 2 3 4 5 6; do API_KEY=$ISSUER on_b GET /api/v1/cas; done
API_KEY=$OPKEY api PATCH "/api/v1/tenants/$TENANT_ID" '{"disabled":true}'
sleep 1
forbidden=0
for _ in $(seq 1 8); do API_KEY=$ISSUER on_b GET /api/v1/cas; [ "$STATUS" = 403 ] && forbidden=$((forbidden + 1)); done
expect_eq "instance B refuses a disabled tenant's key after 1 s" 8 "$forbidden"
finish
