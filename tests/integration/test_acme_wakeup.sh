# A challenge the client asks to be validated wakes the validation runners
# through PostgreSQL (LISTEN tenantca_acme), not at their next look at the
# queue: with that look ten minutes apart (acme.validation_poll_ms), an order
# still becomes ready while the client waits (30 s at most). Then a retry that
# comes due is found by the look itself, at the configured pace.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"
source "$(dirname "$0")/acme_lib.sh"

new_database
migrate
HTTP01=$(free_port)
write_config '[acme]' "http01_port = $HTTP01" "validation_timeout_ms = 2000" "validation_poll_ms = 600000"
start_daemon
OPKEY=$(operator_key)
setup_tenant wakeco
API_KEY=$OWNER api POST /api/v1/cas '{"name":"root","type":"root","subject":{"common_name":"Wake Root"},"key":{"type":"ec","curve":"P-256"},"policy":{"allowed_ip_ranges":["127.0.0.0/8"]}}'
CA=$(jget .id)
API_KEY=$OWNER api PATCH "/api/v1/cas/$CA" '{"acme":{"enabled":true,"challenges":["http-01"]}}'
expect_status 200 "ACME enabled for the CA"
DIR="$BASE/acme/$CA/directory"

wakeups() { curl -s "$BASE/metrics" | sed -n 's/^tenantca_acme_validation_wakeups_total //p'; }
before=$(wakeups)
new_eab wake
out=$("$PY" "$ACME_CLIENT" ip "$DIR" "" "$KID" "$HMAC" 127.0.0.1 "$HTTP01" 2>&1) || true
expect_match "a posted challenge is validated at once, not at the next look ten minutes away" \
  "ip identifier: valid IP:127.0.0.1" "$out"
after=$(wakeups)
[ "${after:-0}" -gt "${before:-0}" ] && ok "the workers were woken by the database ($before -> $after)" \
  || fail "no wake-ups counted ($before -> $after)"
finish
