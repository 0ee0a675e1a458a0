#!/usr/bin/env bash
# PKI benchmarks, each beside its baseline in the same run:
#  1. issuance from an EC P-256 CSR at 16 concurrent clients, every
#     certificate committed, vs `cfssl serve` /api/v1/cfssl/sign without a
#     database and with its PostgreSQL certdb in the same durable cluster;
#  2. OCSP responses/s (POST, 64 connections), without a nonce (answers may
#     be cached) and with one (every answer read and signed);
#  3. CRL build time with 100k revoked entries, and revoke latency with 0 vs
#     100k revoked certificates under the CA.
source "$(dirname "$0")/lib.sh"
DURATION=${DURATION:-10}
N_REVOKED=${N_REVOKED:-100000}
command -v cfssl >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq golang-cfssl >/dev/null; }
PSQL=("$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U tenantca -d tenantca -Atq)

# Workers and threads: one worker per core with many threads lets a worker's
# concurrent issuances share a transaction (group commit, database.commit_batch_max).
WORKERS=${BENCH_WORKERS:-$(nproc)}
THREADS=${BENCH_THREADS:-16}
port=$(free_port)
start_tenantca "$port" --workers "$WORKERS" --threads "$THREADS"
U="http://127.0.0.1:$port"
# The same binary with group commit off (one transaction per certificate),
# on the same database: the in-run baseline for what batching buys.
port1=$(free_port)
start_tenantca "$port1" --workers "$WORKERS" --threads "$THREADS" --database-commit-batch-max 1
U1="http://127.0.0.1:$port1"
# The default process model (workers = 2 x cores + 1, 2 threads each): its
# batches gather the issuances of all workers (the queue the master shares).
port2=$(free_port)
start_tenantca "$port2" --workers 0 --threads 2
U2="http://127.0.0.1:$port2"
OP=$("$BIN" operator-key create --database-url "$DB_URL" --name bench 2>/dev/null)
j() { curl -s -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -d "$3" "$U$2"; }
TID=$(j "$OP" /api/v1/tenants '{"name":"bench","rate_limit":{"requests_per_second":1000000,"burst":1000000}}' | jq -r .id)
KEY=$(j "$OP" "/api/v1/tenants/$TID/api-keys" '{"name":"o","role":"owner"}' | jq -r .secret)
CA=$(j "$KEY" /api/v1/cas '{"name":"bench-root","type":"root","subject":{"common_name":"Bench Root"},"key":{"type":"ec","curve":"P-256"}}' | jq -r .id)
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/leaf.key" -subj /CN=bench.example.com \
  -addext subjectAltName=DNS:bench.example.com -out "$W/leaf.csr" 2>/dev/null
csr_json=$(jq -Rs . <"$W/leaf.csr")

# --- 1. issuance vs cfssl -------------------------------------------------------------
# Every throughput run starts right after a checkpoint: the first change to a
# page after one writes the whole page to the WAL, so a checkpoint landing in
# the middle of one run and not another would decide the comparison.
checkpoint() { "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U tenantca -d postgres -Atqc CHECKPOINT; }
before=$("${PSQL[@]}" -c "SELECT count(*) FROM certificates")
cat >"$W/issue.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $KEY"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"ca_id":"$CA","csr_pem":' .. [==[$csr_json]==] .. ',"validity_days":30}'
LUA
checkpoint
PG_PID=$(postmaster_pid)
tc0=$(tree_cpu_us "${PIDS[0]}"); pg0=$(tree_cpu_us "$PG_PID")
read -r i_rps i_err i_req _ i_p50 i_p99 < <(wrk -t2 -c16 -d"${DURATION}s" --latency -s "$W/issue.lua" "$U/api/v1/certificates" 2>&1 | wrk_summary)
i_cpu=$(per_request_us "$tc0" "$(tree_cpu_us "${PIDS[0]}")" "$i_req"); i_pg=$(per_request_us "$pg0" "$(tree_cpu_us "$PG_PID")" "$i_req")
committed=$(( $("${PSQL[@]}" -c "SELECT count(*) FROM certificates") - before ))
batches=$(curl -s "$U/metrics" | awk '$1 == "tenantca_issuance_batches_total" {b = $2} $1 == "tenantca_issuance_batch_items_total" {i = $2} END {printf "%.1f", (b > 0 ? i / b : 0)}')
before=$("${PSQL[@]}" -c "SELECT count(*) FROM certificates")
checkpoint
read -r n_rps n_err n_req _ n_p50 n_p99 < <(wrk -t2 -c16 -d"${DURATION}s" --latency -s "$W/issue.lua" "$U1/api/v1/certificates" 2>&1 | wrk_summary)
n_committed=$(( $("${PSQL[@]}" -c "SELECT count(*) FROM certificates") - before ))
before=$("${PSQL[@]}" -c "SELECT count(*) FROM certificates")
checkpoint
read -r w_rps w_err w_req _ w_p50 w_p99 < <(wrk -t2 -c16 -d"${DURATION}s" --latency -s "$W/issue.lua" "$U2/api/v1/certificates" 2>&1 | wrk_summary)
w_committed=$(( $("${PSQL[@]}" -c "SELECT count(*) FROM certificates") - before ))
w_batches=$(curl -s "$U2/metrics" | awk '$1 == "tenantca_issuance_batches_total" {b = $2} $1 == "tenantca_issuance_batch_items_total" {i = $2} END {printf "%.1f", (b > 0 ? i / b : 0)}')
# One client alone: group commit must add no latency.
read -r s_rps _ _ _ s_p50 s_p99 < <(wrk -t1 -c1 -d"${DURATION}s" --latency -s "$W/issue.lua" "$U/api/v1/certificates" 2>&1 | wrk_summary)
read -r s1_rps _ _ _ s1_p50 s1_p99 < <(wrk -t1 -c1 -d"${DURATION}s" --latency -s "$W/issue.lua" "$U1/api/v1/certificates" 2>&1 | wrk_summary)

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/cfssl-ca.key" -subj "/CN=cfssl CA" -days 365 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out "$W/cfssl-ca.pem" 2>/dev/null
cat >"$W/cfssl.json" <<'JSON'
{"signing": {"default": {"expiry": "720h", "usages": ["digital signature", "server auth"]}}}
JSON
cport=$(free_port)
cfssl serve -address 127.0.0.1 -port "$cport" -ca "$W/cfssl-ca.pem" -ca-key "$W/cfssl-ca.key" -config "$W/cfssl.json" >"$W/cfssl.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$cport/api/v1/cfssl/sign" && break; sleep 0.1; done
cat >"$W/cfssl.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"certificate_request":' .. [==[$csr_json]==] .. '}'
LUA
checkpoint
CFSSL_PID=${PIDS[-1]}
c0=$(tree_cpu_us "$CFSSL_PID")
read -r c_rps c_err c_req _ c_p50 c_p99 < <(wrk -t2 -c16 -d"${DURATION}s" --latency -s "$W/cfssl.lua" "http://127.0.0.1:$cport/api/v1/cfssl/sign" 2>&1 | wrk_summary)
c_cpu=$(per_request_us "$c0" "$(tree_cpu_us "$CFSSL_PID")" "$c_req")
curl -s -d "{\"certificate_request\":$csr_json}" "http://127.0.0.1:$cport/api/v1/cfssl/sign" | jq -e '.success' >/dev/null \
  || echo "  (warning: cfssl did not sign the CSR; its figure is not comparable)"

# cfssl again, now storing every certificate it signs (its certdb, PostgreSQL
# driver) in a database of the same durable cluster: the like-for-like peer.
# The table is cfssl 1.2's certdb layout, written out here (Debian's package
# ships the binary, not its goose migrations).
"$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U tenantca cfssl
"$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U tenantca -d cfssl -Atq -c "
  CREATE TABLE certificates (serial_number bytea NOT NULL, authority_key_identifier bytea NOT NULL,
    ca_label bytea, status bytea NOT NULL, reason int, expiry timestamptz, revoked_at timestamptz,
    pem bytea NOT NULL, PRIMARY KEY (serial_number, authority_key_identifier));
  CREATE TABLE ocsp_responses (serial_number bytea NOT NULL, authority_key_identifier bytea NOT NULL,
    body bytea NOT NULL, expiry timestamptz, PRIMARY KEY (serial_number, authority_key_identifier));"
printf '{"driver":"postgres","data_source":"postgres://tenantca@127.0.0.1:%s/cfssl?sslmode=disable"}\n' "$PGPORT" >"$W/cfssl-db.json"
cdport=$(free_port)
cfssl serve -address 127.0.0.1 -port "$cdport" -ca "$W/cfssl-ca.pem" -ca-key "$W/cfssl-ca.key" -config "$W/cfssl.json" \
  -db-config "$W/cfssl-db.json" >"$W/cfssl-db.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$cdport/api/v1/cfssl/sign" && break; sleep 0.1; done
checkpoint
CFSSL_PID=${PIDS[-1]}
c0=$(tree_cpu_us "$CFSSL_PID"); pg0=$(tree_cpu_us "$PG_PID")
read -r cd_rps cd_err cd_req _ cd_p50 cd_p99 < <(wrk -t2 -c16 -d"${DURATION}s" --latency -s "$W/cfssl.lua" "http://127.0.0.1:$cdport/api/v1/cfssl/sign" 2>&1 | wrk_summary)
cd_cpu=$(per_request_us "$c0" "$(tree_cpu_us "$CFSSL_PID")" "$cd_req"); cd_pg=$(per_request_us "$pg0" "$(tree_cpu_us "$PG_PID")" "$cd_req")
cd_rows=$("$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U tenantca -d cfssl -Atq -c "SELECT count(*) FROM certificates")
[ "${cd_rows:-0}" -gt 0 ] || echo "  (warning: cfssl stored no certificate in its database; its figure is not comparable)"

# --- 2. OCSP responses/s -----------------------------------------------------------------
LEAF=$(j "$KEY" /api/v1/certificates "{\"ca_id\":\"$CA\",\"csr_pem\":$csr_json}" | jq -r .certificate_pem)
echo "$LEAF" >"$W/leaf.pem"
curl -s "$U/pki/$CA/ca.crt?format=pem" -o "$W/ca.pem"
openssl ocsp -issuer "$W/ca.pem" -cert "$W/leaf.pem" -reqout "$W/ocsp.der" -no_nonce >/dev/null 2>&1
hexbody=$(od -An -tx1 -v "$W/ocsp.der" | tr -d ' \n')
cat >"$W/ocsp.lua" <<LUA
local hex = "$hexbody"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/ocsp-request"
wrk.body = (hex:gsub("..", function(c) return string.char(tonumber(c, 16)) end))
LUA
read -r o_rps o_err _ _ < <(wrk -t2 -c64 -d"${DURATION}s" -s "$W/ocsp.lua" "$U/pki/$CA/ocsp" 2>&1 | wrk_summary)
# The same with a nonce: the answer is never cached, so every one is signed (the status may come from the worker's cache).
openssl ocsp -issuer "$W/ca.pem" -cert "$W/leaf.pem" -reqout "$W/ocsp-nonce.der" >/dev/null 2>&1
hexbody=$(od -An -tx1 -v "$W/ocsp-nonce.der" | tr -d ' \n')
sed "s/^local hex = .*/local hex = \"$hexbody\"/" "$W/ocsp.lua" >"$W/ocsp-nonce.lua"
read -r on_rps on_err _ _ < <(wrk -t2 -c64 -d"${DURATION}s" -s "$W/ocsp-nonce.lua" "$U/pki/$CA/ocsp" 2>&1 | wrk_summary)
curl -s -H 'Content-Type: application/ocsp-request' --data-binary @"$W/ocsp.der" "$U/pki/$CA/ocsp" -o "$W/ocsp-resp.der"
openssl ocsp -respin "$W/ocsp-resp.der" -issuer "$W/ca.pem" -cert "$W/leaf.pem" -CAfile "$W/ca.pem" 2>&1 | grep -q ': good' \
  || echo "  (warning: the benchmarked OCSP answer did not verify as good)"

# --- 3. CRL with many revoked entries; revoke latency 0 vs many ----------------------------------
revoke_latency() { # CA -> median revoke latency in ms over 30 fresh certificates
  local ca=$1 ids=() t
  for _ in $(seq 1 30); do ids+=("$(j "$KEY" /api/v1/certificates "{\"ca_id\":\"$ca\",\"csr_pem\":$csr_json}" | jq -r .id)"); done
  for id in "${ids[@]}"; do
    curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
      -d '{"reason":"superseded"}' "$U/api/v1/certificates/$id/revoke"
  done | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)] * 1000}'
}
lat0=$(revoke_latency "$CA")
"${PSQL[@]}" -c "INSERT INTO certificates (id, tenant_id, ca_id, source, serial, subject, issuer, common_name, sans, not_before, not_after, key_type, fingerprint_sha256, certificate_pem, revoked_at, revocation_reason)
  SELECT gen_random_uuid(), '$TID', '$CA', 'issued', md5(g::text) || substr(md5(g::text || 'x'), 1, 8), '{}', '{}', 'bulk', '{\"dns\":[],\"ip\":[],\"email\":[],\"uri\":[]}', now(), now() + interval '30 days', 'ec', md5(g::text), '', now(), 'superseded'
  FROM generate_series(1, $N_REVOKED) g" >/dev/null
"${PSQL[@]}" -c "UPDATE ca_crls SET valid = false WHERE ca_id = '$CA'; ANALYZE certificates" >/dev/null
crl_build=$(curl -s -o "$W/big.crl" -w '%{time_total}' "$U/pki/$CA/crl")
crl_cached=$(curl -s -o /dev/null -w '%{time_total}' "$U/pki/$CA/crl")
entries=$(openssl crl -inform DER -in "$W/big.crl" -noout -text | grep -c 'Serial Number' || true)
latN=$(revoke_latency "$CA")

echo "PKI benchmarks, $(nproc) cores, tenantca with $WORKERS workers x $THREADS threads"
printf '  issuance, EC P-256 CSR, 16 clients : %9s certs/s (%s requests, %s committed, errors %s; p50 %s, p99 %s; %s certificates per transaction)\n' "$i_rps" "$i_req" "$committed" "$i_err" "$i_p50" "$i_p99" "$batches"
printf '  the same, group commit off         : %9s certs/s (%s requests, %s committed, errors %s; p50 %s, p99 %s)\n' "$n_rps" "$n_req" "$n_committed" "$n_err" "$n_p50" "$n_p99"
printf '  the same, default workers/threads   : %9s certs/s (%s requests, %s committed, errors %s; p50 %s, p99 %s; %s certificates per transaction)\n' "$w_rps" "$w_req" "$w_committed" "$w_err" "$w_p50" "$w_p99" "$w_batches"
printf '  issuance, 1 client                 : %9s certs/s (p50 %s, p99 %s; group commit off: p50 %s, p99 %s)\n' "$s_rps" "$s_p50" "$s_p99" "$s1_p50" "$s1_p99"
printf '  cfssl serve /api/v1/cfssl/sign     : %9s certs/s (errors %s; p50 %s, p99 %s; keeps no database)\n' "$c_rps" "$c_err" "$c_p50" "$c_p99"
printf '  cfssl serve, PostgreSQL certdb     : %9s certs/s (%s requests, %s rows stored, errors %s; p50 %s, p99 %s)\n' "$cd_rps" "$cd_req" "$cd_rows" "$cd_err" "$cd_p50" "$cd_p99"
printf '  CPU per certificate (µs, measured) : tenantca %s + PostgreSQL %s; cfssl %s; cfssl with certdb %s + PostgreSQL %s\n' "$i_cpu" "$i_pg" "$c_cpu" "$cd_cpu" "$cd_pg"
printf '  ratio tenantca / cfssl             : %9s (goal >= 1.0)\n' "$(ratio "$i_rps" "$c_rps")"
printf '  ratio tenantca / cfssl + certdb    : %9s (both durable; goal >= 4)\n' "$(ratio "$i_rps" "$cd_rps")"
printf '  the same ratios, default config    : %9s and %s\n' "$(ratio "$w_rps" "$c_rps")" "$(ratio "$w_rps" "$cd_rps")"
printf '  ratio group commit on / off        : %9s\n' "$(ratio "$i_rps" "$n_rps")"
printf '  OCSP POST, 64 connections, no nonce: %9s responses/s (errors %s; goal >= 20000; answers cached per worker)\n' "$o_rps" "$o_err"
printf '  OCSP POST, 64 connections, nonce   : %9s responses/s (errors %s; each answer signed afresh, statuses cached per worker)\n' "$on_rps" "$on_err"
printf '  CRL build, %s revoked entries  : %9s s (then cached: %s s; goal < 0.5 s)\n' "$entries" "$crl_build" "$crl_cached"
printf '  revoke latency, median of 30       : %9s ms at 0 revoked, %s ms at %s revoked (goal: equal)\n' "$lat0" "$latN" "$N_REVOKED"
