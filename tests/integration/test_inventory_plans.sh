# The certificate inventory at scale: with 400,000 certificates in two
# tenants, every list filter of the API is answered from an index, never a
# sequential scan. The plans are the daemon's own queries, as PostgreSQL ran
# them: auto_explain (loaded for this database) sends each plan back as a
# NOTICE, which libpq prints into the daemon's log.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"

PER_TENANT=${PER_TENANT:-200000}
new_database
migrate
for setting in "session_preload_libraries = 'auto_explain'" "auto_explain.log_min_duration = 0" \
               "auto_explain.log_level = 'notice'"; do
  psql_admin -c "ALTER DATABASE $DB_NAME SET $setting"
done
write_config
start_daemon
OPKEY=$(operator_key)
setup_tenant other
OTHER_TENANT=$TENANT_ID
API_KEY=$OWNER api POST /api/v1/cas '{"name":"other-root","type":"root","subject":{"common_name":"Other Root"}}'
OTHER_CA=$(jget .id)
setup_tenant acme
API_KEY=$OWNER api POST /api/v1/cas '{"name":"root","type":"root","subject":{"common_name":"Acme Root"}}'
CA=$(jget .id)

# Bulk rows (metadata only): a spread of names, expiries and revocations.
bulk() { # tenant ca prefix
  psql_db -c "INSERT INTO certificates (id, tenant_id, ca_id, source, serial, subject, issuer, common_name, sans, dns_names,
      not_before, not_after, key_type, fingerprint_sha256, certificate_pem, revoked_at, revocation_reason, created_at)
    SELECT gen_random_uuid(), '$1', '$2', 'issued', md5('$3' || g), '{}', '{}', '$3-' || g || '.example',
      '{\"dns\":[],\"ip\":[],\"email\":[],\"uri\":[]}', ARRAY['$3-' || g || '.example'],
      now() - interval '10 days', now() + (g % 400 - 30) * interval '1 day', 'ec', md5('fp' || '$3' || g), '',
      CASE WHEN g % 50 = 0 THEN now() END, CASE WHEN g % 50 = 0 THEN 'superseded' END,
      now() - (g * interval '1 second')
    FROM generate_series(1, $PER_TENANT) g"
}
bulk "$OTHER_TENANT" "$OTHER_CA" other
bulk "$TENANT_ID" "$CA" acme
psql_db -c "ANALYZE certificates"
echo "# $(psql_db -c 'SELECT count(*) FROM certificates') certificates"

plan_of_list() { # query-string -> prints the plan of the certificate list query it caused
  local mark
  mark=$(wc -l <"$T/daemon.log")
  API_KEY=$READER api GET "/api/v1/certificates?limit=50$1"
  [ "$STATUS" = 200 ] || { echo "HTTP $STATUS: $BODY"; return; }
  sleep 0.2
  tail -n +"$((mark + 1))" "$T/daemon.log" \
    | awk '/NOTICE:  duration:/ {d = $3} /^Query Text: (WITH named .*)?SELECT id::text, tenant_id::text, coalesce\(ca_id::text/ {p = 1; print "duration " d " ms"; next}
           p && /NOTICE|^[0-9]{4}-/ {p = 0} p'
}
serial=$(psql_db -c "SELECT serial FROM certificates WHERE tenant_id = '$TENANT_ID' LIMIT 1 OFFSET 777")
for q in "" "&ca_id=$CA" "&status=revoked" "&status=valid" "&status=expired" "&expiring_within_days=7" \
         "&common_name=acme-4242.example" "&dns_name=acme-4243.example" "&serial=$serial"; do
  plan=$(plan_of_list "$q")
  name="list${q:-" (no filter)"}"
  if [ -z "$plan" ]; then
    fail "$name: no plan logged"
  elif grep -q "Seq Scan on certificates" <<<"$plan"; then
    fail "$name: sequential scan: $(tr '\n' ' ' <<<"$plan" | cut -c1-300)"
  elif grep -Eq "Index (Only )?Scan|Bitmap Index Scan" <<<"$plan"; then
    ok "$name: $(grep -Eo '(Index (Only )?Scan|Bitmap Index Scan)( Backward)? (using|on) [a-z_]+' <<<"$plan" | head -n2 | tr '\n' ';') $(head -n1 <<<"$plan")"
  else
    fail "$name: no index in the plan: $(tr '\n' ' ' <<<"$plan" | cut -c1-300)"
  fi
done
# The filters give the right answers, too.
API_KEY=$READER api GET "/api/v1/certificates?common_name=acme-4242.example"
expect_status 200 "common_name filter answers"
# (bulk rows carry their name in the common_name column only, not in the subject JSON)
expect_eq "common_name filter finds the one certificate" 1 "$(jq '.items | length' <<<"$BODY")"
API_KEY=$READER api GET "/api/v1/certificates?status=revoked&limit=100"
expect_status 200 "revoked filter answers"
expect_eq "revoked filter returns a full page" 100 "$(jq '.items | length' <<<"$BODY")"
expect_eq "revoked filter returns only revoked ones" 0 "$(jq '[.items[] | select(.status != "revoked")] | length' <<<"$BODY")"
API_KEY=$READER api GET "/api/v1/certificates?serial=$serial"
expect_status 200 "serial filter answers"
expect_eq "serial filter" "$serial" "$(jq -r '[.items[].serial] | join(",")' <<<"$BODY")"
finish
