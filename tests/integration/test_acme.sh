# ACME (RFC 8555) end to end with real clients, through a TLS front (nginx
# terminating HTTPS with a certificate tenantca issued for itself, in front of
# two instances on one database): lego over http-01, dns-01 (a wildcard, TXT
# records in pebble-challtestsrv, the DNS server the CA resolves through) and
# tls-alpn-01; certbot over http-01 (standalone) and dns-01 (manual hooks);
# renewal and revocation (seen in OCSP and the CRL); and the refusals real
# clients never provoke, from tests/integration/acme_client.py.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"
source "$(dirname "$0")/acme_lib.sh"

new_database
migrate
HTTP01=$(free_port); TLSALPN=$(free_port); DNSP=$(free_port); MGMT=$(free_port); NPORT=$(free_port)
pebble-challtestsrv -management "127.0.0.1:$MGMT" -dns01 "127.0.0.1:$DNSP" -http01 "" -https01 "" -tlsalpn01 "" \
  -defaultIPv4 127.0.0.1 -defaultIPv6 "" >"$T/challtestsrv.log" 2>&1 &
defer kill $!
wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$MGMT/" || fail "challtestsrv did not start"
PUBLIC_URL="https://localhost:$NPORT" write_config '[acme]' "dns_resolver = \"127.0.0.1:$DNSP\"" \
  "http01_port = $HTTP01" "tlsalpn01_port = $TLSALPN" "validation_timeout_ms = 2000"
start_daemon
A_BASE=$BASE
start_second_instance
OPKEY=$(operator_key)
TENANT_RPS=100000 setup_tenant acmeco
API_KEY=$OWNER api POST /api/v1/cas '{"name":"root","type":"root","subject":{"common_name":"Acmeco Root"},"key":{"type":"ec","curve":"P-256"},"policy":{"allowed_domains":["acmeco.example","localhost"],"allowed_ip_ranges":["127.0.0.0/8","169.254.0.0/16"],"allow_wildcards":true}}'
CA=$(jget .id); pem_of >"$T/root.pem"
DIR="https://localhost:$NPORT/acme/$CA/directory"

# --- ACME is off until the owner turns it on ----------------------------------------------
expect_eq "directory of a CA without ACME: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$A_BASE/acme/$CA/directory")"
API_KEY=$OWNER api PATCH "/api/v1/cas/$CA" '{"acme":{"enabled":true,"challenges":["http-01","dns-01","tls-alpn-01"]}}'
expect_status 200 "ACME enabled for the CA"
expect_json "the CA shows it" .acme.enabled true
API_KEY=$OWNER api PATCH "/api/v1/cas/$CA" '{"acme":{"enabled":true,"challenges":["smtp-01"]}}'
expect_problem 400 invalid_request

# --- the TLS front: a certificate tenantca issued for itself ------------------------------------
API_KEY=$ISSUER api POST /api/v1/certificates '{"ca_id":"'"$CA"'","subject":{"common_name":"localhost"},"sans":{"dns":["localhost"],"ip":["127.0.0.1"]},"usage":["server_auth"],"validity_days":7}'
jget .certificate_pem >"$T/front.pem"; jget .private_key_pem >"$T/front.key"
mkdir -p "$T/nginx"
cat >"$T/nginx/nginx.conf" <<NGINX
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events {}
http {
  access_log off;
  upstream tenantca { server ${A_BASE#http://}; server ${B_BASE#http://}; }
  server {
    listen 127.0.0.1:$NPORT ssl;
    ssl_certificate $T/front.pem;
    ssl_certificate_key $T/front.key;
    location / {
      proxy_pass http://tenantca;
      proxy_set_header Host \$host:\$server_port;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto https;
    }
  }
}
NGINX
nginx -c "$T/nginx/nginx.conf" -p "$T/nginx" -g 'daemon on;'
defer nginx -c "$T/nginx/nginx.conf" -p "$T/nginx" -s stop
wait_for 5 curl -sf -o /dev/null --cacert "$T/root.pem" "$DIR" && ok "the directory answers over HTTPS (tenantca's own certificate)" || fail "no HTTPS directory"
dir_json=$(curl -s --cacert "$T/root.pem" "$DIR")
expect_eq "the directory requires external account binding" true "$(jq -r .meta.externalAccountRequired <<<"$dir_json")"
expect_match "its URLs are under the public https URL" "^https://localhost:$NPORT/acme/$CA/new-order$" "$(jq -r .newOrder <<<"$dir_json")"

issued_listed() { # dns name: the certificate shows in the REST inventory
  API_KEY=$READER api GET "/api/v1/certificates?dns_name=$1"
  [ "$(jq '.items | length' <<<"$BODY")" -ge 1 ]
}
ocsp_status() { # leaf-pem -> good | revoked | ...
  openssl ocsp -issuer "$T/root.pem" -cert "$1" -url "$A_BASE/pki/$CA/ocsp" -CAfile "$T/root.pem" 2>/dev/null | sed -n "s|^$1: ||p"
}
crl_lists() { # leaf-pem
  local serial
  serial=$(openssl x509 -in "$1" -noout -serial 2>/dev/null | cut -d= -f2)
  [ -n "$serial" ] || return 1
  curl -s "$A_BASE/pki/$CA/crl" | openssl crl -inform DER -noout -text | grep -qi "Serial Number: *$serial"
}

# --- lego: http-01, then renew and revoke ---------------------------------------------------------
export LEGO_CA_CERTIFICATES="$T/root.pem"
new_eab lego
LEGO=(lego --server "$DIR" --path "$T/lego" --accept-tos --email ops@acmeco.example --eab --kid="$KID" --hmac="$HMAC")
if timeout 90 "${LEGO[@]}" --domains www.acmeco.example --http --http.port "127.0.0.1:$HTTP01" run >"$T/lego-http.log" 2>&1; then
  ok "lego obtains a certificate over http-01"
else
  fail "lego http-01: $(tail -3 "$T/lego-http.log")"
fi
LEAF="$T/lego/certificates/www.acmeco.example.crt"
openssl x509 -in "$LEAF" -out "$T/lego-leaf.pem" 2>/dev/null  # the leaf alone (the file holds the chain)
expect_match "it verifies against the tenant chain" ": OK" "$(openssl verify -CAfile "$T/root.pem" "$T/lego-leaf.pem" 2>&1)"
issued_listed www.acmeco.example && ok "it shows in GET /api/v1/certificates" || fail "not in the inventory"
API_KEY=$READER api GET /api/v1/acme/accounts
expect_eq "the account is listed with its EAB key" "valid" "$(jq -r '.items[0].status' <<<"$BODY")"
API_KEY=$OWNER api GET /api/v1/acme/eab-keys
expect_eq "the EAB key is marked used" 1 "$(jq '[.items[] | select(.used_at != null)] | length' <<<"$BODY")"
expect_eq "ACME actions are audited with the account as actor" 1 \
  "$(psql_db -c "SELECT count(*) > 0 FROM audit_events WHERE action = 'certificate.issue' AND actor_account_id IS NOT NULL AND actor_key_id IS NULL" | grep -c t)"

before=$(openssl x509 -in "$T/lego-leaf.pem" -noout -serial)
if timeout 90 "${LEGO[@]}" --domains www.acmeco.example --http --http.port "127.0.0.1:$HTTP01" renew --days 100000 --no-random-sleep >"$T/lego-renew.log" 2>&1; then
  ok "lego renews"
else
  fail "lego renew: $(tail -5 "$T/lego-renew.log")"
fi
openssl x509 -in "$LEAF" -out "$T/lego-renewed.pem" 2>/dev/null
[ "$(openssl x509 -in "$T/lego-renewed.pem" -noout -serial)" != "$before" ] && ok "the renewal is a new certificate" || fail "same serial after renew"
expect_eq "OCSP says good before revocation" good "$(ocsp_status "$T/lego-renewed.pem")"
if timeout 60 "${LEGO[@]}" --domains www.acmeco.example revoke >"$T/lego-revoke.log" 2>&1; then ok "lego revokes"; else fail "lego revoke: $(tail -3 "$T/lego-revoke.log")"; fi
wait_for 5 bash -c "[ \"\$(openssl ocsp -issuer '$T/root.pem' -cert '$T/lego-renewed.pem' -url '$A_BASE/pki/$CA/ocsp' -CAfile '$T/root.pem' 2>/dev/null | sed -n 's|^$T/lego-renewed.pem: ||p')\" = revoked ]" \
  && ok "OCSP says revoked" || fail "OCSP: $(ocsp_status "$T/lego-renewed.pem")"
wait_for 5 crl_lists "$T/lego-renewed.pem" && ok "the CRL lists it" || fail "not in the CRL"

# --- lego: dns-01 for a wildcard, TXT records through challtestsrv ------------------------------
write_dns_hooks "$MGMT"
if EXEC_PATH="$T/txt-hook.sh" timeout 90 "${LEGO[@]}" --domains '*.acmeco.example' --dns exec --dns.resolvers "127.0.0.1:$DNSP" \
    --dns.disable-cp run >"$T/lego-dns.log" 2>&1; then
  ok "lego obtains a wildcard certificate over dns-01"
else
  fail "lego dns-01: $(tail -3 "$T/lego-dns.log")"
fi
expect_match "the wildcard is in the certificate" "DNS:\*.acmeco.example" \
  "$(openssl x509 -in "$T/lego/certificates/_.acmeco.example.crt" -noout -ext subjectAltName 2>&1)"

# --- an IP identifier (RFC 8738) over http-01 (lego 4.9 sends IPs as dns identifiers,
# which RFC 8555 refuses: the small client asks properly) -------------------------------------------
new_eab ip
out=$("$PY" "$ACME_CLIENT" ip "$DIR" "$T/root.pem" "$KID" "$HMAC" 127.0.0.1 "$HTTP01" 2>&1)
expect_match "an ip identifier validates over http-01 and issues" "ip identifier: valid IP:127.0.0.1" "$out"

# RFC 8738 6: an address cannot be an SNI HostName; the CA sends its reverse name.
new_eab ipalpn
out=$("$PY" "$ACME_CLIENT" ip-alpn "$DIR" "$T/root.pem" "$KID" "$HMAC" 127.0.0.1 "$TLSALPN" 2>&1)
expect_eq "an ip identifier validates over tls-alpn-01, SNI its in-addr.arpa name" \
  "ip tls-alpn-01: ready sni=1.0.0.127.in-addr.arpa" "$out"

# --- lego: tls-alpn-01 -------------------------------------------------------------------------------
if timeout 90 "${LEGO[@]}" --domains alpn.acmeco.example --tls --tls.port "127.0.0.1:$TLSALPN" run >"$T/lego-alpn.log" 2>&1; then
  ok "lego obtains a certificate over tls-alpn-01"
else
  fail "lego tls-alpn-01: $(tail -3 "$T/lego-alpn.log")"
fi

# --- certbot: http-01 standalone, dns-01 with manual hooks, revoke -------------------------------------
export REQUESTS_CA_BUNDLE="$T/root.pem"
new_eab certbot
certbot_for "$DIR"
if timeout 120 "${CERTBOT[@]}" --eab-kid="$KID" --eab-hmac-key="$HMAC" certonly --standalone \
    --http-01-port "$HTTP01" --http-01-address 127.0.0.1 -d cb.acmeco.example >"$T/certbot-http.log" 2>&1; then
  ok "certbot obtains a certificate over http-01"
else
  fail "certbot http-01: $(tail -5 "$T/certbot-http.log")"
fi
CB_LEAF="$T/cb/config/live/cb.acmeco.example/cert.pem"
expect_match "certbot's certificate verifies" ": OK" "$(openssl verify -CAfile "$T/root.pem" "$CB_LEAF" 2>&1)"
cb_serial=$(openssl x509 -in "$CB_LEAF" -noout -serial)
if timeout 120 "${CERTBOT[@]}" renew --force-renewal --no-random-sleep-on-renew >"$T/certbot-renew.log" 2>&1; then ok "certbot renews"; else fail "certbot renew: $(tail -5 "$T/certbot-renew.log")"; fi
[ "$(openssl x509 -in "$CB_LEAF" -noout -serial)" != "$cb_serial" ] && ok "certbot's renewal is a new certificate" || fail "certbot kept the old certificate"
if timeout 120 "${CERTBOT[@]}" certonly --manual --preferred-challenges dns --manual-auth-hook "$T/certbot-auth.sh" \
    -d dnscb.acmeco.example >"$T/certbot-dns.log" 2>&1; then
  ok "certbot obtains a certificate over dns-01 (manual hooks)"
else
  fail "certbot dns-01: $(tail -5 "$T/certbot-dns.log")"
fi
if timeout 60 "${CERTBOT[@]}" revoke --cert-path "$CB_LEAF" --reason keycompromise --no-delete-after-revoke >"$T/certbot-revoke.log" 2>&1; then
  ok "certbot revokes"
else
  fail "certbot revoke: $(tail -5 "$T/certbot-revoke.log")"
fi
wait_for 5 crl_lists "$CB_LEAF" && ok "certbot's revocation shows in the CRL" || fail "certbot's certificate not in the CRL"

# --- refusals ----------------------------------------------------------------------------------------------
new_eab good; GOOD_KID=$KID; GOOD_HMAC=$HMAC
OWNER_A=$OWNER; READER_A=$READER; ISSUER_A=$ISSUER
setup_tenant otherco; new_eab foreign; FOREIGN_KID=$KID; FOREIGN_HMAC=$HMAC
OWNER=$OWNER_A; READER=$READER_A; ISSUER=$ISSUER_A
counts() { psql_db -c "SELECT (SELECT count(*) FROM acme_accounts) || ' ' || (SELECT count(*) FROM certificates)"; }
c0=$(counts)
out=$("$PY" "$ACME_CLIENT" accounts "$DIR" "$T/root.pem" "$GOOD_KID" "$GOOD_HMAC" "$FOREIGN_KID" "$FOREIGN_HMAC" 2>&1)
expect_match "no EAB: externalAccountRequired" "no EAB: externalAccountRequired" "$out"
expect_match "another tenant's EAB: unauthorized" "foreign-tenant EAB: unauthorized" "$out"
expect_match "a wrong MAC: unauthorized" "EAB with a wrong MAC: unauthorized" "$out"
expect_match "a good EAB creates the account" "good EAB: created" "$out"
expect_match "an EAB is single-use" "reused EAB: unauthorized" "$out"
expect_eq "refusals wrote no account (one created)" "$(( ${c0% *} + 1 )) ${c0#* }" "$(counts)"

new_eab nonces
out=$("$PY" "$ACME_CLIENT" nonces "$DIR" "$T/root.pem" "$KID" "$HMAC" "$B_BASE" "https://localhost:$NPORT" 2>&1)
expect_match "a fresh nonce is accepted" "fresh nonce: ok" "$out"
expect_match "a nonce replayed on another instance: badNonce" "replayed on another instance: badNonce" "$out"
expect_match "a made-up nonce: badNonce" "made-up nonce: badNonce" "$out"
expect_match "a JWS for another URL: unauthorized" "wrong url: unauthorized" "$out"

new_eab orders
out=$("$PY" "$ACME_CLIENT" orders "$DIR" "$T/root.pem" "$KID" "$HMAC" api.acmeco.example www.google.com "$HTTP01" 2>&1)
expect_match "an identifier outside the policy: rejectedIdentifier" "identifier outside policy: rejectedIdentifier" "$out"
expect_match "a wrong key authorization: invalid, incorrectResponse" "wrong key authorization: invalid incorrectResponse" "$out"
expect_match "an unreachable responder: invalid, connection" "unreachable responder: invalid connection" "$out"
expect_match "the right key authorization: ready" "right key authorization: ready" "$out"
expect_match "a CSR with another name: badCSR" "CSR with another name: badCSR" "$out"
expect_match "a matching CSR: valid" "matching CSR: valid" "$out"
expect_match "revocation signed by the certificate's own key" "revoked by the certificate key: 200" "$out"
expect_match "a second revocation: alreadyRevoked" "revoked again: alreadyRevoked" "$out"
expect_match "the account's orders list: the pending and the valid order, newest first, no invalid one" "orders listed: 2 newest pending: True then valid: True" "$out"
new_eab paging
paged=$("$PY" "$ACME_CLIENT" orders-paging "$DIR" "$T/root.pem" "$KID" "$HMAC" acmeco.example 105 2>&1) || true
expect_match "a long orders list comes in pages of 100 through Link rel=next (RFC 8555 7.1.2.1)" \
  "pages: \[100, 5\] all listed once, newest first: True" "$paged"
expect_match "a cursor this server did not give: 400 malformed" "forged cursor: 400 malformed" "$paged"
expect_match "an authorization can be deactivated" "authorization deactivated: deactivated" "$out"
expect_match "an account can deactivate itself" "account deactivated: deactivated" "$out"
expect_match "a deactivated account is refused" "after deactivation: unauthorized" "$out"

new_eab redirect
out=$("$PY" "$ACME_CLIENT" redirect "$DIR" "$T/root.pem" "$KID" "$HMAC" redirect.acmeco.example "$HTTP01" "$(free_port)" 2>&1)
expect_match "a redirect is not followed (the answer is the 302): invalid" "redirected responder: invalid unauthorized" "$out"

# --- REST administration: deleting an EAB key, deactivating an account -------------------------------
API_KEY=$OWNER api POST /api/v1/acme/eab-keys '{"name":"withdrawn"}'
WITHDRAWN_ID=$(jget .id); WITHDRAWN_KID=$(jget .kid); WITHDRAWN_HMAC=$(jget .hmac_key)
API_KEY=$OWNER api DELETE "/api/v1/acme/eab-keys/$WITHDRAWN_ID"
expect_status 204 "an EAB key can be deleted"
API_KEY=$OWNER api GET /api/v1/acme/eab-keys
expect_eq "it is no longer listed" 0 "$(jq --arg id "$WITHDRAWN_ID" '[.items[] | select(.id == $id)] | length' <<<"$BODY")"
out=$("$PY" "$ACME_CLIENT" accounts "$DIR" "$T/root.pem" "$WITHDRAWN_KID" "$WITHDRAWN_HMAC" "$FOREIGN_KID" "$FOREIGN_HMAC" 2>&1)
expect_match "a deleted EAB key binds no account" "good EAB: 401" "$out"
API_KEY=$READER api GET /api/v1/acme/accounts
LEGO_ACCOUNT=$(jq -r '[.items[] | select(.status == "valid")][-1].id' <<<"$BODY")
API_KEY=$READER api POST "/api/v1/acme/accounts/$LEGO_ACCOUNT/deactivate"
expect_status 403 "a reader cannot deactivate an account"
API_KEY=$OWNER api POST "/api/v1/acme/accounts/$LEGO_ACCOUNT/deactivate"
expect_status 200 "the owner deactivates an account"
expect_json "it is deactivated" .status deactivated
if timeout 60 "${LEGO[@]}" --domains after.acmeco.example --http --http.port "127.0.0.1:$HTTP01" run >"$T/lego-after.log" 2>&1; then
  fail "a deactivated account still orders"
else
  ok "a deactivated account can no longer order (lego fails)"
fi
API_KEY=$OWNER api POST "/api/v1/acme/accounts/00000000-0000-4000-8000-000000000000/deactivate"
expect_status 404 "deactivating an unknown account: 404"

curl -s -d '{"host":"metadata.acmeco.example","addresses":["169.254.169.254"]}' "http://127.0.0.1:$MGMT/add-a" >/dev/null
new_eab forbidden
out=$("$PY" "$ACME_CLIENT" forbidden "$DIR" "$T/root.pem" "$KID" "$HMAC" metadata.acmeco.example "$HTTP01" 2>&1)
expect_match "a name resolving into a forbidden range: invalid, never connected" "forbidden address: invalid rejectedIdentifier" "$out"

new_eab rollover
out=$("$PY" "$ACME_CLIENT" keychange "$DIR" "$T/root.pem" "$KID" "$HMAC" 2>&1)
expect_match "keyChange replaces the account key" "key change: 200" "$out"
expect_match "the new key signs for the account" "the new key works: 200" "$out"
expect_match "the old key no longer does" "the old key: unauthorized" "$out"

# --- ARI (RFC 9773): renewal windows -----------------------------------------------------------------
ari_id() { # leaf-pem -> base64url(AKI).base64url(serial)
  local aki serial
  aki=$(openssl x509 -in "$1" -noout -ext authorityKeyIdentifier | tail -1 | tr -d ' :' | sed 's/^keyid//I')
  serial=$(openssl x509 -in "$1" -noout -serial | cut -d= -f2)
  [ $(( ${#serial} % 2 )) -eq 1 ] && serial="0$serial"
  echo "$(xxd -r -p <<<"$aki" | basenc --base64url | tr -d '=\n').$(xxd -r -p <<<"$serial" | basenc --base64url | tr -d '=\n')"
}
openssl x509 -in "$T/lego/certificates/alpn.acmeco.example.crt" -out "$T/alpn-leaf.pem"
ari=$(curl -s --cacert "$T/root.pem" "https://localhost:$NPORT/acme/$CA/renewal-info/$(ari_id "$T/alpn-leaf.pem")")
start=$(date -d "$(jq -r .suggestedWindow.start <<<"$ari")" +%s 2>/dev/null || echo 0)
nb=$(date -d "$(openssl x509 -in "$T/alpn-leaf.pem" -noout -startdate | cut -d= -f2)" +%s)
na=$(date -d "$(openssl x509 -in "$T/alpn-leaf.pem" -noout -enddate | cut -d= -f2)" +%s)
[ "$start" -gt $(( nb + (na - nb) / 2 )) ] && [ "$start" -lt "$na" ] && ok "ARI suggests renewing late in the lifetime" || fail "ARI window: $ari"
ari=$(curl -s --cacert "$T/root.pem" "https://localhost:$NPORT/acme/$CA/renewal-info/$(ari_id "$T/lego-renewed.pem")")
end=$(date -d "$(jq -r .suggestedWindow.end <<<"$ari")" +%s 2>/dev/null || echo 0)
[ "$end" -le "$(( $(date +%s) + 5 ))" ] && ok "ARI says renew now for a revoked certificate" || fail "ARI window for a revoked certificate: $ari"
expect_eq "ARI for an unknown certificate: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/root.pem" "https://localhost:$NPORT/acme/$CA/renewal-info/AAAA.AAAA")"

# --- a validation interrupted by the loss of its instance completes on the other ------------------
new_eab survivor
"$PY" "$ACME_CLIENT" slow "$DIR" "$T/root.pem" "$KID" "$HMAC" survivor.acmeco.example "$HTTP01" "$T/slow.marker" >"$T/slow.out" 2>&1 &
SLOW=$!
wait_for 20 test -s "$T/slow.marker" || fail "the validation never reached the responder"
claimant=$(psql_db -c "SELECT claimed_by FROM acme_challenges WHERE status = 'processing' AND claimed_by IS NOT NULL LIMIT 1")
worker=${claimant##*:}
if pgrep -P "$DAEMON_PID" | grep -qx "$worker"; then victim=$DAEMON_PID; else victim=$B_PID; fi
pkill -KILL -P "$victim" 2>/dev/null || true   # the whole instance at once: workers and master
kill -KILL "$victim" 2>/dev/null || true
echo "# validation claimed by $claimant; instance $victim killed"
wait "$SLOW" || true
expect_match "the validation completes on the surviving instance" "interrupted validation: ready" "$(cat "$T/slow.out")"
expect_eq "two requests reached the responder (the first cut off)" 2 "$(wc -l <"$T/slow.marker")"
[ "$victim" = "$DAEMON_PID" ] && DAEMON_PID=""

# Garbage never gets a 500.
for body in '' 'not json' '{"protected":"","payload":"","signature":""}' "$(printf '[%.0s' $(seq 1 300))"; do
  code=$(curl -s -o "$T/garbage.json" -w '%{http_code}' --cacert "$T/root.pem" -H 'Content-Type: application/jose+json' \
    --data-binary "$body" "https://localhost:$NPORT/acme/$CA/new-order")
  expect_eq "malformed JWS ($(head -c 20 <<<"$body")...): 400 malformed" "400 urn:ietf:params:acme:error:malformed" "$code $(jq -r .type "$T/garbage.json")"
done
finish
