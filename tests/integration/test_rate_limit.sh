# The per-key token bucket holds for the whole instance, whatever worker
# serves the request; refused requests get 429 with Retry-After.
source "$(dirname "$0")/lib.sh"

new_database
migrate
WORKERS=4 write_config
start_daemon
OPKEY=$(operator_key)
API_KEY=$OPKEY api POST /api/v1/tenants '{"name":"slow","rate_limit":{"requests_per_second":1,"burst":10}}'
T_ID=$(jget .id)
API_KEY=$OPKEY api POST "/api/v1/tenants/$T_ID/api-keys" '{"name":"o","role":"owner"}'
KEY=$(jget .secret)

# 40 requests on 40 separate connections, spread by the kernel over 4 workers.
start=$(date +%s%N)
pids=()
for i in $(seq 1 40); do
  curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $KEY" "$BASE/api/v1/api-keys" >>"$T/codes" &
  pids+=($!)
done
wait "${pids[@]}"
elapsed_s=$(( ($(date +%s%N) - start) / 1000000000 + 1 ))
allowed=$(grep -c '^200$' "$T/codes" || true)
refused=$(grep -c '^429$' "$T/codes" || true)
echo "# allowed $allowed, refused $refused, in about ${elapsed_s} s (burst 10, 1/s)"
max_allowed=$((10 + elapsed_s))
if [ "$allowed" -ge 10 ] && [ "$allowed" -le "$max_allowed" ]; then ok "instance-wide limit holds across 4 workers ($allowed allowed, at most $max_allowed)"; else fail "allowed $allowed, expected 10..$max_allowed"; fi
expect_eq "every other request is 429" 40 "$((allowed + refused))"

API_KEY=$KEY api GET /api/v1/api-keys
expect_problem 429 rate_limited
expect_match "429 has Retry-After" '^[1-9][0-9]*$' "$(header Retry-After)"
expect_eq "429 shows the limit" 10 "$(header RateLimit-Limit)"
expect_eq "nothing remains" 0 "$(header RateLimit-Remaining)"
# A refused request takes no token: poll until one has refilled (1/s).
refilled() { API_KEY=$KEY api GET /api/v1/api-keys; [ "$STATUS" = 200 ]; }
wait_for 5 refilled && ok "tokens refill at the tenant's rate" || fail "no token after 5 s (1/s)"

# A new limit applies at once (tenant change invalidates cached keys).
auth_invalidations='tenantca_cache_invalidations_total{cache="auth"}'
before=$(metric_value "$auth_invalidations")
API_KEY=$OPKEY api PATCH "/api/v1/tenants/$T_ID" '{"rate_limit":{"requests_per_second":100,"burst":500}}'
# Every one of the 4 workers has dropped the tenant's cached limits.
wait_for 5 metric_at_least "$auth_invalidations" $((before + 4)) || fail "the workers never heard of the change"
API_KEY=$KEY api GET /api/v1/api-keys
expect_eq "raised limit is visible" 500 "$(header RateLimit-Limit)"
finish
