# Configuration precedence (default < file < environment < flag), validation
# messages naming the setting, masking of secrets, and the CLI's commands.
source "$(dirname "$0")/lib.sh"

cat >"$T/c.toml" <<'TOML'
workers = 7
[database]
url = "postgresql://app:s3cret@db.example:5432/tenantca"
pool_size = 3
[log]
format = "json"
TOML
out=$("$TENANTCA_BIN" check-config --config "$T/c.toml")
expect_match "file value is used" 'workers = 7' "$out"
expect_match "default applies when nothing is set" 'threads = 2' "$out"
expect_match "password is masked" 'postgresql://app:\*\*\*\*@db.example' "$out"
if grep -q s3cret <<<"$out"; then fail "secret never printed"; else ok "secret never printed"; fi

out=$(TENANTCA_WORKERS=9 TENANTCA_DATABASE_POOL_SIZE=5 "$TENANTCA_BIN" check-config --config "$T/c.toml")
expect_match "environment beats file" 'workers = 9' "$out"
expect_match "section keys from the environment" 'pool_size = 5' "$out"
out=$(TENANTCA_WORKERS=9 "$TENANTCA_BIN" check-config --config "$T/c.toml" --workers 11)
expect_match "flag beats environment" 'workers = 11' "$out"

out=$("$TENANTCA_BIN" check-config --config "$T/c.toml" --database-url "host=x password=hunter2 user=y")
expect_match "conninfo password masked" 'password=\*\*\*\*' "$out"

if out=$("$TENANTCA_BIN" check-config --config "$T/c.toml" --database-pool-size abc 2>&1); then rc=0; else rc=$?; fi
expect_eq "bad value exits non-zero" 1 "$rc"
expect_match "error names the setting and reason" "database.pool_size.*expected an integer" "$out"
if out=$(TENANTCA_LOG_LEVEL=loud "$TENANTCA_BIN" check-config --config "$T/c.toml" 2>&1); then rc=0; else rc=$?; fi
expect_eq "a bad environment value exits 1" 1 "$rc"
expect_match "error names the environment variable" "log.level.*TENANTCA_LOG_LEVEL.*must be one of" "$out"
echo 'wrokers = 3' >"$T/typo.toml"
if out=$("$TENANTCA_BIN" check-config --config "$T/typo.toml" 2>&1); then rc=0; else rc=$?; fi
expect_eq "an unknown key exits 1" 1 "$rc"
expect_match "unknown key in the file is refused" "unknown setting 'wrokers'" "$out"
if out=$("$TENANTCA_BIN" check-config --config "$T/missing.toml" 2>&1); then rc=0; else rc=$?; fi
expect_eq "a missing file exits 1" 1 "$rc"
expect_match "an explicit missing file is an error" "does not exist" "$out"
if out=$("$TENANTCA_BIN" serve --config "$T/c.toml" --bind nonsense 2>&1); then rc=0; else rc=$?; fi
expect_eq "serve refuses a bad bind" 1 "$rc"
expect_match "bind error is explained" "bind.*HOST:PORT" "$out"

# The KEK file must be private and well-formed.
(umask 077; openssl rand -base64 32 >"$T/kek")
chmod 644 "$T/kek"
new_database; migrate
write_config
if out=$(timeout 10 "$TENANTCA_BIN" serve --config "$T/tenantca.toml" 2>&1); then rc=0; else rc=$?; fi
expect_eq "a group/world-readable KEK is refused" 4 "$rc"
expect_match "the refusal says why" "accessible by group or others" "$out"
chmod 600 "$T/kek"; echo "short" >"$T/kek"
if out=$(timeout 10 "$TENANTCA_BIN" serve --config "$T/tenantca.toml" 2>&1); then rc=0; else rc=$?; fi
expect_eq "a malformed KEK stops the start (exit 4, not killed by timeout)" 4 "$rc"
expect_match "a malformed KEK is refused" "32 bytes" "$out"

# Text is UTF-8 end to end: a database in another encoding is refused by
# migrate and by serve, with the fix named.
(umask 077; openssl rand -base64 32 >"$T/kek")
LATIN="t_latin1_$RANDOM$RANDOM"
psql_admin -c "CREATE DATABASE $LATIN ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
defer psql_admin -c "DROP DATABASE IF EXISTS $LATIN WITH (FORCE)"
if out=$("$TENANTCA_BIN" migrate --database-url "$TENANTCA_TEST_PG dbname=$LATIN" 2>&1); then rc=0; else rc=$?; fi
expect_eq "migrate refuses a LATIN1 database" 1 "$rc"
expect_match "the refusal names the encoding needed" "encoding is LATIN1.*UTF8" "$out"
expect_eq "nothing was created in it" 0 \
  "$("$PGBIN/psql" -h "$PGHOST_" -p "$PGPORT_" -U tenantca -d "$LATIN" -Atqc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
if out=$(timeout 10 "$TENANTCA_BIN" serve --config "$T/tenantca.toml" --database-url "$TENANTCA_TEST_PG dbname=$LATIN" 2>&1); then rc=0; else rc=$?; fi
expect_eq "serve refuses it at start (exit 4, not killed by timeout)" 4 "$rc"
expect_match "serve names the encoding needed" "encoding is LATIN1.*UTF8" "$out"

rc=0; version=$("$TENANTCA_BIN" version) || rc=$?
expect_eq "version exits 0" 0 "$rc"
expect_match "version prints" '^tenantca [0-9]+\.[0-9]+\.[0-9]+$' "$version"
expect_match "--help lists the subcommands" "serve.*migrate.*check-config" "$("$TENANTCA_BIN" --help | tr '\n' ' ')"
finish
