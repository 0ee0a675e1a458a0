# Restore drill: back up the database (pg_dump) with the KEK kept apart,
# issue and revoke more, restore the older backup into a fresh database and
# serve it: every certificate of the backup is there and verifies, what came
# after is gone (as documented), and CRL numbers keep increasing across the
# restore so relying parties accept the new CRLs.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"

start_with_tenant
cd "$T"
API_KEY=$OWNER api POST /api/v1/cas '{"name":"root","type":"root","subject":{"common_name":"Restore Root"}}'
CA=$(jget .id); pem_of >ca.pem
before=()
for i in 1 2 3; do
  API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$CA\",\"subject\":{\"common_name\":\"b$i.example\"}}"
  before+=("$(jget .id)")
done
API_KEY=$ISSUER api POST "/api/v1/certificates/${before[0]}/revoke" '{"reason":"superseded"}'
expect_status 200 "a revocation before the backup"
crl_number() { curl -s "$BASE/pki/$CA/crl" -o "$T/crl.der" && openssl crl -inform DER -in "$T/crl.der" -noout -crlnumber | cut -d= -f2 | sed 's/^0x//'; }
n1=$(crl_number)

"$PGBIN/pg_dump" -h "$PGHOST_" -p "$PGPORT_" -U tenantca -Fc -f "$T/backup.dump" "$DB_NAME"
expect_match "a backup was written" '^[1-9]' "$(stat -c %s "$T/backup.dump")"

API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$CA\",\"subject\":{\"common_name\":\"after.example\"}}"
AFTER=$(jget .id)
API_KEY=$ISSUER api POST "/api/v1/certificates/${before[1]}/revoke" '{"reason":"key_compromise"}'
expect_status 200 "a revocation after the backup"
n2=$(crl_number)
[ "$((16#$n2))" -gt "$((16#$n1))" ] && ok "CRL numbers grow ($n1 -> $n2)" || fail "CRL $n1 -> $n2"
stop_daemon

# Restore into a fresh database and serve it with the same KEK.
new_database
"$PGBIN/pg_restore" -h "$PGHOST_" -p "$PGPORT_" -U tenantca -d "$DB_NAME" --no-owner "$T/backup.dump"
write_config
start_daemon
for id in "${before[@]}"; do
  API_KEY=$READER api GET "/api/v1/certificates/$id"
  expect_status 200 "certificate $id of the backup is there"
done
API_KEY=$READER api GET "/api/v1/certificates/${before[0]}"
expect_eq "the revocation before the backup is there" revoked "$(jget .status)"
API_KEY=$READER api GET "/api/v1/certificates/${before[1]}"
expect_eq "the revocation after the backup is lost (re-apply it: docs/operations.md)" valid "$(jget .status)"
API_KEY=$READER api GET "/api/v1/certificates/$AFTER"
expect_problem 404 not_found
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$CA\",\"subject\":{\"common_name\":\"restored.example\"}}"
expect_status 201 "the restored CA issues (its key unseals with the KEK kept apart)"
# Re-apply the lost revocation, as the runbook says; the next CRL must outrank every earlier one.
API_KEY=$ISSUER api POST "/api/v1/certificates/${before[1]}/revoke" '{"reason":"key_compromise"}'
expect_status 200 "the lost revocation re-applied"
n3=$(crl_number)
[ "$((16#$n3))" -gt "$((16#$n2))" ] && ok "the CRL after the restore outranks every CRL before it ($n2 -> $n3)" || fail "CRL number went back: $n2 -> $n3"
expect_match "the new CRL verifies" "verify OK" "$(openssl crl -inform DER -in "$T/crl.der" -CAfile ca.pem -noout 2>&1)"
expect_match "and lists the re-applied revocation" "Key Compromise" "$(openssl crl -inform DER -in "$T/crl.der" -noout -text)"
finish
