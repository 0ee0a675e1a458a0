# docs/alerts.yml: valid Prometheus rules (promtool), and every metric they
# name is one a running daemon exports, so an alert cannot watch a metric
# that was renamed away.
source "$(dirname "$0")/lib.sh"
ensure_packages prometheus
RULES="$LIB_DIR/../../docs/alerts.yml"
rc=0; out=$(promtool check rules "$RULES" 2>&1) || rc=$?
expect_eq "promtool check rules accepts docs/alerts.yml" 0 "$rc"
[ "$rc" -eq 0 ] || echo "$out"

new_database
migrate
write_config "[rate_limit]" 'backend = "redis"' 'redis_url = "redis://127.0.0.1:1"' 'redis_timeout_ms = 50'
start_daemon
curl -s "$BASE/metrics" >"$T/metrics"
names=$(grep -o 'tenantca_[a-z_]*' "$RULES" | sort -u)
expect_match "the rules name metrics" 'tenantca_' "$names"
for m in $names; do
  if grep -q "^$m[{ ]" "$T/metrics"; then ok "exported: $m"; else fail "alerts.yml names $m, which /metrics does not export"; fi
done
finish
