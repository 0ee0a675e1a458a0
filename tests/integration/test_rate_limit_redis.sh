# rate_limit.backend = redis: one tenant's limit holds across two instances
# (separate masters, separate shared memory) because the bucket lives in
# Redis; with Redis gone each instance answers from its local limiter and says
# so in /metrics; when Redis is back the limit is shared again.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"

REDIS_PORT=$(free_port)
mkdir -p "$T/redis"
start_redis() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$T/redis" \
    --daemonize yes --pidfile "$T/redis/redis.pid" --logfile "$T/redis/redis.log"
  wait_for 5 redis-cli -p "$REDIS_PORT" ping
}
stop_redis() { redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; wait_for 5 bash -c "! redis-cli -p $REDIS_PORT ping"; }
start_redis
defer redis-cli -p "$REDIS_PORT" shutdown nosave

new_database
migrate
WORKERS=2 write_config "[rate_limit]" "backend = \"redis\"" "redis_url = \"redis://127.0.0.1:$REDIS_PORT/0\"" "redis_timeout_ms = 200"
start_daemon
A_BASE=$BASE
start_second_instance

OPKEY=$(operator_key)
API_KEY=$OPKEY api POST /api/v1/tenants '{"name":"shared","rate_limit":{"requests_per_second":1,"burst":10}}'
T_ID=$(jget .id)
API_KEY=$OPKEY api POST "/api/v1/tenants/$T_ID/api-keys" '{"name":"o","role":"owner"}'
KEY=$(jget .secret)

# 40 requests, alternating between the instances, each on a new connection.
burst_codes() { # file
  local pids=() i base
  for i in $(seq 1 40); do
    if [ $((i % 2)) -eq 0 ]; then base=$A_BASE; else base=$B_BASE; fi
    curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $KEY" "$base/api/v1/api-keys" >>"$1" &
    pids+=($!)
  done
  wait "${pids[@]}"
}
start=$(date +%s%N)
burst_codes "$T/codes"
elapsed_s=$(( ($(date +%s%N) - start) / 1000000000 + 1 ))
allowed=$(grep -c '^200$' "$T/codes" || true)
refused=$(grep -c '^429$' "$T/codes" || true)
echo "# shared: allowed $allowed, refused $refused in about ${elapsed_s} s (burst 10, 1/s, two instances)"
if [ "$allowed" -ge 10 ] && [ "$allowed" -le $((10 + elapsed_s)) ]; then
  ok "one limit across both instances ($allowed allowed, at most $((10 + elapsed_s)))"
else
  fail "allowed $allowed across two instances, expected 10..$((10 + elapsed_s)) (a per-instance limit would allow 20)"
fi
expect_eq "the rest are 429" 40 "$((allowed + refused))"
key_id=$(cut -d_ -f2 <<<"$KEY" | sed -E "s/(.{8})(.{4})(.{4})(.{4})(.{12})/\1-\2-\3-\4-\5/")
expect_eq "the key's bucket lives in Redis" 1 "$(redis-cli -p "$REDIS_PORT" exists "tenantca:ratelimit:$key_id")"
curl -s "$A_BASE/metrics" >"$T/metrics"
expect_eq "metrics: Redis up" 1 "$(sed -n 's/^tenantca_rate_limit_shared_store_up //p' "$T/metrics")"
expect_match "metrics: decisions made by Redis" '^[1-9][0-9]*$' "$(sed -n 's/^tenantca_rate_limit_decisions_total{store="shared"} //p' "$T/metrics")"

# Redis goes away: requests are still answered (local limiters), quickly.
stop_redis
fallback_codes=()
for _ in $(seq 1 6); do
  code=$(curl -s -o /dev/null -m 3 -w '%{http_code}' -H "Authorization: Bearer $KEY" "$A_BASE/api/v1/health")
  fallback_codes+=("$code")
done
expect_eq "requests are answered while Redis is down" "200 200 200 200 200 200" "${fallback_codes[*]}"
auth_invalidations='tenantca_cache_invalidations_total{cache="auth"}'
before=$(metric_value "$auth_invalidations" "$A_BASE")
API_KEY=$OPKEY api PATCH "/api/v1/tenants/$T_ID" '{"rate_limit":{"requests_per_second":1,"burst":3}}'
# Both workers of instance A have dropped the tenant's cached limits.
wait_for 5 metric_at_least "$auth_invalidations" $((before + 2)) "$A_BASE" || fail "instance A never heard of the new limit"
: >"$T/codes2"
for i in $(seq 1 8); do
  curl -s -o /dev/null -m 3 -w '%{http_code}\n' -H "Authorization: Bearer $KEY" "$A_BASE/api/v1/api-keys" >>"$T/codes2"
done
allowed_local=$(grep -c '^200$' "$T/codes2" || true)
refused_local=$(grep -c '^429$' "$T/codes2" || true)
echo "# Redis down, instance A alone: allowed $allowed_local, refused $refused_local (burst 3)"
expect_eq "without Redis every request is still answered (200 or 429)" 8 "$((allowed_local + refused_local))"
if [ "$allowed_local" -ge 3 ] && [ "$allowed_local" -le 5 ]; then ok "the local limiter still limits ($allowed_local of 8)"; else fail "local fallback allowed $allowed_local of 8 (burst 3)"; fi
curl -s "$A_BASE/metrics" >"$T/metrics"
expect_eq "metrics: Redis down" 0 "$(sed -n 's/^tenantca_rate_limit_shared_store_up //p' "$T/metrics")"
expect_match "metrics: local fallback decisions counted" '^[1-9][0-9]*$' "$(sed -n 's/^tenantca_rate_limit_decisions_total{store="local_fallback"} //p' "$T/metrics")"

# Redis is back (empty: a restart loses buckets, they start full): shared again.
start_redis
# Each request lets a worker retry Redis once its back-off has passed.
shared_again() {
  curl -s -o /dev/null -H "Authorization: Bearer $KEY" "$A_BASE/api/v1/api-keys"
  [ "$(metric_value tenantca_rate_limit_shared_store_up "$A_BASE")" = 1 ]
}
wait_for 10 shared_again && ok "metrics: Redis up again" || fail "instance A never went back to Redis"
for _ in 1 2 3 4 5 6; do API_KEY=$KEY api GET /api/v1/api-keys; done
wait_for 5 bash -c "redis-cli -p $REDIS_PORT --scan --pattern 'tenantca:ratelimit:*' | grep -q ." && ok "buckets are kept in Redis again" || fail "Redis not used after it came back"

# A hung Redis (stopped, not gone): answers still come, bounded by redis_timeout_ms.
redis_pid=$(cat "$T/redis/redis.pid")
kill -STOP "$redis_pid"
defer kill -CONT "$redis_pid"
slowest=0; answered=0
for _ in $(seq 1 6); do
  out=$(curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}' -H "Authorization: Bearer $KEY" "$A_BASE/api/v1/api-keys" || true)
  [[ "$out" =~ ^(200|429)\  ]] && answered=$((answered + 1))
  ms=$(awk -v t="${out#* }" 'BEGIN {printf "%d", t * 1000}')
  [ "$ms" -gt "$slowest" ] && slowest=$ms
done
kill -CONT "$redis_pid"
echo "# Redis hung: $answered of 6 answered, slowest ${slowest} ms (redis_timeout_ms = 200)"
expect_eq "a hung Redis does not hang requests" 6 "$answered"
if [ "$slowest" -lt 2000 ]; then ok "each answered within 2 s (slowest ${slowest} ms)"; else fail "a request took ${slowest} ms"; fi
finish
