#pragma once
// The effective configuration. Every setting comes from (lowest to highest
// precedence) its default, the TOML file, the environment variable
// TENANTCA_<SECTION>_<KEY>, and a command-line flag. Loading validates every
// value and names the setting and the reason on error.
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace tenantca::daemon {

struct Config {
  std::string bind_host = "127.0.0.1";
  int bind_port = 8080;
  int workers = 0;  // 0: CPU_COUNT*2+1
  int threads = 2;
  int timeout_s = 120;
  int graceful_timeout_s = 30;
  int abort_grace_s = 5;
  int boot_timeout_s = 30;
  int max_boot_failures = 5;
  int64_t max_requests = 0;
  int64_t max_requests_jitter = 0;
  int64_t max_body_bytes = 1 << 20;
  std::string public_url = "http://127.0.0.1:8080";
  std::string pid_file;
  std::string log_level = "info";
  std::string log_format = "text";
  std::string log_file;
  bool log_access = true;
  std::string database_url = "postgresql:///tenantca";
  int database_pool_size = 10;
  int database_connect_timeout_s = 5;
  int database_statement_timeout_ms = 30000;
  int database_slow_query_ms = 500;
  int database_commit_batch_max = 64;
  int database_commit_batch_wait_us = 0;
  std::string database_replica_url;  // empty: every read goes to the primary
  int database_replica_max_lag_ms = 500;
  int database_replica_pin_ms = 2000;
  std::string server_trusted_proxies;  // comma-separated CIDRs
  std::string acme_dns_resolver;       // host:port; empty: the system's
  int acme_http01_port = 80;
  int acme_tlsalpn01_port = 443;
  int acme_validation_timeout_ms = 5000;
  int acme_validation_poll_ms = 1000;
  // Link-local (cloud metadata services live at 169.254.169.254) and unspecified.
  std::string acme_forbidden_ranges = "169.254.0.0/16, fe80::/10, 0.0.0.0/8, ::/128";
  std::string acme_terms_of_service_url;
  std::string security_kek_file;
  std::string security_previous_kek_files;  // comma-separated: older KEKs that still unseal
  int rate_limit_default_rps = 50;
  int rate_limit_default_burst = 100;
  int rate_limit_public_rps = 200;  // per client address on /pki/*; 0 = off
  int rate_limit_public_burst = 400;
  std::string rate_limit_backend = "local";  // local | redis
  std::string rate_limit_redis_url = "redis://127.0.0.1:6379";
  int rate_limit_redis_timeout_ms = 100;
  int pki_crl_next_update_hours = 24;
  int pki_ocsp_validity_minutes = 60;
  int pki_cache_max_mb = 16;            // OCSP answers per worker
  int pki_cache_max_age_seconds = 300;  // OCSP answers and statuses
  bool metrics_enabled = true;
  // Test-only switches; check-config warns when one is on.
  bool testing_sleep_endpoint = false;
  bool testing_fail_worker_boot = false;
  bool testing_hang_worker_boot = false;
  bool testing_worker_ignores_abort = false;
  std::string metrics_bind;  // empty: /metrics on the main listener
  std::string metrics_bind_host;
  int metrics_bind_port = 0;

  // Where the configuration came from, for messages.
  std::string config_file;

  int effective_workers() const;
};

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Raw values by setting name ("database.pool_size"), as given on the command line.
using FlagValues = std::map<std::string, std::string>;

struct SettingInfo {
  std::string name;
  std::string help;
  bool secret;
};
const std::vector<SettingInfo>& all_settings();

// Loads file (when it exists; a missing file is an error only if explicitly
// requested), environment and flags. Throws ConfigError.
Config load_config(const std::string& file, bool file_required, const FlagValues& flags);

// The effective configuration as TOML-like text with secrets masked.
std::string describe_config(const Config& cfg);

// "user:secret" in URIs and password=... in conninfo strings become "****".
std::string mask_conninfo(const std::string& conninfo);

}  // namespace tenantca::daemon
