# Helpers for PKI tests: a tenant with owner/issuer/reader keys.
setup_tenant() { # name -> sets OWNER ISSUER READER TENANT_ID for that tenant
  local name=$1
  local rps=${TENANT_RPS:-1000}
  API_KEY=$OPKEY api POST /api/v1/tenants "{\"name\":\"$name\",\"rate_limit\":{\"requests_per_second\":$rps,\"burst\":$rps}}"
  TENANT_ID=$(jget .id)
  API_KEY=$OPKEY api POST "/api/v1/tenants/$TENANT_ID/api-keys" '{"name":"owner","role":"owner"}'
  OWNER=$(jget .secret)
  API_KEY=$OWNER api POST /api/v1/api-keys '{"name":"issuer","role":"issuer"}'
  ISSUER=$(jget .secret)
  API_KEY=$OWNER api POST /api/v1/api-keys '{"name":"reader","role":"reader"}'
  READER=$(jget .secret)
}
pem_of() { jq -r .certificate_pem <<<"$BODY"; }

# A migrated database, a running daemon, an operator key (OPKEY) and the
# tenant "acme" with OWNER/ISSUER/READER keys.
start_with_tenant() {
  new_database
  migrate
  write_config
  start_daemon
  OPKEY=$(operator_key)
  setup_tenant acme
}
