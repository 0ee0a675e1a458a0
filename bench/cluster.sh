#!/usr/bin/env bash
# Scale-out on this machine, with scripts/cluster (HAProxy, three instances
# of 2 workers, PostgreSQL primary + standby, Redis rate limits):
#   1. authenticated reads (GET /api/v1/cas, replica + Redis on the path)
#      with wrk -t2 -c64: one instance directly, HAProxy with 1 instance in
#      rotation, HAProxy with 3;
#   2. the failover gap: a writer issues certificates through HAProxy every
#      50 ms; the primary is crashed and the standby promoted; printed: the
#      time from the crash to the first successful write, and the failed writes.
# Figures are printed, never asserted. On 2 cores, 3 instances compete for
# the same CPUs as wrk, HAProxy and PostgreSQL: expect no gain from 3.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/bench/wrk.sh"
DURATION=${DURATION:-10s}
"$ROOT/scripts/install-deps"
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq wrk >/dev/null; }
"$ROOT/scripts/build" >/dev/null

export TENANTCA_CLUSTER_DIR=$(mktemp -d /tmp/tenantca-bench-cluster.XXXXXX)
export TENANTCA_CLUSTER_PORT=$(( 20000 + (RANDOM % 550) * 20 ))
cluster() { "$ROOT/scripts/cluster" "$@"; }
trap 'cluster clean >/dev/null 2>&1 || true; rm -rf "$TENANTCA_CLUSTER_DIR"' EXIT
cluster start
source <(cluster env)
BIN=$ROOT/build/daemon/tenantca

j() { curl -fsS -H "Authorization: Bearer $1" -H 'Content-Type: application/json' --data-binary "$3" "$FRONT_URL$2"; }
OP=$("$BIN" operator-key create --database-url "$PRIMARY_URL" --name bench 2>/dev/null)
TID=$(j "$OP" /api/v1/tenants '{"name":"bench","rate_limit":{"requests_per_second":1000000,"burst":1000000}}' | jq -r .id)
OWNER=$(j "$OP" "/api/v1/tenants/$TID/api-keys" '{"name":"o","role":"owner"}' | jq -r .secret)
CA=$(j "$OWNER" /api/v1/cas '{"name":"root","type":"root","subject":{"common_name":"Bench Root"},"key":{"type":"ec","curve":"P-256"}}' | jq -r .id)
sleep 2.5  # past the tenant's read-your-own-writes window: reads use the replica

haproxy_cmd() { echo "$1" | socat stdio "unix-connect:$CLUSTER_DIR/haproxy.sock" >/dev/null; }
read_bench() { # url
  wrk -t2 -c64 -d"$DURATION" -H "Authorization: Bearer $OWNER" "$1/api/v1/cas" 2>&1 | wrk_summary | cut -d' ' -f1,2
}

read -r d_rps d_err < <(read_bench "$INSTANCE1_URL")
haproxy_cmd "disable server tenantca/instance2"
haproxy_cmd "disable server tenantca/instance3"
sleep 0.5
read -r h1_rps h1_err < <(read_bench "$FRONT_URL")
haproxy_cmd "enable server tenantca/instance2"
haproxy_cmd "enable server tenantca/instance3"
sleep 1.5
read -r h3_rps h3_err < <(read_bench "$FRONT_URL")

# --- failover gap ---------------------------------------------------------------------
source "$ROOT/tests/cluster/failover_lib.sh"
writer_start "$FRONT_URL" "$OWNER" "$CA" "$CLUSTER_DIR/writes"
sleep 3
failover "$CLUSTER_DIR"
for _ in $(seq 1 300); do writes_recovered "$CLUSTER_DIR/writes" && break; sleep 0.1; done
sleep 2
writer_stop
failover_figures "$CLUSTER_DIR/writes"

echo
echo "tenantca scale-out on $(nproc) cores (wrk -t2 -c64 -d$DURATION, GET /api/v1/cas, owner key)"
printf '  instance 1 directly (baseline)     : %9s req/s (errors %s)\n' "$d_rps" "$d_err"
printf '  HAProxy, 1 instance in rotation    : %9s req/s (errors %s) = %s x baseline\n' "$h1_rps" "$h1_err" "$(ratio "$h1_rps" "$d_rps")"
printf '  HAProxy, 3 instances in rotation   : %9s req/s (errors %s) = %s x baseline, %s x 1 instance\n' \
  "$h3_rps" "$h3_err" "$(ratio "$h3_rps" "$d_rps")" "$(ratio "$h3_rps" "$h1_rps")"
echo "failover (crash the primary, pg_ctl promote the standby; a writer every 50 ms through HAProxy)"
printf '  primary dead after %s ms, standby promoted after %s ms\n' $((DEAD_MS - CRASH_MS)) $((PROMOTED_MS - CRASH_MS))
printf '  first successful write answered %s ms after the crash; no write succeeded for %s ms\n' "$GAP_MS" "$OUTAGE_MS"
printf '  writes: %s, failed: %s\n' "$WRITES" "$FAILED"
