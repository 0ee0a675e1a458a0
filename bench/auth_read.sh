#!/usr/bin/env bash
# Authenticated read throughput: GET /api/v1/tenants/{id} with an operator key
# (auth from the worker cache, rate limit in shared memory, one indexed
# SELECT) over 64 keep-alive connections, beside `pgbench -S` at the same
# concurrency against the same PostgreSQL cluster, in the same run.
source "$(dirname "$0")/lib.sh"
DURATION=${DURATION:-10}

port=$(free_port)
# Rate limits out of the way: this measures the read path, not the limiter.
start_tenantca "$port" --rate-limit-default-requests-per-second 1000000 --rate-limit-default-burst 1000000
OP=$("$BIN" operator-key create --database-url "$DB_URL" --name bench 2>/dev/null)
TID=$(curl -s -H "Authorization: Bearer $OP" -H 'Content-Type: application/json' -d '{"name":"bench"}' \
  "http://127.0.0.1:$port/api/v1/tenants" | jq -r .id)
cat >"$W/auth.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $OP"
LUA
read -r t_rps t_err _ t_lat _ < <(wrk -t2 -c64 -d"${DURATION}s" -s "$W/auth.lua" "http://127.0.0.1:$port/api/v1/tenants/$TID" 2>&1 | wrk_summary)

"$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U tenantca pgbench
"$PGBIN/pgbench" -h 127.0.0.1 -p "$PGPORT" -U tenantca -i -s 10 -q pgbench >/dev/null 2>&1
pg=$("$PGBIN/pgbench" -h 127.0.0.1 -p "$PGPORT" -U tenantca -S -c 64 -j 2 -T "$DURATION" pgbench 2>&1)
p_tps=$(awk -F'= ' '/^tps/ {split($2, a, " "); print a[1]}' <<<"$pg")

echo "authenticated read vs pgbench -S, 64 connections, ${DURATION}s each, $(nproc) cores"
printf '  tenantca GET /api/v1/tenants/{id} : %10s req/s (errors %s, mean latency %s)\n' "$t_rps" "$t_err" "$t_lat"
printf '  pgbench -S (select-only)          : %10s tps\n' "$p_tps"
printf '  ratio tenantca / pgbench          : %10s  (goal >= 0.5)\n' "$(ratio "$t_rps" "$p_tps")"
