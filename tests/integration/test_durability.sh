# A 201 means committed durably: certificates are issued under load (in
# group-commit batches) against a
# durable PostgreSQL (fsync and synchronous_commit on) of this test's own,
# which is then killed (immediate stop: no shutdown checkpoint, like a crash)
# and restarted; every certificate id that was answered 201 must be there.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"

PGDIR="$T/pg"
PGP=$(free_port)
"$LIB_DIR/../../scripts/pg-cluster" start "$PGDIR" "$PGP" >/dev/null   # durable: no "fast"
defer "$LIB_DIR/../../scripts/pg-cluster" remove "$PGDIR"
PGQ=("$PGBIN/psql" -h 127.0.0.1 -p "$PGP" -U tenantca -Atq)
expect_eq "the cluster is durable" "on on" "$("${PGQ[@]}" -d postgres -c "SELECT current_setting('fsync') || ' ' || current_setting('synchronous_commit')")"
"${PGQ[@]}" -d postgres -c "CREATE DATABASE durable"
DB_URL="host=127.0.0.1 port=$PGP user=tenantca dbname=durable connect_timeout=2"
migrate
# One worker with many threads: concurrent issuances share a transaction
# (group commit), so the crash can hit a batch of several.
WORKERS=1 THREADS=8 write_config
start_daemon
OPKEY=$(operator_key)
TENANT_RPS=100000 setup_tenant durable
API_KEY=$OWNER api POST /api/v1/cas '{"name":"root","type":"root","subject":{"common_name":"Durable"}}'
CA=$(jget .id)

writer() { # n: issues until told to stop; one line per answer: status id
  local out="$T/writes.$1" tmp="$T/answer.$1"
  while [ -f "$T/writing" ]; do
    curl -s -m 5 -o "$tmp.body" -w '%{http_code}' -H "Authorization: Bearer $ISSUER" -H 'Content-Type: application/json' \
      --data-binary "{\"ca_id\":\"$CA\",\"subject\":{\"common_name\":\"d$1.example\"}}" "$BASE/api/v1/certificates" >"$tmp.code" 2>/dev/null || echo 000 >"$tmp.code"
    echo "$(cat "$tmp.code") $(jq -r '.id // "-"' "$tmp.body" 2>/dev/null || echo -)" >>"$out"
  done
}
touch "$T/writing"
writers=()
for n in 1 2 3 4 5 6 7 8; do writer "$n" & writers+=($!); done
wait_for 20 bash -c "[ \$(cat $T/writes.* 2>/dev/null | grep -c '^201 ') -ge 80 ]" && ok "issuing under load" || fail "no load"
largest=$(metric_value tenantca_issuance_batch_largest)
[ "${largest:-0}" -ge 2 ] && ok "certificates are committed in batches (largest $largest)" || fail "no batch of more than one (largest ${largest:-none})"
"$LIB_DIR/../../scripts/pg-cluster" crash "$PGDIR"
wait_for 10 bash -c "[ \$(cat $T/writes.* | grep -vc '^201 ') -ge 4 ]" || true   # writers see the outage
"$LIB_DIR/../../scripts/pg-cluster" start "$PGDIR" "$PGP" >/dev/null
wait_for 20 bash -c "[ \$(tail -qn1 $T/writes.* | grep -c '^201 ') -ge 1 ]" && ok "issuing again after the restart" || fail "no recovery"
rm -f "$T/writing"; wait "${writers[@]}"
acked=$(cat "$T"/writes.* | awk '$1 == 201 {print $2}' | sort -u)
n_acked=$(wc -l <<<"$acked")
refused=$(cat "$T"/writes.* | awk '$1 != 201' | wc -l)
echo "# $n_acked certificates answered 201, $refused requests refused around the crash ($(cat "$T"/writes.* | awk '$1 != 201 {print $1}' | sort | uniq -c | tr '\n' ' '))"
[ "$refused" -ge 1 ] && ok "the crash was seen by the writers" || fail "the crash went unnoticed"
stored=$("${PGQ[@]}" -d durable -c "SELECT id FROM certificates" | sort -u)
missing=$(comm -23 <(echo "$acked") <(echo "$stored") | wc -l)
expect_eq "every certificate answered 201 survived the crash" 0 "$missing"
others=$(cat "$T"/writes.* | awk '$1 != 201 && $1 != 503 && $1 != 000 {print $1}' | sort -u | tr '\n' ' ')
expect_eq "around the crash writers got only 201, 503, or no answer" "" "$others"
finish
