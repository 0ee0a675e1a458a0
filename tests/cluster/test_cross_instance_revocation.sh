# Caches across instances: OCSP answers and CRLs are cached per worker; a
# revocation through instance 1 shows in instance 2's and 3's OCSP answers
# (cached ones included) and CRLs within 1 s.
source "$(dirname "$0")/cluster_lib.sh"

OPKEY=$(operator_key)
TENANT_RPS=100000 setup_tenant revco
API_KEY=$OWNER api POST /api/v1/cas '{"name":"root","type":"root","subject":{"common_name":"Revco Root"},"key":{"type":"ec","curve":"P-256"}}'
CA=$(jget .id)
curl -s "$BASE/pki/$CA/ca.crt" -o "$T/ca.der"
openssl x509 -inform DER -in "$T/ca.der" -out "$T/ca.pem"
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$CA\",\"subject\":{\"common_name\":\"svc-1\"},\"usage\":[\"client_auth\"],\"validity_days\":7}"
LEAF=$(jget .id)
SERIAL=$(jget .serial)
pem_of >"$T/leaf.pem"
openssl ocsp -issuer "$T/ca.pem" -cert "$T/leaf.pem" -no_nonce -reqout "$T/req.der" >/dev/null 2>&1

ocsp_status() { # base-url: status of the leaf in a nonce-less OCSP answer from that instance
  curl -s -H 'Content-Type: application/ocsp-request' --data-binary @"$T/req.der" "$1/pki/$CA/ocsp" -o "$T/resp.der"
  openssl ocsp -respin "$T/resp.der" -issuer "$T/ca.pem" -cert "$T/leaf.pem" -CAfile "$T/ca.pem" 2>/dev/null \
    | sed -n "s|^$T/leaf.pem: ||p"
}
ocsp_nonce_status() { # base-url: the same asked with a nonce (answer signed afresh; status from the worker's cache)
  openssl ocsp -issuer "$T/ca.pem" -cert "$T/leaf.pem" -url "$1/pki/$CA/ocsp" -CAfile "$T/ca.pem" 2>/dev/null \
    | sed -n "s|^$T/leaf.pem: ||p"
}
crl_state() { # base-url -> lists | absent | error (an unfetchable or unreadable CRL is never "absent")
  local code
  code=$(curl -s -o "$T/crl.der" -w '%{http_code}' "$1/pki/$CA/crl")
  if [ "$code" != 200 ] || ! openssl crl -inform DER -in "$T/crl.der" -noout 2>/dev/null; then echo "error:$code"; return; fi
  # openssl prints whole bytes in upper case; the API gives the canonical form (no leading zeros)
  if openssl crl -inform DER -in "$T/crl.der" -noout -text 2>/dev/null | tr -d ' ' | sed -n 's/^SerialNumber://p' \
    | tr 'A-F' 'a-f' | sed 's/^0*//' | grep -qx "$SERIAL"; then echo lists; else echo absent; fi
}
all_say() { # status: every worker of instances 2 and 3 (4 asks each, with and without a nonce) answers it
  local n i url_var
  for n in 2 3; do
    url_var="INSTANCE${n}_URL"
    for i in 1 2 3 4; do
      [ "$(ocsp_status "${!url_var}")" = "$1" ] || return 1
      [ "$(ocsp_nonce_status "${!url_var}")" = "$1" ] || return 1
    done
  done
}

ocsp_hits() { curl -s "$INSTANCE2_URL/metrics" | awk '$1 == "tenantca_cache_lookups_total{cache=\"ocsp\",result=\"hit\"}" {print $2}'; }
# The CA's creation invalidated the caches, which then keep nothing for a
# quiet period: wait until instance 2 answers from its cache again.
ocsp_cache_keeps() {
  local h0 _
  h0=$(ocsp_hits)
  for _ in 1 2 3 4; do
    curl -s -o /dev/null -H 'Content-Type: application/ocsp-request' --data-binary @"$T/req.der" "$INSTANCE2_URL/pki/$CA/ocsp"
  done
  [ "$(ocsp_hits)" -gt "$h0" ]
}
wait_for 20 ocsp_cache_keeps || fail "instance 2 never answered OCSP from its cache"
all_say good && ok "instances 2 and 3 answer good" || fail "OCSP not good before revocation"
# ECDSA signatures differ on every signing: byte-identical answers were cached.
# Instance 2 has 2 workers: at most 2 distinct answers, and the cache says it answered.
h0=$(ocsp_hits)
for _ in $(seq 1 8); do
  curl -s -H 'Content-Type: application/ocsp-request' --data-binary @"$T/req.der" "$INSTANCE2_URL/pki/$CA/ocsp" | sha256sum
done | sort -u >"$T/answers"
h1=$(ocsp_hits)
distinct=$(wc -l <"$T/answers")
[ "$distinct" -le 2 ] && ok "OCSP answers are cached ($distinct distinct of 8 from 2 workers)" || fail "$distinct distinct answers of 8: not cached"
[ $((h1 - h0)) -ge 6 ] && ok "instance 2's OCSP cache answered $((h1 - h0)) of 8" || fail "OCSP cache hits $h0 -> $h1"
expect_eq "instance 2's CRL (now cached) does not list the leaf before revocation" absent "$(crl_state "$INSTANCE2_URL")"
expect_eq "instance 3's CRL does not list it either" absent "$(crl_state "$INSTANCE3_URL")"

cache_metric() { # base-url name labels: one counter of that instance
  curl -s "$1/metrics" | awk -v k="$2{$3}" '$1 == k {print $2}'
}
inv2_before=$(cache_metric "$INSTANCE2_URL" tenantca_cache_invalidations_total 'cache="ocsp"')
byp2_before=$(cache_metric "$INSTANCE2_URL" tenantca_cache_lookups_total 'cache="ocsp",result="bypass"')
API_KEY=$ISSUER BASE=$INSTANCE1_URL api POST "/api/v1/certificates/$LEAF/revoke" '{"reason":"key_compromise"}'
expect_status 200 "revoked through instance 1"
revoked_ms=$(date +%s%3N)
wait_for 5 all_say revoked
seen_ms=$(( $(date +%s%3N) - revoked_ms ))
echo "# every worker of instances 2 and 3 answered revoked $seen_ms ms after the revoke returned"
if [ "$seen_ms" -le 1000 ]; then ok "OCSP on other instances says revoked within 1 s"; else fail "OCSP took $seen_ms ms"; fi
# The fresh answers came from invalidation over LISTEN, not from bypassing a
# cache whose listener was down.
inv2_after=$(cache_metric "$INSTANCE2_URL" tenantca_cache_invalidations_total 'cache="ocsp"')
byp2_after=$(cache_metric "$INSTANCE2_URL" tenantca_cache_lookups_total 'cache="ocsp",result="bypass"')
[ "${inv2_after:-0}" -gt "${inv2_before:-0}" ] && ok "instance 2's OCSP caches were invalidated ($inv2_before -> $inv2_after)" \
  || fail "instance 2's OCSP invalidations $inv2_before -> $inv2_after"
[ -n "$byp2_before" ] && [ "$byp2_before" = "$byp2_after" ] && ok "instance 2 never bypassed its OCSP cache" \
  || fail "instance 2's OCSP bypasses '$byp2_before' -> '$byp2_after'"
for n in 2 3; do
  url_var="INSTANCE${n}_URL"
  crl_lists() { [ "$(crl_state "$1")" = lists ]; }
  wait_for 1 crl_lists "${!url_var}" && ok "instance $n's CRL lists the revoked leaf" || fail "instance $n's CRL: $(crl_state "${!url_var}")"
done
hits=0
for _ in $(seq 1 20); do [ "$(ocsp_status "$INSTANCE2_URL")" = revoked ] && hits=$((hits + 1)); done
expect_eq "revoked answers stay revoked (no stale cached good)" 20 "$hits"
finish
