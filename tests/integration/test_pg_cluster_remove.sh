# scripts/pg-cluster remove leaves nothing behind: not the directory, and not
# the files a root run keeps under /var/tmp/tenantca-pg (which deleting the
# directory alone left there: every test and benchmark run leaked 0.1-1 GB).
source "$(dirname "$0")/lib.sh"

PGC="$LIB_DIR/../../scripts/pg-cluster"
DIR="$T/private/pg"
mkdir -p "$T/private"
chmod 700 "$T/private"  # as root, the postgres user cannot reach it: files go to /var/tmp
PORT=$(free_port)
"$PGC" start "$DIR" "$PORT" fast >/dev/null
defer "$PGC" remove "$DIR"
FILES=$DIR
if [ -L "$DIR/home" ]; then
  FILES=$(readlink "$DIR/home")
  defer rm -rf "$FILES"  # should remove fail, the files still go at the end
fi
expect_eq "the cluster answers" "1" "$("$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U tenantca -d postgres -Atqc 'SELECT 1')"
if [ -f "$FILES/data/PG_VERSION" ]; then ok "its files are at $FILES"; else fail "no cluster files at $FILES"; fi

"$PGC" remove "$DIR"
if [ ! -e "$DIR" ]; then ok "the directory is gone"; else fail "$DIR remains"; fi
if [ ! -e "$FILES" ]; then ok "the cluster's files are gone"; else fail "$FILES remains"; fi
if "$PGBIN/pg_isready" -h 127.0.0.1 -p "$PORT" -q; then fail "the server still answers"; else ok "the server is stopped"; fi
finish
