# Behind a reverse proxy every client has the proxy's address: only peers in
# server.trusted_proxies may name the client (X-Forwarded-For, rightmost
# untrusted hop). The client address is what the audit events record and
# what the per-client limit of /pki/* counts; a header from any other peer is
# ignored, so a client cannot spoof its way around its limit.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"

new_database
migrate
WORKERS=2 write_config "[server]" 'trusted_proxies = "127.0.0.2/32"' "[rate_limit]" "public_rps = 1" "public_burst = 2"
start_daemon
OPKEY=$(operator_key)
setup_tenant acme
cd "$T"
API_KEY=$OWNER api POST /api/v1/cas '{"name":"root","type":"root","subject":{"common_name":"Proxy Root"}}'
CA=$(jget .id)
PROXY=(--interface 127.0.0.2)   # the trusted proxy's address on this machine

# Audit events record the client the trusted proxy names, and not a spoof.
API_KEY=$OWNER api POST /api/v1/api-keys '{"name":"via-proxy","role":"reader"}' "${PROXY[@]}" -H 'X-Forwarded-For: 6.6.6.6, 203.0.113.7'
expect_status 201 "a key created through the trusted proxy"
VIA=$(jget .id)
API_KEY=$OWNER api POST /api/v1/api-keys '{"name":"spoofed","role":"reader"}' -H 'X-Forwarded-For: 203.0.113.99'
expect_status 201 "a key created directly with a forged header"
SPOOF=$(jget .id)
API_KEY=$OWNER api GET "/api/v1/audit-events?limit=100"
client_of() { jget "[.items[] | select(.target_id == \"$1\")][0].detail.client_address"; }
expect_eq "the trusted proxy's client is recorded (rightmost hop)" 203.0.113.7 "$(client_of "$VIA")"
expect_eq "a forged header from an untrusted peer is ignored" 127.0.0.1 "$(client_of "$SPOOF")"

# The per-client bucket on /pki/*: clients behind the proxy each have their own;
# forged headers from an untrusted peer all share the peer's.
codes() { # curl args...: status of 3 requests
  local out="" i
  for i in 1 2 3; do out+="$(curl -s -o /dev/null -w '%{http_code}' "$@" "$BASE/pki/$CA/ca.crt") "; done
  echo "$out"
}
expect_eq "client A behind the proxy: burst 2, then 429" "200 200 429 " "$(codes "${PROXY[@]}" -H 'X-Forwarded-For: 198.51.100.1')"
expect_eq "client B behind the proxy has its own bucket" "200 200 429 " "$(codes "${PROXY[@]}" -H 'X-Forwarded-For: 198.51.100.2')"
first=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 198.51.100.3' "$BASE/pki/$CA/ca.crt")
rest=$(codes -H 'X-Forwarded-For: 198.51.100.4')
expect_eq "an untrusted peer cannot escape its bucket by forging headers" "200 200 429 429 " "$first $rest"
finish
