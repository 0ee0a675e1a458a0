#!/usr/bin/env bash
# Full load for 20 s with a SIGHUP every 2 s, beside the same load without
# reloads, in the same run. Prints requests, errors (the goal is 0) and the
# throughput ratio.
source "$(dirname "$0")/lib.sh"
DURATION=${DURATION:-20}
sysctl -qw net.ipv4.tcp_migrate_req=1 2>/dev/null || echo "warning: cannot set net.ipv4.tcp_migrate_req=1"

port=$(free_port)
start_tenantca "$port" --workers 3
master=${PIDS[-1]}
url="http://127.0.0.1:$port/api/v1/health"

run_wrk() { wrk -t2 -c32 -d"${DURATION}s" "$url" 2>&1; }
summarize() { # wrk output -> "requests errors rps"
  wrk_summary <<<"$1" | awk '{print $3, $2, $1}'
}

read -r base_req base_err base_rps < <(summarize "$(run_wrk)")

( for _ in $(seq 1 $((DURATION / 2))); do sleep 2; kill -HUP "$master"; done ) &
hups=$!
out=$(run_wrk)
wait "$hups"
read -r hup_req hup_err hup_rps < <(summarize "$out")
reloads=$(grep -c "reload finished" "$W/tenantca-$port.log" || true)

echo "reload benchmark: wrk -t2 -c32 -d${DURATION}s on /api/v1/health, 3 workers, $(nproc) cores"
printf '  without reloads : %9s requests, %s errors, %10s req/s\n' "$base_req" "$base_err" "$base_rps"
printf '  HUP every 2 s   : %9s requests, %s errors, %10s req/s (%s reloads completed)\n' "$hup_req" "$hup_err" "$hup_rps" "$reloads"
printf '  throughput ratio: %s\n' "$(ratio "$hup_rps" "$base_rps")"
