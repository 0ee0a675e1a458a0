# Shared setup for benchmarks: build, a throwaway PostgreSQL cluster, a
# migrated database, and helpers to run tenantca and wrk. Figures are printed,
# never asserted.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/wrk.sh"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$ROOT/build/daemon/tenantca
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
PGBIN=$(pg_bin)
"$ROOT/scripts/install-deps"
ensure_packages wrk
"$ROOT/scripts/build" >/dev/null

W=$(mktemp -d /tmp/tenantca-bench.XXXXXX)
PGPORT=$(free_port)
PIDS=()
bench_cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  "$ROOT/scripts/pg-cluster" remove "$W/pg" >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap bench_cleanup EXIT
# Durable by default: fsync, synchronous_commit and full_page_writes on, as in
# production; a 201 means committed. BENCH_PG=fast opts out, and says so.
if [ "${BENCH_PG:-durable}" = fast ]; then
  "$ROOT/scripts/pg-cluster" start "$W/pg" "$PGPORT" fast
  echo "# WARNING: POSTGRESQL WITH FSYNC AND SYNCHRONOUS_COMMIT OFF (BENCH_PG=fast): COMMITS MAY BE LOST; FIGURES ARE NOT DURABLE"
else
  "$ROOT/scripts/pg-cluster" start "$W/pg" "$PGPORT"
fi
echo "# PostgreSQL: $("$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U tenantca -d postgres -Atc "SELECT 'fsync=' || current_setting('fsync') || ' synchronous_commit=' || current_setting('synchronous_commit') || ' full_page_writes=' || current_setting('full_page_writes')")"
"$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U tenantca tenantca
DB_URL="host=127.0.0.1 port=$PGPORT user=tenantca dbname=tenantca"
"$BIN" migrate --database-url "$DB_URL" >/dev/null
(umask 077; openssl rand -base64 32 >"$W/kek")


# start_tenantca PORT [extra flags...]: serves in the background, waits for health.
# The per-client limit on /pki/* is off: wrk is one client measuring capacity.
start_tenantca() {
  local port=$1; shift
  "$BIN" serve --database-url "$DB_URL" --bind "127.0.0.1:$port" --security-kek-file "$W/kek" \
    --public-url "${PUBLIC_URL:-http://127.0.0.1:$port}" --log-access false --rate-limit-public-rps 0 "$@" >>"$W/tenantca-$port.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/api/v1/health" && return 0; sleep 0.1; done
  echo "tenantca did not start"; tail "$W/tenantca-$port.log"; return 1
}

# tree_cpu_us PID: CPU time (user + system, µs) a process and its descendants
# have used, reaped children included. Taken before and after a run, it gives
# CPU per request, which holds still while the shared host's speed drifts.
tree_cpu_us() {
  local t=0 f c
  if read -r -a f <"/proc/$1/stat" 2>/dev/null; then
    t=$(((f[13] + f[14] + f[15] + f[16]) * 1000000 / $(getconf CLK_TCK)))
  fi
  for c in $(pgrep -P "$1"); do t=$((t + $(tree_cpu_us "$c"))); done
  echo "$t"
}
# The benchmark cluster's postmaster (its backends are its children).
postmaster_pid() { head -n1 "$W/pg/home/data/postmaster.pid" 2>/dev/null || head -n1 "$W/pg/data/postmaster.pid"; }
# per_request_us BEFORE AFTER REQUESTS
per_request_us() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { if (n > 0) printf "%.0f", (b - a) / n; else print "n/a" }'; }
