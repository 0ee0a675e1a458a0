# KEK rotation: a new KEK becomes current (new CA keys are sealed under it),
# the old one stays listed so existing keys unseal, `tenantca kek rewrap`
# re-seals every CA key under the current KEK in one audited transaction
# while certificates are being issued (none fails), and a server missing a
# KEK some CA needs refuses to start, naming the CAs.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"

start_with_tenant   # KEK A: $T/kek
cd "$T"
kek_id() { psql_db -c "SELECT DISTINCT key_kek_id FROM cas WHERE id = '$1'"; }
API_KEY=$OWNER api POST /api/v1/cas '{"name":"old","type":"root","subject":{"common_name":"Old"}}'
expect_status 201 "a CA sealed under KEK A"
OLD=$(jget .id)
KEK_A=$(kek_id "$OLD")

rc=0; (umask 077; "$TENANTCA_BIN" kek generate >"$T/kek-b") || rc=$?
expect_eq "kek generate exits 0" 0 "$rc"
expect_eq "it writes 32 bytes of base64" 32 "$(base64 -d <"$T/kek-b" | wc -c)"
# B is current, A still unseals.
sed -i "s|^kek_file = .*|kek_file = \"$T/kek-b\"\nprevious_kek_files = \"$T/kek\"|" "$T/tenantca.toml"
kill -HUP "$DAEMON_PID"
# Reloaded once the old generation (KEK A only) has drained and ended.
reloaded() { [ "$(curl -s "$BASE/metrics" | sed -n 's/^tenantca_worker_ends_total{how="graceful"} //p')" -ge 2 ]; }
wait_for 15 reloaded && ok "reloaded with KEK B current and A previous" || fail "reload"
API_KEY=$OWNER api POST /api/v1/cas '{"name":"new","type":"root","subject":{"common_name":"New"}}'
expect_status 201 "a CA created after the rotation"
NEW=$(jget .id)
KEK_B=$(kek_id "$NEW")
[ "$KEK_B" != "$KEK_A" ] && ok "new CA keys are sealed under the current KEK" || fail "still KEK $KEK_B"
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$OLD\",\"subject\":{\"common_name\":\"a.example\"}}"
expect_status 201 "the old CA (sealed under A) still issues"

# Rewrap under issuing load: no issuance fails.
issue_loop() {
  local ca=$1 out=$2
  while [ -f "$T/issuing" ]; do
    curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $ISSUER" -H 'Content-Type: application/json' \
      --data-binary "{\"ca_id\":\"$ca\",\"subject\":{\"common_name\":\"load.example\"}}" "$BASE/api/v1/certificates" >>"$out"
  done
}
touch "$T/issuing"
issue_loop "$OLD" "$T/codes-old" & L1=$!
issue_loop "$NEW" "$T/codes-new" & L2=$!
wait_for 10 bash -c "[ \$(cat $T/codes-old 2>/dev/null | wc -l) -ge 5 ]"
rc=0; n=$("$TENANTCA_BIN" kek rewrap --config "$T/tenantca.toml" 2>"$T/rewrap.err") || rc=$?
wait_for 10 bash -c "[ \$(cat $T/codes-old | wc -l) -ge $(($(wc -l <"$T/codes-old") + 5)) ]"
rm -f "$T/issuing"; wait "$L1" "$L2"
expect_eq "kek rewrap exits 0" 0 "$rc"
expect_eq "it re-sealed the one CA not under the current KEK" 1 "$n"
expect_eq "every CA key is under KEK B now" "$KEK_B" "$(psql_db -c "SELECT string_agg(DISTINCT key_kek_id, ',') FROM cas")"
total=$(cat "$T"/codes-* | wc -l); bad=$(cat "$T"/codes-* | grep -vc '^201$' || true)
echo "# issuance during the rewrap: $total requests, $bad not 201"
[ "$total" -ge 10 ] && ok "issuance ran through the rewrap ($total)" || fail "only $total issuances"
expect_eq "no issuance failed during the rewrap" 0 "$bad"
API_KEY=$OWNER api GET "/api/v1/audit-events?limit=500"
expect_eq "the rewrap is audited on the CA, from A to B" "$KEK_A>$KEK_B" \
  "$(jget "[.items[] | select(.action == \"ca.key_rewrap\" and .target_id == \"$OLD\")][0].detail | .from_kek + \">\" + .to_kek")"
rc=0; n=$("$TENANTCA_BIN" kek rewrap --config "$T/tenantca.toml" 2>/dev/null) || rc=$?
expect_eq "a second rewrap has nothing to do" "0 0" "$rc $n"

# A drops out: every key unseals with B alone.
sed -i "/^previous_kek_files/d" "$T/tenantca.toml"
stop_daemon
start_daemon
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$OLD\",\"subject\":{\"common_name\":\"b.example\"}}"
expect_status 201 "after the rewrap, KEK A is no longer needed"
stop_daemon

# A server given only KEK A refuses to start, naming the CAs it cannot unseal.
sed -i "s|^kek_file = .*|kek_file = \"$T/kek\"|" "$T/tenantca.toml"
rc=0; out=$(timeout 20 "$TENANTCA_BIN" serve --config "$T/tenantca.toml" 2>&1) || rc=$?
expect_eq "start with a missing KEK is refused (exit 4)" 4 "$rc"
expect_match "the refusal names the CAs" "2 CA key\(s\) do not unseal.*/old \($OLD.*/new \($NEW" "$(tr '\n' ' ' <<<"$out")"
finish
