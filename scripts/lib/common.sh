# Shared shell helpers for scripts/, tests/ and bench/ (source it; no side
# effects on sourcing). One place for what every script needs.

# The newest PostgreSQL server binaries directory, or empty.
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }

# A TCP port nothing listens on, from 20000-31999.
free_port() {
  local p
  while :; do
    p=$(( 20000 + RANDOM % 12000 ))
    ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
}

# Installs the named Debian packages that are not installed yet.
ensure_packages() {
  local p need=() sudo=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
  done
  [ ${#need[@]} -gt 0 ] || return 0
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds
# (0) or SECONDS have passed (1). Tests wait for conditions, not for time.
wait_for() {
  local deadline=$(( $(date +%s%N) + $1 * 1000000000 )); shift
  while [ "$(date +%s%N)" -le "$deadline" ]; do "$@" && return 0; sleep 0.1; done
  return 1
}
