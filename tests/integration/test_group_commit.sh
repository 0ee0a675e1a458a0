# Group commit of issuance (database.commit_batch_max / commit_batch_wait_us):
# a lone request is written at once in a batch of one; concurrent requests
# share transactions; a row the database refuses fails its own request
# only, the others of its batch are stored. Counted in /metrics.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"

new_database
migrate
# /metrics on a listener of its own: it must answer while every request
# thread waits for a held batch (below).
MPORT=$(free_port); MBASE="http://127.0.0.1:$MPORT"
WORKERS=1 THREADS=8 write_config "[metrics]" "bind = \"127.0.0.1:$MPORT\""
# A busy worker's batch may wait 20 ms to fill: batches form reliably here.
start_daemon --database-commit-batch-wait-us 20000
OPKEY=$(operator_key)
TENANT_RPS=100000 setup_tenant batching
API_KEY=$OWNER api POST /api/v1/cas '{"name":"root","type":"root","subject":{"common_name":"Batch Root"}}'
CA=$(jget .id)
metric() { metric_value "$1" "$MBASE"; }
batches() { metric tenantca_issuance_batches_total; }
items() { metric tenantca_issuance_batch_items_total; }
# The first issuance of an idle queue leads a batch of itself alone; holding
# the certificates table from outside keeps that batch in PostgreSQL while the
# other issuances queue behind it (their number in /metrics).
hold_certificates() {
  coproc LOCKER { "$PGBIN/psql" -h "$PGHOST_" -p "$PGPORT_" -U tenantca -d "$DB_NAME" -Atq; }
  echo "BEGIN; LOCK TABLE certificates IN EXCLUSIVE MODE; SELECT 'locked';" >&"${LOCKER[1]}"
  local line=""
  read -r -t 10 line <&"${LOCKER[0]}" || true
  expect_eq "the certificates table is held from outside" locked "$line"
}
release_certificates() { # and end that session, so the next hold starts its own
  local pid=$LOCKER_PID
  echo "COMMIT;" >&"${LOCKER[1]}"
  eval "exec ${LOCKER[1]}>&-"
  wait "$pid" || true
}
queued_at_least() { metric_at_least tenantca_issuance_queue_depth "$1" "$MBASE"; }
certs() { psql_db -c "SELECT count(*) FROM certificates"; }
issue_async() { # cn out-file
  curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $ISSUER" -H 'Content-Type: application/json' \
    --data-binary "{\"ca_id\":\"$CA\",\"subject\":{\"common_name\":\"$1\"}}" "$BASE/api/v1/certificates" >>"$2"
}

# --- a lone request: one batch of one, no waiting window ---------------------------
b0=$(batches); i0=$(items)
API_KEY=$ISSUER api POST /api/v1/certificates "{\"ca_id\":\"$CA\",\"subject\":{\"common_name\":\"lone.example\"}}"
expect_status 201 "a lone issuance"
expect_eq "it was written as one batch of one" "1 1" "$(( $(batches) - b0 )) $(( $(items) - i0 ))"

# --- concurrent requests share transactions ------------------------------------------
b0=$(batches); i0=$(items); c0=$(certs)
hold_certificates
pids=()
for n in $(seq 1 32); do issue_async "c$n.example" "$T/concurrent" & pids+=($!); done
wait_for 30 queued_at_least 7 && ok "behind the held batch, the worker's seven other threads' issuances wait" \
  || fail "queue depth $(metric tenantca_issuance_queue_depth)"
release_certificates
wait "${pids[@]}"
expect_eq "32 concurrent issuances answered 201" 32 "$(grep -c '^201$' "$T/concurrent")"
expect_eq "32 certificates stored" $((c0 + 32)) "$(certs)"
nb=$(( $(batches) - b0 ))
largest=$(metric tenantca_issuance_batch_largest)
echo "# 32 concurrent issuances in $nb transactions (largest batch $largest)"
[ "$nb" -lt 32 ] && [ "${largest:-0}" -ge 7 ] && ok "concurrent issuances share transactions ($nb for 32, largest $largest)" \
  || fail "transactions: $nb for 32, largest batch $largest"

# --- a CA changed after workers cached it: nothing is signed under the old policy ----------
for n in 1 2 3 4; do issue_async "warm$n.example" "$T/warm"; done   # the worker has the CA row cached
API_KEY=$OWNER api PATCH "/api/v1/cas/$CA" '{"policy":{"allowed_domains":["only.example"]}}'
expect_status 200 "the CA's policy now allows only.example"
: >"$T/after-patch"
for n in 1 2 3 4 5 6; do issue_async "stale$n.example" "$T/after-patch"; done
expect_eq "every issuance after the change is judged by the new policy (422)" "422 422 422 422 422 422" "$(sort "$T/after-patch" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "nothing was stored under the old policy" 0 "$(psql_db -c "SELECT count(*) FROM certificates WHERE common_name LIKE 'stale%'")"
API_KEY=$OWNER api PATCH "/api/v1/cas/$CA" '{"policy":{"allowed_domains":null}}'
expect_status 200 "the policy is open again"

# --- a refused row fails alone ---------------------------------------------------------
# The database refuses one name (a trigger standing in for any row-level
# failure); batches holding it are retried row by row.
psql_db <<'SQL'
CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.common_name = 'poison.example' THEN
    RAISE EXCEPTION 'refused for the test' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER refuse_poison BEFORE INSERT ON certificates FOR EACH ROW EXECUTE FUNCTION refuse_poison();
SQL
split_seen() {
  local s0 pids=() n
  s0=$(metric tenantca_issuance_batch_splits_total)
  : >"$T/good"; : >"$T/bad"
  c0=$(certs)
  for n in $(seq 1 12); do issue_async "g$n.example" "$T/good" & pids+=($!); done
  for n in 1 2; do issue_async poison.example "$T/bad" & pids+=($!); done
  wait "${pids[@]}"
  [ "$(metric tenantca_issuance_batch_splits_total)" -gt "$s0" ]
}
wait_for 30 split_seen && ok "a batch holding the refused row was retried row by row" || fail "no batch held the refused row"
expect_eq "every good request of those batches answered 201" 12 "$(grep -c '^201$' "$T/good")"
expect_eq "and was stored" $((c0 + 12)) "$(certs)"
expect_eq "the refused requests failed (500), alone" "500 500" "$(sort "$T/bad" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "nothing of the refused rows was stored" 0 "$(psql_db -c "SELECT count(*) FROM certificates WHERE common_name = 'poison.example'")"
expect_eq "no audit event for a refused row" 0 "$(psql_db -c "SELECT count(*) FROM audit_events WHERE detail->>'common_name' = 'poison.example'")"

# --- batches gather the issuances of every worker -------------------------------------
# Four workers of one thread each: a worker holds one request at a time, so a
# batch of more than one is made of several workers' issuances (the queue
# the master shares with its workers, core/shared_commit_queue.hpp). Whatever
# the machine's speed: the first batch is held until the other three
# workers' issuances wait in the queue.
stop_daemon
WORKERS=4 THREADS=1 write_config "[metrics]" "bind = \"127.0.0.1:$MPORT\""
start_daemon
c0=$(certs)
hold_certificates
: >"$T/workers"
pids=()
for n in $(seq 1 16); do issue_async "w$n.example" "$T/workers" & pids+=($!); done
wait_for 30 queued_at_least 3 && ok "behind the held batch, three workers' issuances wait in the shared queue" \
  || fail "queue depth $(metric tenantca_issuance_queue_depth)"
release_certificates
wait "${pids[@]}"
expect_eq "16 concurrent issuances to 4 one-thread workers answered 201" 16 "$(grep -c '^201$' "$T/workers")"
expect_eq "16 certificates stored" $((c0 + 16)) "$(certs)"
largest=$(metric tenantca_issuance_batch_largest)
echo "# 16 issuances over 4 workers in $(batches) transactions (largest batch $largest)"
[ "${largest:-0}" -ge 3 ] && ok "one transaction held the issuances of the three waiting workers (largest batch $largest)" \
  || fail "no batch held more than one worker's issuance (largest $largest)"
expect_eq "the queue is empty afterwards" 0 "$(metric tenantca_issuance_queue_depth)"
finish
