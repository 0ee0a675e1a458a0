# Health reports the truth when the database is unreachable or hangs, and
# always answers within 2 s; it recovers when the database comes back.
source "$(dirname "$0")/lib.sh"

new_database
migrate
# The daemon reaches PostgreSQL through a TCP relay we can stop or freeze.
relay_port=$(free_port)
setsid socat TCP-LISTEN:$relay_port,fork,reuseaddr,bind=127.0.0.1 TCP:$PGHOST_:$PGPORT_ &
RELAY=$!
# Its own process group: stopping it freezes the per-connection children too.
defer kill -CONT -- "-$RELAY"
defer kill -- "-$RELAY"
wait_for 5 "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$relay_port" || fail "the relay did not start"
DB_URL="host=127.0.0.1 port=$relay_port user=tenantca dbname=$DB_NAME"
write_config
start_daemon

timed_health() {
  local t0=$(date +%s%N)
  STATUS=$(curl -sS -m 5 -o "$T/body" -w '%{http_code}' "$BASE/api/v1/health" || echo timeout)
  BODY=$(cat "$T/body" 2>/dev/null || true)
  ELAPSED_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
}

timed_health
expect_eq "healthy through the relay" 200 "$STATUS"

# A hung database: freeze the relay; health must still answer fast and turn 503.
kill -STOP -- -"$RELAY"
max=0; saw503=no
for _ in $(seq 1 30); do
  timed_health
  [ "$ELAPSED_MS" -gt "$max" ] && max=$ELAPSED_MS
  if [ "$STATUS" = 503 ]; then saw503=yes; break; fi
  sleep 0.5
done
expect_eq "a hung database turns health to 503 (after 10 s of silence)" yes "$saw503"
expect_json "503 body says unreachable" .database unreachable
expect_json "503 body status" .status unavailable
if [ "$max" -lt 2000 ]; then ok "health answered within 2 s while the database hung (max ${max} ms)"; else fail "health took ${max} ms"; fi
kill -CONT -- -"$RELAY"

# Recovery.
back=no
for _ in $(seq 1 40); do timed_health; [ "$STATUS" = 200 ] && { back=yes; break; }; sleep 0.25; done
expect_eq "health recovers when the database answers again" yes "$back"

# An unreachable database (relay gone): 503 quickly.
kill -- -"$RELAY"; wait "$RELAY" 2>/dev/null || true
saw503=no; max=0
for _ in $(seq 1 4); do
  timed_health
  [ "$ELAPSED_MS" -gt "$max" ] && max=$ELAPSED_MS
  [ "$STATUS" = 503 ] && { saw503=yes; break; }
  sleep 0.5
done
expect_eq "an unreachable database turns health to 503 within 2 s" yes "$saw503"
if [ "$max" -lt 2000 ]; then ok "health answered within 2 s with the database gone (max ${max} ms)"; else fail "health took ${max} ms"; fi

finish
