#!/usr/bin/env bash
# GET /api/v1/health throughput with keep-alive (wrk -t2 -c64 -d10s) beside
# nginx answering 200 on the same machine, in the same run.
source "$(dirname "$0")/lib.sh"
DURATION=${DURATION:-10s}

port=$(free_port)
start_tenantca "$port"
read -r t_rps t_err < <(wrk_rps -t2 -c64 -d"$DURATION" "http://127.0.0.1:$port/api/v1/health")

nport=$(free_port)
mkdir -p "$W/nginx"
cat >"$W/nginx/nginx.conf" <<NGINX
worker_processes auto;
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$nport;
    location / { return 200 '{"status":"ok"}'; }
  }
}
NGINX
nginx -c "$W/nginx/nginx.conf" -p "$W/nginx" -g 'daemon off;' &
PIDS+=($!)
sleep 0.5
read -r n_rps n_err < <(wrk_rps -t2 -c64 -d"$DURATION" "http://127.0.0.1:$nport/")

echo "health throughput, wrk -t2 -c64 -d$DURATION, keep-alive, $(nproc) cores"
printf '  tenantca GET /api/v1/health : %10s req/s  (errors %s, workers %s)\n' "$t_rps" "$t_err" "$(( $(nproc) * 2 + 1 ))"
printf '  nginx return 200            : %10s req/s  (errors %s)\n' "$n_rps" "$n_err"
printf '  ratio tenantca / nginx      : %10s\n' "$(ratio "$t_rps" "$n_rps")"
