# The failover measurement, shared by tests/cluster/test_failover.sh and
# bench/cluster.sh: a writer issuing a certificate through the front every
# 50 ms, the primary crashed and the standby promoted, and the timings.
#   writer_start URL KEY CA FILE   one line per write: start-ms status id end-ms content-type
#   writer_stop
#   failover DIR                   crash, wait PROMOTE_DELAY seconds (default 0:
#                                  promote at once), promote; sets CRASH_MS
#                                  DEAD_MS PROMOTED_MS
#   failover_figures FILE          sets GAP_MS (crash -> first good write started
#                                  after the primary died), OUTAGE_MS (last good
#                                  write before -> that one), AFTER_PROMOTE_MS
#                                  (promote returned -> that one), WRITES, FAILED
FAILOVER_LIB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

writer_start() {
  local url=$1 key=$2 ca=$3 file=$4
  touch "$file.run"
  ( i=0; while [ -f "$file.run" ]; do
      i=$((i + 1)); t=$(date +%s%3N)
      out=$(curl -s -m 5 -o "$file.body" -w '%{http_code} %{content_type}' -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
        --data-binary "{\"ca_id\":\"$ca\",\"subject\":{\"common_name\":\"w-$i\"},\"usage\":[\"client_auth\"],\"validity_days\":7}" \
        "$url/api/v1/certificates" || true)
      read -r code ctype <<<"$out"
      id=$(jq -r '.id // "-"' "$file.body" 2>/dev/null || echo -)
      echo "$t ${code:-000} $id $(date +%s%3N) ${ctype:--}" >>"$file"
      sleep 0.05
    done ) &
  WRITER_PID=$!
  WRITER_FILE=$file
}
writer_stop() { rm -f "$WRITER_FILE.run"; wait "$WRITER_PID" 2>/dev/null || true; }

failover() {
  CRASH_MS=$(date +%s%3N)
  "$FAILOVER_LIB_ROOT/scripts/pg-cluster" crash "$1/primary"
  DEAD_MS=$(date +%s%3N)
  sleep "${PROMOTE_DELAY:-0}"
  "$FAILOVER_LIB_ROOT/scripts/pg-cluster" promote "$1/standby"
  PROMOTED_MS=$(date +%s%3N)
}
# True once a write that started after the old primary died succeeded.
writes_recovered() { awk -v c="$DEAD_MS" '$1 > c && $2 == 201 {f = 1} END {exit !f}' "$1" 2>/dev/null; }

failover_figures() {
  local first last
  first=$(awk -v c="$DEAD_MS" '$1 > c && $2 == 201 {print $4; exit}' "$1")
  last=$(awk -v c="$CRASH_MS" '$4 <= c && $2 == 201 {t = $4} END {print t}' "$1")
  # No write recovered: no figure can be smaller than "never".
  [ -n "$first" ] || first=$((CRASH_MS + 999999999))
  [ -n "$last" ] || last=$CRASH_MS
  GAP_MS=$((first - CRASH_MS))
  OUTAGE_MS=$((first - last))
  AFTER_PROMOTE_MS=$((first - PROMOTED_MS))
  WRITES=$(wc -l <"$1")
  FAILED=$(awk '$2 != 201' "$1" | wc -l)
}
