# An mTLS round trip with real peers: nginx serves a certificate we issued and
# verifies client certificates against the tenant's CA chain and CRLs; curl
# presents an issued client certificate. After revocation and a CRL reload
# nginx refuses the same client.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"

start_with_tenant
cd "$T"

API_KEY=$OWNER api POST /api/v1/cas '{"name":"root","type":"root","subject":{"common_name":"mTLS Root"},"max_path_length":1,"policy":{"max_validity_days":30}}'
ROOT=$(jget .id); pem_of >root.pem
API_KEY=$OWNER api POST /api/v1/cas "{\"name\":\"int\",\"type\":\"intermediate\",\"parent_ca_id\":\"$ROOT\",\"subject\":{\"common_name\":\"mTLS Issuing\"},\"policy\":{\"max_validity_days\":30}}"
INT=$(jget .id); pem_of >int.pem

API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$INT\",\"subject\":{\"common_name\":\"localhost\"},\"sans\":{\"dns\":[\"localhost\"],\"ip\":[\"127.0.0.1\"]},\"usage\":[\"server_auth\"],\"validity_days\":7}"
expect_status 201 "server certificate issued"
pem_of >server.pem; jget .private_key_pem >server.key; cat server.pem int.pem >server-chain.pem
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$INT\",\"subject\":{\"common_name\":\"client-1\"},\"usage\":[\"client_auth\"],\"validity_days\":7}"
expect_status 201 "client certificate issued"
CLIENT=$(jget .id); pem_of >client.pem; jget .private_key_pem >client.key

# Both CRLs or neither: a failed fetch (a busy machine) must not leave nginx
# a bundle without the root's CRL, which its reload would refuse.
fetch_crls() {
  curl -sf "$BASE/pki/$INT/crl" -o int.crl.der && curl -sf "$BASE/pki/$ROOT/crl" -o root.crl.der &&
    openssl crl -inform DER -in int.crl.der -out int.crl.pem &&
    openssl crl -inform DER -in root.crl.der -out root.crl.pem &&
    cat int.crl.pem root.crl.pem >crls.pem.new && mv crls.pem.new crls.pem
}
fetch_crls
cat int.pem root.pem >client-ca.pem
NPORT=$(free_port)
mkdir -p nginx
cat >nginx/nginx.conf <<NGINX
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log info;
events {}
http {
  access_log off;
  server {
    listen 127.0.0.1:$NPORT ssl;
    ssl_certificate $T/server-chain.pem;
    ssl_certificate_key $T/server.key;
    ssl_client_certificate $T/client-ca.pem;
    ssl_verify_client on;
    ssl_verify_depth 2;
    ssl_crl $T/crls.pem;
    location / { return 200 "hello \$ssl_client_s_dn\n"; }
  }
}
NGINX
nginx -c "$T/nginx/nginx.conf" -p "$T/nginx" -g 'daemon on;'
defer nginx -c "$T/nginx/nginx.conf" -p "$T/nginx" -s stop
call() { curl -s -o out.txt -w '%{http_code}' --cacert root.pem --cert client.pem --key client.key "https://localhost:$NPORT/"; }
wait_for 5 curl -s -o /dev/null --cacert root.pem "https://localhost:$NPORT/" || fail "nginx did not start"
expect_eq "mTLS: issued client certificate accepted (200)" 200 "$(call)"
expect_match "nginx saw the client's subject" "client-1" "$(cat out.txt)"
expect_eq "mTLS: no client certificate -> 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' --cacert root.pem "https://localhost:$NPORT/")"

API_KEY=$ISSUER api POST "/api/v1/certificates/$CLIENT/revoke" '{"reason":"key_compromise"}'
expect_status 200 "client certificate revoked"
# Another worker may serve its cached CRL until the revocation's
# notification reaches it (milliseconds): fetch until the CRL lists it.
client_serial=$(openssl x509 -in client.pem -noout -serial | cut -d= -f2)
crl_lists_client() { fetch_crls && openssl crl -in int.crl.pem -noout -text | grep -qi "Serial Number: *$client_serial"; }
wait_for 5 crl_lists_client && ok "the intermediate's CRL lists the revoked client" || fail "the CRL never listed the client"
# nginx's new workers load the new CRL; until the old ones have exited, a
# connection may still reach one of them (and be accepted): wait for that.
old_workers=$(pgrep -P "$(cat "$T/nginx/nginx.pid")" | tr '\n' ' ')
nginx -c "$T/nginx/nginx.conf" -p "$T/nginx" -s reload
old_workers_gone() {
  local p
  for p in $old_workers; do kill -0 "$p" 2>/dev/null && return 1; done
  [ -n "$(pgrep -P "$(cat "$T/nginx/nginx.pid")")" ]
}
wait_for 30 old_workers_gone && ok "nginx replaced its workers" || fail "nginx's old workers are still running"
expect_eq "mTLS: revoked client refused after the CRL reload (400)" 400 "$(call)"
expect_match "nginx logged the revocation" "revoked" "$(cat nginx/error.log)"
finish
