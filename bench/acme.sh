#!/usr/bin/env bash
# ACME: complete orders per second with lego over http-01, at 1, 8 and 32
# concurrent clients, against tenantca (behind an nginx TLS front, as
# deployed) and against pebble (Let's Encrypt's test server, validation sleep
# off) in the same run. Every order is a whole lego run: order, http-01
# validation by the server, finalize, download. Both servers validate
# against the same responder (nginx serving lego's webroot) and resolve
# names through the same DNS (pebble-challtestsrv: every name is 127.0.0.1).
source "$(dirname "$0")/lib.sh"
ensure_packages lego pebble nginx-light
ORDERS=${ORDERS:-16}   # orders per concurrency level and server

DNSP=$(free_port); MGMT=$(free_port); HTTP01=$(free_port); NPORT=$(free_port); PPORT=$(free_port); PMGMT=$(free_port)
pebble-challtestsrv -management "127.0.0.1:$MGMT" -dns01 "127.0.0.1:$DNSP" -http01 "" -https01 "" -tlsalpn01 "" \
  -defaultIPv4 127.0.0.1 -defaultIPv6 "" >"$W/challtestsrv.log" 2>&1 &
PIDS+=($!)

port=$(free_port)
PUBLIC_URL="https://localhost:$NPORT" start_tenantca "$port" --acme-dns-resolver "127.0.0.1:$DNSP" \
  --acme-http01-port "$HTTP01"
U="http://127.0.0.1:$port"
OP=$("$BIN" operator-key create --database-url "$DB_URL" --name bench 2>/dev/null)
j() { curl -s -X "${4:-POST}" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -d "$3" "$U$2"; }
TID=$(j "$OP" /api/v1/tenants '{"name":"bench","rate_limit":{"requests_per_second":1000000,"burst":1000000}}' | jq -r .id)
KEY=$(j "$OP" "/api/v1/tenants/$TID/api-keys" '{"name":"o","role":"owner"}' | jq -r .secret)
CA=$(j "$KEY" /api/v1/cas '{"name":"acme","type":"root","subject":{"common_name":"Bench ACME Root"},"key":{"type":"ec","curve":"P-256"}}' | jq -r .id)
j "$KEY" "/api/v1/cas/$CA" '{"acme":{"enabled":true,"challenges":["http-01"]}}' PATCH >/dev/null
j "$KEY" "/api/v1/cas/$CA" '' GET | jq -r .certificate_pem >"$W/tenant-root.pem"
front=$(j "$KEY" /api/v1/certificates "{\"ca_id\":\"$CA\",\"subject\":{\"common_name\":\"localhost\"},\"sans\":{\"dns\":[\"localhost\"]},\"usage\":[\"server_auth\"]}")
jq -r .certificate_pem <<<"$front" >"$W/front.pem"; jq -r .private_key_pem <<<"$front" >"$W/front.key"

# pebble's HTTPS certificate, from a throwaway CA.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/pebble-ca.key" -subj /CN=pebble-ca \
  -days 2 -out "$W/pebble-ca.pem" -addext basicConstraints=critical,CA:TRUE 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/pebble.key" -subj /CN=localhost -out "$W/pebble.csr" 2>/dev/null
openssl x509 -req -in "$W/pebble.csr" -CA "$W/pebble-ca.pem" -CAkey "$W/pebble-ca.key" -CAcreateserial -days 2 \
  -extfile <(printf 'subjectAltName=DNS:localhost\n') -out "$W/pebble.pem" 2>/dev/null
cat >"$W/pebble.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$PPORT", "managementListenAddress": "127.0.0.1:$PMGMT",
  "certificate": "$W/pebble.pem", "privateKey": "$W/pebble.key", "httpPort": $HTTP01, "tlsPort": 5001,
  "ocspResponderURL": "", "externalAccountBindingRequired": false}}
JSON
PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 pebble -config "$W/pebble.json" -dnsserver "127.0.0.1:$DNSP" >"$W/pebble.log" 2>&1 &
PIDS+=($!)

# nginx: the TLS front of tenantca, and the http-01 responder both servers use.
mkdir -p "$W/nginx" "$W/webroot"
cat >"$W/nginx/nginx.conf" <<NGINX
$([ "$(id -u)" -eq 0 ] && echo "user root;")  # its workers must read the private bench directory
worker_processes 2;
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$NPORT ssl;
    ssl_certificate $W/front.pem;
    ssl_certificate_key $W/front.key;
    location / { proxy_pass http://127.0.0.1:$port; proxy_set_header Host \$host:\$server_port; }
  }
  server { listen 127.0.0.1:$HTTP01; root $W/webroot; }
}
NGINX
nginx -c "$W/nginx/nginx.conf" -p "$W/nginx" -g 'daemon on;'
trap 'nginx -c "$W/nginx/nginx.conf" -p "$W/nginx" -s stop 2>/dev/null; [ -n "${KEEP_BENCH:-}" ] || bench_cleanup' EXIT
wait_for 10 curl -sf -o /dev/null --cacert "$W/tenant-root.pem" "https://localhost:$NPORT/acme/$CA/directory" || { echo "tenantca ACME not reachable"; exit 1; }
wait_for 10 curl -sf -o /dev/null --cacert "$W/pebble-ca.pem" "https://localhost:$PPORT/dir" || { echo "pebble not reachable"; exit 1; }

# One registered account per server; each client works on a copy of it.
register() { # name directory cafile [eab args...]
  local name=$1 dir=$2 ca=$3; shift 3
  LEGO_CA_CERTIFICATES=$ca lego --server "$dir" --path "$W/$name-account" --accept-tos --email bench@example.com "$@" \
    --domains "register.$name.example" --http --http.webroot "$W/webroot" run >"$W/$name-register.log" 2>&1
}
eab=$(j "$KEY" /api/v1/acme/eab-keys '{"name":"bench"}')
# lego insists on the EAB flags whenever the directory requires a binding,
# even with a registered account (which it then reuses: the key is not used twice).
TENANTCA_EAB=(--eab --kid="$(jq -r .kid <<<"$eab")" --hmac="$(jq -r .hmac_key <<<"$eab")")
register tenantca "https://localhost:$NPORT/acme/$CA/directory" "$W/tenant-root.pem" "${TENANTCA_EAB[@]}" || { echo "lego against tenantca failed:"; tail -5 "$W/tenantca-register.log"; exit 1; }
register pebble "https://localhost:$PPORT/dir" "$W/pebble-ca.pem" || { echo "lego against pebble failed:"; tail -5 "$W/pebble-register.log"; exit 1; }

# run SERVER CLIENTS: ORDERS orders split over CLIENTS concurrent lego loops; prints orders/s and failures.
run() {
  local name=$1 clients=$2 dir ca per=$(( (ORDERS + $2 - 1) / $2 )) i pids=() start end extra=()
  if [ "$name" = tenantca ]; then dir="https://localhost:$NPORT/acme/$CA/directory"; ca="$W/tenant-root.pem"; extra=("${TENANTCA_EAB[@]}")
  else dir="https://localhost:$PPORT/dir"; ca="$W/pebble-ca.pem"; fi
  rm -f "$W/$name.results"
  for i in $(seq 1 "$clients"); do rm -rf "$W/$name-c$i"; cp -r "$W/$name-account" "$W/$name-c$i"; done
  start=$(date +%s%N)
  for i in $(seq 1 "$clients"); do
    ( for k in $(seq 1 "$per"); do
        if LEGO_CA_CERTIFICATES=$ca lego --server "$dir" --path "$W/$name-c$i" --accept-tos --email bench@example.com "${extra[@]}" \
             --domains "o$k.c$i.n$clients.$name.example" --http --http.webroot "$W/webroot" run >>"$W/$name-c$i.log" 2>&1; then
          echo ok; else echo failed; fi
      done >>"$W/$name.results" ) &
    pids+=($!)
  done
  wait "${pids[@]}"
  end=$(date +%s%N)
  local okn failn
  okn=$(grep -c '^ok$' "$W/$name.results" || true); failn=$(grep -c '^failed$' "$W/$name.results" || true)
  awk -v n="$okn" -v f="$failn" -v ns=$((end - start)) 'BEGIN {printf "%8.2f orders/s (%d complete, %d failed)", n / (ns / 1e9), n, f}'
}

echo "ACME benchmarks, $(nproc) cores; lego $(lego --version | awk '{print $3}') over http-01; $ORDERS orders per level"
for clients in 1 8 32; do
  t=$(run tenantca "$clients"); p=$(run pebble "$clients")
  printf '  %2d clients: tenantca %s | pebble %s\n' "$clients" "$t" "$p"
done
echo "  (tenantca: durable PostgreSQL, every certificate committed and audited, behind nginx TLS; pebble: in memory, PEBBLE_VA_NOSLEEP=1)"
