# Helpers of the ACME tests (integration and cluster): EAB keys, the DNS
# hooks that put TXT records into pebble-challtestsrv, certbot's command
# line, and the small client of the refusal cases (acme_client.py).

PY=/usr/bin/python3  # Debian's, with python3-cryptography
ACME_CLIENT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/acme_client.py"

new_eab() { # name -> sets KID HMAC (a fresh single-use EAB key of $OWNER's tenant)
  API_KEY=$OWNER api POST /api/v1/acme/eab-keys "{\"name\":\"$1\"}"
  KID=$(jget .kid); HMAC=$(jget .hmac_key)
}

# write_dns_hooks MGMT_PORT: $T/txt-hook.sh (lego's exec provider: present|cleanup
# FQDN VALUE) and $T/certbot-auth.sh (certbot's manual auth hook).
write_dns_hooks() {
  cat >"$T/txt-hook.sh" <<HOOK
#!/bin/sh
case "\$1" in
  present) curl -s -d "{\"host\":\"\$2\",\"value\":\"\$3\"}" http://127.0.0.1:$1/set-txt ;;
  cleanup) curl -s -d "{\"host\":\"\$2\"}" http://127.0.0.1:$1/clear-txt ;;
esac
HOOK
  cat >"$T/certbot-auth.sh" <<HOOK
#!/bin/sh
curl -s -d "{\"host\":\"_acme-challenge.\$CERTBOT_DOMAIN.\",\"value\":\"\$CERTBOT_VALIDATION\"}" http://127.0.0.1:$1/set-txt
HOOK
  chmod +x "$T/txt-hook.sh" "$T/certbot-auth.sh"
}

# certbot_for DIRECTORY_URL: sets CERTBOT, certbot with its state in $T/cb.
certbot_for() {
  CERTBOT=(certbot --config-dir "$T/cb/config" --work-dir "$T/cb/work" --logs-dir "$T/cb/logs" --non-interactive
           --server "$1" --agree-tos --register-unsafely-without-email)
}
