# ACME against the three-instance deployment of scripts/cluster: HAProxy
# terminates TLS with a certificate tenantca issued for itself (`cluster
# tls`); lego (http-01, dns-01, tls-alpn-01) and certbot (http-01, dns-01)
# obtain, renew and revoke through it (revocations seen in OCSP and the CRL
# of every instance); every request may land on any worker of any instance,
# and validations are claimed by whichever worker is free.
source "$(dirname "$0")/../../scripts/lib/common.sh"
DNSP=$(free_port); MGMT=$(free_port)
export CLUSTER_ACME_HTTP01_PORT=$(free_port) CLUSTER_ACME_TLSALPN01_PORT=$(free_port) CLUSTER_ACME_DNS_RESOLVER="127.0.0.1:$DNSP"
pebble-challtestsrv -management "127.0.0.1:$MGMT" -dns01 "127.0.0.1:$DNSP" -http01 "" -https01 "" -tlsalpn01 "" \
  -defaultIPv4 127.0.0.1 -defaultIPv6 "" >/dev/null 2>&1 &
CHALL=$!
source "$(dirname "$0")/cluster_lib.sh"
source "$(dirname "$0")/../integration/acme_lib.sh"
defer kill "$CHALL"
HTTP01=$CLUSTER_ACME_HTTP01_PORT
TLSALPN=$CLUSTER_ACME_TLSALPN01_PORT

OPKEY=$(operator_key)
TENANT_RPS=100000 setup_tenant clusteracme
API_KEY=$OWNER api POST /api/v1/cas '{"name":"root","type":"root","subject":{"common_name":"Cluster ACME Root"},"policy":{"allowed_domains":["cluster.example","localhost"],"allow_wildcards":true}}'
CA=$(jget .id); pem_of >"$T/root.pem"
API_KEY=$OWNER api PATCH "/api/v1/cas/$CA" '{"acme":{"enabled":true,"challenges":["http-01","dns-01","tls-alpn-01"]}}'
expect_status 200 "ACME enabled"
API_KEY=$ISSUER api POST /api/v1/certificates '{"ca_id":"'"$CA"'","subject":{"common_name":"localhost"},"sans":{"dns":["localhost"]},"usage":["server_auth"],"validity_days":7}'
jget .certificate_pem >"$T/front.pem"; jget .private_key_pem >"$T/front.key"
cluster tls "$T/front.pem" "$T/front.key"
source <(cluster env)
DIR="$TLS_URL/acme/$CA/directory"
wait_for 20 curl -sf -o /dev/null --cacert "$T/root.pem" "$DIR" && ok "HAProxy serves the directory over TLS" || fail "no TLS directory at $DIR"
for n in 1 2 3; do wait_for 10 backend_is "instance$n" UP || fail "instance$n not back in rotation"; done

export LEGO_CA_CERTIFICATES="$T/root.pem" REQUESTS_CA_BUNDLE="$T/root.pem"
new_eab lego
LEGO=(lego --server "$DIR" --path "$T/lego" --accept-tos --email ops@cluster.example --eab --kid="$KID" --hmac="$HMAC")
for name in a b c; do
  if timeout 90 "${LEGO[@]}" --domains "$name.cluster.example" --http --http.port "127.0.0.1:$HTTP01" run >"$T/lego-$name.log" 2>&1; then
    ok "lego: $name.cluster.example over http-01 through three instances"
  else
    fail "lego $name: $(tail -3 "$T/lego-$name.log")"
  fi
done
write_dns_hooks "$MGMT"
if EXEC_PATH="$T/txt-hook.sh" timeout 90 "${LEGO[@]}" --domains '*.cluster.example' --dns exec \
    --dns.resolvers "127.0.0.1:$DNSP" --dns.disable-cp run >"$T/lego-dns.log" 2>&1; then
  ok "lego: a wildcard over dns-01"
else
  fail "lego dns-01: $(tail -3 "$T/lego-dns.log")"
fi
if timeout 90 "${LEGO[@]}" --domains alpn.cluster.example --tls --tls.port "127.0.0.1:$TLSALPN" run >"$T/lego-alpn.log" 2>&1; then
  ok "lego: over tls-alpn-01"
else
  fail "lego tls-alpn-01: $(tail -3 "$T/lego-alpn.log")"
fi
if timeout 90 "${LEGO[@]}" --domains a.cluster.example --http --http.port "127.0.0.1:$HTTP01" renew --days 100000 --no-random-sleep >"$T/lego-renew.log" 2>&1; then
  ok "lego: renews"
else
  fail "lego renew: $(tail -3 "$T/lego-renew.log")"
fi
openssl x509 -in "$T/lego/certificates/a.cluster.example.crt" -out "$T/lego-a.pem"
if timeout 60 "${LEGO[@]}" --domains a.cluster.example revoke >"$T/lego-revoke.log" 2>&1; then ok "lego: revokes"; else fail "lego revoke: $(tail -3 "$T/lego-revoke.log")"; fi
revoked_everywhere() { # leaf-pem: OCSP of every instance says revoked, and every instance's CRL lists it
  local n url_var serial
  serial=$(openssl x509 -in "$1" -noout -serial 2>/dev/null | cut -d= -f2)
  [ -n "$serial" ] || return 1
  for n in 1 2 3; do
    url_var="INSTANCE${n}_URL"
    [ "$(openssl ocsp -issuer "$T/root.pem" -cert "$1" -url "${!url_var}/pki/$CA/ocsp" -CAfile "$T/root.pem" 2>/dev/null | sed -n "s|^$1: ||p")" = revoked ] || return 1
    curl -s "${!url_var}/pki/$CA/crl" | openssl crl -inform DER -noout -text | grep -qi "Serial Number: *$serial" || return 1
  done
}
wait_for 10 revoked_everywhere "$T/lego-a.pem" && ok "lego's revocation shows in every instance's OCSP and CRL" || fail "revocation not seen everywhere"

new_eab certbot
certbot_for "$DIR"
if timeout 120 "${CERTBOT[@]}" --eab-kid="$KID" --eab-hmac-key="$HMAC" certonly --standalone --http-01-port "$HTTP01" --http-01-address 127.0.0.1 -d cb.cluster.example >"$T/certbot.log" 2>&1; then
  ok "certbot: over http-01"
else
  fail "certbot: $(tail -5 "$T/certbot.log")"
fi
CB_LEAF="$T/cb/config/live/cb.cluster.example/cert.pem"
cb_serial=$(openssl x509 -in "$CB_LEAF" -noout -serial 2>/dev/null)
if timeout 120 "${CERTBOT[@]}" renew --force-renewal --no-random-sleep-on-renew >"$T/certbot-renew.log" 2>&1; then
  ok "certbot: renews"
else
  fail "certbot renew: $(tail -5 "$T/certbot-renew.log")"
fi
[ "$(openssl x509 -in "$CB_LEAF" -noout -serial 2>/dev/null)" != "$cb_serial" ] && ok "certbot's renewal is a new certificate" || fail "certbot kept the old certificate"
if timeout 120 "${CERTBOT[@]}" certonly --manual --preferred-challenges dns --manual-auth-hook "$T/certbot-auth.sh" \
    -d dnscb.cluster.example >"$T/certbot-dns.log" 2>&1; then
  ok "certbot: over dns-01 (manual hooks)"
else
  fail "certbot dns-01: $(tail -5 "$T/certbot-dns.log")"
fi
if timeout 60 "${CERTBOT[@]}" revoke --cert-path "$CB_LEAF" --reason keycompromise --no-delete-after-revoke >"$T/certbot-revoke.log" 2>&1; then
  ok "certbot: revokes"
else
  fail "certbot revoke: $(tail -5 "$T/certbot-revoke.log")"
fi
wait_for 10 revoked_everywhere "$CB_LEAF" && ok "certbot's revocation shows in every instance's OCSP and CRL" || fail "certbot's revocation not seen everywhere"
for f in "$T/lego/certificates/b.cluster.example.crt" "$T/cb/config/live/cb.cluster.example/cert.pem"; do
  openssl x509 -in "$f" -out "$T/leaf.pem" 2>/dev/null
  expect_match "$(basename "$f") verifies against the tenant chain" ": OK" "$(openssl verify -CAfile "$T/root.pem" "$T/leaf.pem" 2>&1)"
done
validators=$(psql_primary -c "SELECT count(DISTINCT claimed_by) FROM acme_challenges WHERE status = 'valid'")
echo "# validations done by $validators distinct workers"
expect_eq "every validated challenge has a validator recorded" 0 "$(psql_primary -c "SELECT count(*) FROM acme_challenges WHERE status = 'valid' AND claimed_by IS NULL")"
finish
