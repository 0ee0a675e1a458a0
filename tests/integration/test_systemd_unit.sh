# The systemd unit passes `systemd-analyze verify` and carries the settings
# the process model depends on. (Booting a real systemd is scripts/test-systemd.)
source "$(dirname "$0")/lib.sh"
unit_src=$(dirname "$0")/../../systemd/tenantca.service
sed "s|/usr/bin/tenantca|$TENANTCA_BIN|" "$unit_src" >"$T/tenantca.service"
if out=$(systemd-analyze verify --man=no "$T/tenantca.service" 2>&1); then ok "systemd-analyze verify passes"; else fail "systemd-analyze verify: $out"; fi
unit=$(cat "$unit_src")
for want in "Type=notify" 'ExecReload=/bin/kill -HUP $MAINPID' "KillMode=mixed" "User=tenantca" "Restart=on-failure" \
  "NoNewPrivileges=yes" "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" "PrivateDevices=yes" \
  "ProtectControlGroups=yes" "RestrictNamespaces=yes" "LockPersonality=yes" "MemoryDenyWriteExecute=yes" \
  "SystemCallFilter=@system-service" "LimitCORE=0" "CapabilityBoundingSet=" "StateDirectory=tenantca" "LogsDirectory=tenantca" "WatchdogSec="; do
  grep -qxF -- "$want" <<<"$unit" || grep -q -- "^$want" <<<"$unit" && ok "unit has $want" || fail "unit lacks $want"
done
stop=$(sed -n 's/^TimeoutStopSec=//p' <<<"$unit")
[ "$stop" -gt 30 ] && ok "TimeoutStopSec ($stop) exceeds the default graceful_timeout (30)" || fail "TimeoutStopSec $stop"
finish
