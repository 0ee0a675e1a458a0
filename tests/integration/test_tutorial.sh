# docs/tutorial.md cannot rot: its shell blocks run, in order, against a real
# daemon, and what they print must show the outcomes the page promises.
source "$(dirname "$0")/lib.sh"

new_database
migrate
write_config
start_daemon
OPKEY=$(operator_key)
cd "$T"
awk '/^```sh$/{on=1; next} /^```$/{on=0} on' "$LIB_DIR/../../docs/tutorial.md" >tutorial.sh
expect_match "the tutorial has its commands" '^[1-9]' "$(grep -c . tutorial.sh)"
rc=0; out=$(TENANTCA=$BASE OP=$OPKEY bash -e tutorial.sh 2>&1) || rc=$?
expect_eq "every command of the tutorial succeeds" 0 "$rc"
[ "$rc" -eq 0 ] || echo "$out" | tail -n 20
expect_match "step 1: healthy" '^ok$' "$(sed -n 1p <<<"$out")"
expect_match "step 4: the certificate carries the name" "DNS:web.svc.example.internal" "$out"
expect_match "step 5: the chain verifies strictly" "web-chain.pem: OK" "$out"
expect_match "step 5: a foreign name is refused" "422 .*www.google.com" "$out"
expect_match "step 6: the revocation answers revoked" "^revoked$" "$(grep -x revoked <<<"$out" | head -n1)"
expect_match "step 6: the CRL check rejects it" "certificate revoked" "$out"
expect_match "step 6: OCSP says revoked" "web.pem: revoked" "$out"
finish
