# Cluster tests: each script gets its own whole deployment from
# scripts/cluster (PostgreSQL primary + standby, Redis, three tenantca
# instances, HAProxy) in a private directory on free ports, and reuses the
# integration helpers (api, expect_*, load_start/load_stop) against the
# HAProxy front.
: "${TENANTCA_BIN:?TENANTCA_BIN is not set}"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export TENANTCA_BIN

pick_base_port() { # 20 free consecutive ports below the ephemeral range
  local b p busy
  while :; do
    b=$(( 20000 + (RANDOM % 550) * 20 ))
    busy=0
    for p in $(seq "$b" $((b + 19))); do ss -Hltn "sport = :$p" | grep -q . && { busy=1; break; }; done
    [ "$busy" -eq 0 ] && { echo "$b"; return; }
  done
}
export TENANTCA_CLUSTER_PORT=$(pick_base_port)
export TENANTCA_CLUSTER_DIR=$(mktemp -d "/tmp/tca-cluster.XXXXXX")
export TENANTCA_TEST_PG="host=127.0.0.1 port=$TENANTCA_CLUSTER_PORT user=tenantca"
source "$ROOT/tests/integration/lib.sh"
source "$ROOT/tests/integration/pki_lib.sh"

cluster() { "$ROOT/scripts/cluster" "$@"; }
cluster_dump_logs() {
  for f in "$TENANTCA_CLUSTER_DIR"/instance*.log; do echo "--- $(basename "$f") (tail) ---"; tail -n 15 "$f"; done
}
cluster_teardown() {
  [ "$FAILS" -eq 0 ] || cluster_dump_logs
  cluster clean
  rm -rf "$TENANTCA_CLUSTER_DIR"
}
defer cluster_teardown
cluster start
source <(cluster env)
BASE=$FRONT_URL
DB_URL=$PRIMARY_URL
psql_primary() { "$PGBIN/psql" -h 127.0.0.1 -p "$PRIMARY_PORT" -U tenantca -d tenantca -v ON_ERROR_STOP=1 -Atq "$@"; }
psql_standby() { "$PGBIN/psql" -h 127.0.0.1 -p "$STANDBY_PORT" -U tenantca -d tenantca -v ON_ERROR_STOP=1 -Atq "$@"; }

# HAProxy's view of one server: UP, DOWN, "UP 1/3" (going down), ...
backend_state() { curl -s "$STATS_URL;csv" | awk -F, -v s="$1" '$1=="tenantca" && $2==s {print $18}'; }
backend_is() { [ "$(backend_state "$1")" = "$2" ]; }

# Sum of one metric line over every instance.
metric_sum() { # exact series text, e.g. 'tenantca_database_reads_total{pool="replica"}'
  local total=0 n v
  for n in 1 2 3; do
    local url_var="INSTANCE${n}_URL"
    v=$(curl -s "${!url_var}/metrics" | awk -v k="$1" '$1==k {print $2}')
    total=$((total + ${v:-0}))
  done
  echo "$total"
}
