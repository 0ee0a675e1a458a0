# Shared helpers for integration tests: each test gets its own database and
# its own daemon on a free port, against the cluster scripts/test started
# (TENANTCA_TEST_PG). Assertions print what was expected and what came back.
set -euo pipefail

: "${TENANTCA_TEST_PG:?run through scripts/test (TENANTCA_TEST_PG is not set)}"
: "${TENANTCA_BIN:?TENANTCA_BIN is not set}"
LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$LIB_DIR/../../scripts/lib/common.sh"
PGBIN=$(pg_bin)
TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "/tmp/tca-$TEST_NAME.XXXXXX")
DAEMON_PID=""
FAILS=0
CHECKS=0
# Cleanup steps run at exit, in the order deferred: each is a command and its
# arguments, run as such (no eval).
declare -a DEFERRED=()
defer() { local IFS=$'\x1f'; DEFERRED+=("$*"); }
run_deferred() {
  local entry argv
  for entry in "${DEFERRED[@]}"; do
    IFS=$'\x1f' read -ra argv <<<"$entry"
    # Our own functions may report (e.g. a cluster's logs on failure); commands are quiet.
    if declare -F "${argv[0]}" >/dev/null; then "${argv[@]}" || true; else "${argv[@]}" >/dev/null 2>&1 || true; fi
  done
}
stop_pid() { kill -TERM "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

pg_param() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$TENANTCA_TEST_PG"; }
PGHOST_=$(pg_param host); PGPORT_=$(pg_param port)
psql_admin() { "$PGBIN/psql" -h "$PGHOST_" -p "$PGPORT_" -U tenantca -d postgres -v ON_ERROR_STOP=1 -Atq "$@"; }
psql_db() { "$PGBIN/psql" -h "$PGHOST_" -p "$PGPORT_" -U tenantca -d "$DB_NAME" -v ON_ERROR_STOP=1 -Atq "$@"; }


# Creates a fresh database and migrates it; sets DB_NAME and DB_URL.
new_database() {
  DB_NAME="t_${TEST_NAME//[^a-z0-9]/_}_$RANDOM$RANDOM"
  psql_admin -c "CREATE DATABASE $DB_NAME"
  DB_URL="$TENANTCA_TEST_PG dbname=$DB_NAME"
  defer psql_admin -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)"
}
migrate() { "$TENANTCA_BIN" migrate --database-url "$DB_URL" >"$T/migrate.log" 2>&1 || { cat "$T/migrate.log"; return 1; }; }

# Writes a config file for a daemon; extra TOML lines may follow as arguments.
write_config() {
  PORT=$(free_port)
  BASE="http://127.0.0.1:$PORT"
  if [ ! -f "$T/kek" ]; then (umask 077; openssl rand -base64 32 >"$T/kek"); fi
  {
    echo "bind = \"127.0.0.1:$PORT\""
    echo "workers = ${WORKERS:-2}"
    echo "threads = ${THREADS:-2}"
    echo "public_url = \"${PUBLIC_URL:-$BASE}\""
    echo "pid_file = \"$T/tenantca.pid\""
    echo "graceful_timeout = 10"
    for line in "$@"; do echo "$line"; done
    echo "[database]"
    echo "url = \"$DB_URL\""
    echo "pool_size = 4"
    echo "[security]"
    echo "kek_file = \"$T/kek\""
  } >"$T/tenantca.toml"
}

# Starts the daemon in the background and waits until health answers 200.
start_daemon() {
  [ -f "$T/tenantca.toml" ] || write_config
  "$TENANTCA_BIN" serve --config "$T/tenantca.toml" "$@" >>"$T/daemon.log" 2>&1 &
  DAEMON_PID=$!
  wait_healthy
}
# A second instance (its own master) with the same configuration on another
# port, on the same database: sets B_BASE and B_PID; stopped at cleanup.
start_second_instance() {
  local port
  port=$(free_port)
  sed -e "s/127.0.0.1:$PORT/127.0.0.1:$port/" -e "s|$T/tenantca.pid|$T/b.pid|" "$T/tenantca.toml" >"$T/b.toml"
  "$TENANTCA_BIN" serve --config "$T/b.toml" >>"$T/daemon-b.log" 2>&1 &
  B_PID=$!
  defer stop_pid "$B_PID"
  B_BASE="http://127.0.0.1:$port"
  wait_for 10 curl -fs -o /dev/null "$B_BASE/api/v1/health" && ok "second instance up" || fail "second instance up"
}
# Prints a new operator key for the test database.
operator_key() { "$TENANTCA_BIN" operator-key create --database-url "$DB_URL" --name ci 2>/dev/null; }
wait_healthy() {
  for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "$BASE/api/v1/health" 2>/dev/null; then return 0; fi
    if ! kill -0 "$DAEMON_PID" 2>/dev/null; then echo "daemon exited during start:"; tail -n 30 "$T/daemon.log"; return 1; fi
    sleep 0.1
  done
  echo "daemon not healthy after 10 s:"; tail -n 30 "$T/daemon.log"; return 1
}
stop_daemon() {
  [ -n "$DAEMON_PID" ] || return 0
  kill -TERM "$DAEMON_PID" 2>/dev/null || true
  wait "$DAEMON_PID" 2>/dev/null || true
  DAEMON_PID=""
}
worker_pids() { pgrep -P "$DAEMON_PID" | sort; }

cleanup_all() {
  local rc=$?
  stop_daemon
  run_deferred
  if [ "$rc" -ne 0 ] || [ "$FAILS" -ne 0 ]; then
    echo "--- daemon log (tail) ---"; tail -n 40 "$T/daemon.log" 2>/dev/null || true
  fi
  [ -n "${KEEP_TEST_DIR:-}" ] && echo "# kept $T" || rm -rf "$T"
}
trap cleanup_all EXIT

# --- HTTP ---------------------------------------------------------------
# api METHOD PATH [JSON] [extra curl args...]: sets STATUS, BODY, and HEADERS (file).
api() {
  local method=$1 path=$2 body=${3:-}
  shift 2; [ $# -gt 0 ] && shift
  local args=(-sS -X "$method" -o "$T/body" -D "$T/headers" -w '%{http_code}')
  [ -n "${API_KEY:-}" ] && args+=(-H "Authorization: Bearer $API_KEY")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  STATUS=$(curl "${args[@]}" "$@" "$BASE$path")
  BODY=$(tr -d '\0' <"$T/body")
  HEADERS="$T/headers"
  record_answer "$method" "$path"
  if [ "$method" = POST ] && [ "$STATUS" = 201 ] && [[ "$path" =~ ^/api/v1/certificates(/[^/]+/renew)?$ ]]; then
    verify_issued
  fi
}

# Every certificate the API issues must satisfy strict relying parties: the
# chain up to the root of its CA (walked through GET /api/v1/cas/{id}) is
# checked with `openssl verify -x509_strict` and GnuTLS `certtool --verify`.
# Leaves STATUS, BODY and HEADERS as the issuing call set them.
verify_issued() {
  local status=$STATUS body=$BODY headers=$HEADERS dir="$T/verify" ca id pem
  [ "$(jq -r .source <<<"$body")" = issued ] || return 0
  mkdir -p "$dir"; : >"$dir/chain.pem"
  id=$(jq -r .id <<<"$body")
  jq -r .certificate_pem <<<"$body" >"$dir/leaf.pem"
  ca=$(jq -r .ca_id <<<"$body")
  while [ -n "$ca" ] && [ "$ca" != null ]; do
    curl -sS -o "$dir/ca.json" -H "Authorization: Bearer $API_KEY" "$BASE/api/v1/cas/$ca"
    pem=$(jq -r .certificate_pem "$dir/ca.json")
    ca=$(jq -r .parent_ca_id "$dir/ca.json")
    if [ "$ca" = null ]; then printf '%s\n' "$pem" >"$dir/root.pem"; else printf '%s\n' "$pem" >>"$dir/chain.pem"; fi
  done
  local untrusted=()
  [ -s "$dir/chain.pem" ] && untrusted=(-untrusted "$dir/chain.pem")
  if openssl verify -x509_strict -CAfile "$dir/root.pem" "${untrusted[@]}" "$dir/leaf.pem" >"$dir/out" 2>&1; then
    ok "issued $id verifies with openssl -x509_strict"
  else
    fail "issued $id fails openssl -x509_strict: $(tr '\n' ' ' <"$dir/out")"
  fi
  cat "$dir/leaf.pem" "$dir/chain.pem" >"$dir/full.pem"
  if certtool --verify --load-ca-certificate "$dir/root.pem" --infile "$dir/full.pem" 2>&1 |
      grep -q "Chain verification output: Verified"; then
    ok "issued $id verifies with GnuTLS certtool"
  else
    fail "issued $id fails GnuTLS certtool --verify"
  fi
  STATUS=$status BODY=$body HEADERS=$headers
}
header() { grep -i "^$1:" "$HEADERS" | head -n1 | cut -d: -f2- | sed 's/^ *//; s/\r$//'; }
jget() { jq -r "$1" <<<"$BODY"; }

# --- assertions ---------------------------------------------------------
ok() { CHECKS=$((CHECKS + 1)); echo "ok - $1"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL - $1"; }
expect_eq() { # name expected actual
  if [ "$2" == "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi
}
expect_status() { # expected [name]
  if [ "$STATUS" == "$1" ]; then ok "${2:-status $1}"; else fail "${2:-status}: expected HTTP $1, got $STATUS: $BODY"; fi
}
expect_json() { expect_eq "$1" "$3" "$(jget "$2")"; }
expect_match() { # name regex actual
  if [[ "$3" =~ $2 ]]; then ok "$1"; else fail "$1: '$3' does not match /$2/"; fi
}
expect_problem() { # status code
  expect_status "$1" "problem $2 status"
  expect_eq "problem $2 content type" "application/problem+json" "$(header Content-Type)"
  expect_json "problem code" .code "$2"
  expect_json "problem status field" .status "$1"
  expect_eq "problem type" "https://tenantca.dev/problems/$2" "$(jget .type)"
  expect_eq "problem request_id matches header" "$(header X-Request-Id)" "$(jget .request_id)"
}
# Every JSON answer is kept, then checked against docs/openapi.yaml at finish:
# the document and the daemon cannot drift apart.
record_answer() { # method path
  local ctype
  ctype=$(header Content-Type || true)
  case "$ctype" in application/json*|application/problem+json*) ;; *) return 0 ;; esac
  jq -cn --arg m "$1" --arg p "$2" --arg s "$STATUS" --arg t "$ctype" --slurpfile b "$T/body" \
    '{method: $m, path: $p, status: ($s | tonumber), type: $t, body: $b[0]}' >>"$T/answers.jsonl" 2>/dev/null || true
}
validate_answers() {
  [ -s "$T/answers.jsonl" ] || return 0
  local out rc=0
  out=$(python3 "$LIB_DIR/../openapi/validate_responses.py" "$LIB_DIR/../../docs/openapi.yaml" "$T/answers.jsonl" 2>&1) || rc=$?
  if [ "$rc" -eq 0 ]; then ok "$(tail -n1 <<<"$out")"; else fail "answers differ from docs/openapi.yaml:"; echo "$out"; fi
}
finish() {
  validate_answers
  echo "# $CHECKS checks, $FAILS failed"
  [ "$FAILS" -eq 0 ]
}

# --- continuous client load --------------------------------------------------
# load_start KEEPALIVE_CLIENTS NEW_CONNECTION_CLIENTS PATH: each client loops
# until load_stop, writing one HTTP status per request (000 = failed).
# With LOAD_KEY set, requests carry it as a bearer token.
LOAD_PIDS=()
load_start() {
  local ka=$1 nc=$2 path=$3 i
  rm -f "$T"/load.*
  touch "$T/load.run"
  local urls=() auth=()
  [ -n "${LOAD_KEY:-}" ] && auth=(-H "Authorization: Bearer $LOAD_KEY")
  for i in $(seq 1 50); do urls+=(-o /dev/null "$BASE$path"); done
  for i in $(seq 1 "$ka"); do
    ( while [ -f "$T/load.run" ]; do curl -s "${auth[@]}" -w '%{http_code}\n' "${urls[@]}" 2>/dev/null || echo 000; done >"$T/load.ka$i" ) &
    LOAD_PIDS+=($!)
  done
  for i in $(seq 1 "$nc"); do
    ( while [ -f "$T/load.run" ]; do curl -s "${auth[@]}" -o /dev/null -w '%{http_code}\n' "$BASE$path" 2>/dev/null || echo 000; done >"$T/load.nc$i" ) &
    LOAD_PIDS+=($!)
  done
}
load_stop() { # sets LOAD_TOTAL and LOAD_FAILED
  rm -f "$T/load.run"
  wait "${LOAD_PIDS[@]}" 2>/dev/null || true
  LOAD_PIDS=()
  LOAD_TOTAL=$(cat "$T"/load.ka* "$T"/load.nc* 2>/dev/null | wc -l)
  LOAD_FAILED=$(cat "$T"/load.ka* "$T"/load.nc* 2>/dev/null | grep -vc '^200$' || true)
  if [ "$LOAD_FAILED" -gt 0 ]; then
    echo "# failed answers by code: $(cat "$T"/load.ka* "$T"/load.nc* | grep -v '^200$' | sort | uniq -c | tr '\n' ' ')"
  fi
}
worker_count_is() { [ "$(pgrep -P "$DAEMON_PID" | wc -l)" -eq "$1" ]; }
# Answers recorded by the load clients so far.
load_count() { cat "$T"/load.ka* "$T"/load.nc* 2>/dev/null | wc -l; }
# Waits (up to 15 s) until the load clients got N more answers: the load has
# run through whatever happened before the call.
load_advances() {
  local target=$(($(load_count) + $1))
  wait_for 15 bash -c "[ \$(cat $T/load.ka* $T/load.nc* 2>/dev/null | wc -l) -ge $target ]"
}
# The value of one /metrics sample (exact name with labels), or empty.
metric_value() { curl -s "${2:-$BASE}/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
metric_at_least() { local v; v=$(metric_value "$1" "${3:-}"); [ -n "$v" ] && [ "${v%.*}" -ge "$2" ]; }
