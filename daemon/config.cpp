#include "daemon/config.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <regex>
#include <sstream>

#include "core/pki/names.hpp"
#include "core/text.hpp"
#include "db/redis_rate_limiter.hpp"

namespace tenantca::daemon {
namespace {

struct Setting {
  SettingInfo info;
  std::string default_text;
  std::function<void(Config&, const std::string&)> apply;  // throws std::invalid_argument(reason)
  std::function<std::string(const Config&)> show;
};

// A comma-separated list of addresses and CIDR blocks (trusted proxies,
// ACME's forbidden ranges).
void check_cidr_list(const std::string& v) {
  for (const auto& item : core::split_list(v)) {
    if (!core::pki::parse_ip_range(item)) {
      throw std::invalid_argument(fmt::format("'{}' is not an address or CIDR block", item));
    }
  }
}

int64_t parse_int(const std::string& v, int64_t lo, int64_t hi) {
  int64_t out = 0;
  const auto* end = v.data() + v.size();
  auto [p, ec] = std::from_chars(v.data(), end, out);
  if (ec != std::errc() || p != end || v.empty()) {
    throw std::invalid_argument(fmt::format("expected an integer, got '{}'", v));
  }
  if (out < lo || out > hi) {
    throw std::invalid_argument(fmt::format("must be between {} and {}, got {}", lo, hi, out));
  }
  return out;
}

bool parse_bool(const std::string& v) {
  const std::string s = core::to_lower_ascii(v);
  if (s == "true" || s == "on" || s == "yes" || s == "1") return true;
  if (s == "false" || s == "off" || s == "no" || s == "0") return false;
  throw std::invalid_argument(fmt::format("expected true/false, got '{}'", v));
}

std::string one_of(const std::string& v, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed) {
    if (v == a) return v;
  }
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  throw std::invalid_argument(fmt::format("must be one of {}, got '{}'", list, v));
}

void parse_bind(const std::string& v, std::string& host, int& port) {
  const auto colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw std::invalid_argument(fmt::format("expected HOST:PORT, got '{}'", v));
  }
  host = v.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  port = static_cast<int>(parse_int(v.substr(colon + 1), 1, 65535));
}

std::string mask_redis_url(const std::string& url) {
  static const std::regex password(R"(^(redis://:)[^@]*@)");
  return std::regex_replace(url, password, "$1****@");
}

#define INT_SETTING(NAME, FIELD, LO, HI, HELP)                            \
  Setting {                                                               \
    {NAME, HELP, false}, std::to_string(Config{}.FIELD),                  \
        [](Config& c, const std::string& v) {                             \
          c.FIELD = static_cast<decltype(c.FIELD)>(parse_int(v, LO, HI)); \
        },                                                                \
        [](const Config& c) { return std::to_string(c.FIELD); }           \
  }
#define BOOL_SETTING(NAME, FIELD, HELP)                                         \
  Setting {                                                                     \
    {NAME, HELP, false}, Config{}.FIELD ? "true" : "false",                     \
        [](Config& c, const std::string& v) { c.FIELD = parse_bool(v); },       \
        [](const Config& c) { return std::string(c.FIELD ? "true" : "false"); } \
  }

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = {
      Setting{{"bind", "address the workers listen on, HOST:PORT", false},
              "127.0.0.1:8080",
              [](Config& c, const std::string& v) { parse_bind(v, c.bind_host, c.bind_port); },
              [](const Config& c) { return fmt::format("{}:{}", c.bind_host, c.bind_port); }},
      INT_SETTING("workers", workers, 0, 256, "worker processes; 0 means CPU_COUNT*2+1"),
      INT_SETTING("threads", threads, 1, 256, "HTTP threads per worker"),
      INT_SETTING("timeout", timeout_s, 1, 86400,
                  "seconds without progress before a worker is killed"),
      INT_SETTING("graceful_timeout", graceful_timeout_s, 1, 3600,
                  "seconds a stopping worker may take to drain"),
      INT_SETTING("abort_grace", abort_grace_s, 0, 600,
                  "seconds between SIGABRT and SIGKILL for a hung worker"),
      INT_SETTING("boot_timeout", boot_timeout_s, 1, 3600,
                  "seconds a worker may take to start listening"),
      INT_SETTING("max_boot_failures", max_boot_failures, 1, 1000,
                  "consecutive worker boot failures before the master gives up"),
      INT_SETTING("max_requests", max_requests, 0, INT64_MAX,
                  "requests after which a worker restarts; 0 disables"),
      INT_SETTING("max_requests_jitter", max_requests_jitter, 0, INT64_MAX,
                  "random extra requests added per worker"),
      INT_SETTING("max_body_bytes", max_body_bytes, 1024, 64 << 20,
                  "largest accepted request body"),
      Setting{{"public_url", "base URL relying parties use (CRL, OCSP, CA links)", false},
              Config{}.public_url,
              [](Config& c, const std::string& v) {
                static const std::regex re(R"(^https?://[^\s/]+(/[^\s]*)?$)");
                if (!std::regex_match(v, re))
                  throw std::invalid_argument(fmt::format("expected an http(s) URL, got '{}'", v));
                c.public_url = v;
                while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
              },
              [](const Config& c) { return c.public_url; }},
      Setting{{"pid_file", "file the master writes its pid to; empty for none", false},
              "",
              [](Config& c, const std::string& v) { c.pid_file = v; },
              [](const Config& c) { return c.pid_file; }},
      Setting{{"log.level", "trace, debug, info, warn, error", false},
              "info",
              [](Config& c, const std::string& v) {
                c.log_level = one_of(v, {"trace", "debug", "info", "warn", "error"});
              },
              [](const Config& c) { return c.log_level; }},
      Setting{{"log.format", "text or json", false},
              "text",
              [](Config& c, const std::string& v) {
                c.log_format = one_of(v, {"text", "json"});
              },
              [](const Config& c) { return c.log_format; }},
      Setting{{"log.file", "log file; empty for stderr (journald)", false},
              "",
              [](Config& c, const std::string& v) { c.log_file = v; },
              [](const Config& c) { return c.log_file; }},
      BOOL_SETTING("log.access", log_access, "log one line per request"),
      Setting{{"database.url", "libpq conninfo or URI; several hosts allowed", true},
              Config{}.database_url,
              [](Config& c, const std::string& v) {
                if (v.empty()) throw std::invalid_argument("must not be empty");
                c.database_url = v;
              },
              [](const Config& c) { return mask_conninfo(c.database_url); }},
      INT_SETTING("database.pool_size", database_pool_size, 1, 1000, "connections per worker"),
      INT_SETTING("database.connect_timeout", database_connect_timeout_s, 1, 300,
                  "seconds to connect"),
      INT_SETTING("database.statement_timeout", database_statement_timeout_ms, 0, 3600000,
                  "milliseconds; 0 disables"),
      INT_SETTING("database.slow_query_ms", database_slow_query_ms, 0, 3600000,
                  "log statements slower than this; 0 disables"),
      INT_SETTING("database.commit_batch_max", database_commit_batch_max, 1, 1000,
                  "most issuances written in one transaction (group commit across the workers)"),
      INT_SETTING("database.commit_batch_wait_us", database_commit_batch_wait_us, 0, 100000,
                  "microseconds a batch may wait to fill when others are queued; 0: batches form "
                  "only while the previous one commits (a lone request never waits)"),
      Setting{
          {"database.replica_url",
           "conninfo of a streaming-replication standby for lag-tolerant reads; empty: none", true},
          "",
          [](Config& c, const std::string& v) { c.database_replica_url = v; },
          [](const Config& c) { return mask_conninfo(c.database_replica_url); }},
      INT_SETTING("database.replica_max_lag_ms", database_replica_max_lag_ms, 0, 3600000,
                  "a replica further behind than this is not used"),
      INT_SETTING(
          "database.replica_pin_ms", database_replica_pin_ms, 0, 3600000,
          "after a tenant writes, its reads stay on the primary this long (read-your-own-writes)"),
      Setting{{"server.trusted_proxies",
               "comma-separated CIDRs of reverse proxies whose X-Forwarded-For names the client "
               "(access log, audit events, per-client limits); empty: trust no one",
               false},
              "",
              [](Config& c, const std::string& v) {
                check_cidr_list(v);
                c.server_trusted_proxies = v;
              },
              [](const Config& c) { return c.server_trusted_proxies; }},
      Setting{{"acme.dns_resolver",
               "host:port of the DNS server ACME validation asks (dns-01 TXT records and the "
               "addresses of names); empty: the system's resolver",
               false},
              "",
              [](Config& c, const std::string& v) {
                if (!v.empty() && v.find(':') == std::string::npos)
                  throw std::invalid_argument("expected host:port");
                c.acme_dns_resolver = v;
              },
              [](const Config& c) { return c.acme_dns_resolver; }},
      INT_SETTING("acme.http01_port", acme_http01_port, 1, 65535,
                  "port ACME http-01 validation connects to (RFC 8555: 80)"),
      INT_SETTING("acme.tlsalpn01_port", acme_tlsalpn01_port, 1, 65535,
                  "port ACME tls-alpn-01 validation connects to (RFC 8737: 443)"),
      INT_SETTING("acme.validation_timeout_ms", acme_validation_timeout_ms, 100, 60000,
                  "time limit of each ACME validation step (DNS query, connect, answer)"),
      INT_SETTING("acme.validation_poll_ms", acme_validation_poll_ms, 50, 600000,
                  "how often an idle worker looks for ACME validations that came due (retries, "
                  "lost leases); posted challenges wake it at once through the database"),
      Setting{{"acme.forbidden_ranges",
               "comma-separated CIDRs ACME validation never connects to, whatever a name "
               "resolves to (no request forgery through challenges)",
               false},
              Config{}.acme_forbidden_ranges,
              [](Config& c, const std::string& v) {
                check_cidr_list(v);
                c.acme_forbidden_ranges = v;
              },
              [](const Config& c) { return c.acme_forbidden_ranges; }},
      Setting{{"acme.terms_of_service_url", "meta.termsOfService of every ACME directory", false},
              "",
              [](Config& c, const std::string& v) { c.acme_terms_of_service_url = v; },
              [](const Config& c) { return c.acme_terms_of_service_url; }},
      Setting{{"security.kek_file", "file holding the 32-byte key-encryption key, base64", false},
              "",
              [](Config& c, const std::string& v) { c.security_kek_file = v; },
              [](const Config& c) { return c.security_kek_file; }},
      Setting{{"security.previous_kek_files",
               "comma-separated files of older KEKs: keys sealed under them still unseal until "
               "`tenantca kek rewrap` re-seals them under kek_file",
               false},
              "",
              [](Config& c, const std::string& v) { c.security_previous_kek_files = v; },
              [](const Config& c) { return c.security_previous_kek_files; }},
      INT_SETTING("rate_limit.default_requests_per_second", rate_limit_default_rps, 1, 1000000,
                  "default per-key refill rate"),
      INT_SETTING("rate_limit.default_burst", rate_limit_default_burst, 1, 1000000,
                  "default per-key bucket size"),
      INT_SETTING("rate_limit.public_rps", rate_limit_public_rps, 0, 1000000,
                  "refill rate per client address on the public /pki/* endpoints (0: no limit)"),
      INT_SETTING("rate_limit.public_burst", rate_limit_public_burst, 1, 1000000,
                  "bucket size per client address on the public /pki/* endpoints"),
      Setting{{"rate_limit.backend", "local (one instance, shared memory) or redis (all instances)",
               false},
              "local",
              [](Config& c, const std::string& v) {
                c.rate_limit_backend = one_of(v, {"local", "redis"});
              },
              [](const Config& c) { return c.rate_limit_backend; }},
      Setting{{"rate_limit.redis_url", "redis://[:password@]host[:port][/db] for backend = redis",
               true},
              Config{}.rate_limit_redis_url,
              [](Config& c, const std::string& v) {
                db::parse_redis_url(v);  // throws std::invalid_argument with the reason
                c.rate_limit_redis_url = v;
              },
              [](const Config& c) { return mask_redis_url(c.rate_limit_redis_url); }},
      INT_SETTING("rate_limit.redis_timeout_ms", rate_limit_redis_timeout_ms, 1, 60000,
                  "milliseconds to wait for Redis before answering from the local limiter"),
      INT_SETTING("pki.crl_next_update_hours", pki_crl_next_update_hours, 1, int64_t{24} * 365,
                  "CRL nextUpdate - thisUpdate, in hours"),
      INT_SETTING("pki.ocsp_validity_minutes", pki_ocsp_validity_minutes, 1, int64_t{7} * 24 * 60,
                  "OCSP nextUpdate - thisUpdate, in minutes"),
      INT_SETTING("pki.cache_max_mb", pki_cache_max_mb, 1, 4096,
                  "memory per worker for cached OCSP answers (keys and answers)"),
      INT_SETTING("pki.cache_max_age_seconds", pki_cache_max_age_seconds, 1, 86400,
                  "longest a cached OCSP answer or certificate status is used (revocations drop "
                  "them at once)"),
      BOOL_SETTING("metrics.enabled", metrics_enabled, "serve GET /metrics"),
      BOOL_SETTING("testing.sleep_endpoint", testing_sleep_endpoint,
                   "TEST ONLY: serve GET /api/v1/_test/sleep?ms="),
      BOOL_SETTING("testing.fail_worker_boot", testing_fail_worker_boot,
                   "TEST ONLY: every worker fails during boot"),
      BOOL_SETTING("testing.hang_worker_boot", testing_hang_worker_boot,
                   "TEST ONLY: every worker hangs during boot"),
      BOOL_SETTING("testing.worker_ignores_abort", testing_worker_ignores_abort,
                   "TEST ONLY: workers ignore SIGABRT, to exercise the SIGKILL escalation"),
      Setting{
          {"metrics.bind",
           "separate HOST:PORT for /metrics (then not served on 'bind'); empty serves it on 'bind'",
           false},
          "",
          [](Config& c, const std::string& v) {
            if (!v.empty()) parse_bind(v, c.metrics_bind_host, c.metrics_bind_port);
            c.metrics_bind = v;
          },
          [](const Config& c) { return c.metrics_bind; }},
  };
  return table;
}

std::string env_name(const std::string& setting) {
  std::string out = "TENANTCA_";
  for (char ch : setting)
    out += (ch == '.') ? '_' : (ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 'a' + 'A') : ch);
  return out;
}

std::string node_to_text(const toml::node& node, const std::string& key) {
  if (auto s = node.value<std::string>(); s && node.is_string()) return *s;
  if (node.is_integer()) return std::to_string(*node.value<int64_t>());
  if (node.is_boolean()) return *node.value<bool>() ? "true" : "false";
  throw ConfigError(fmt::format("setting '{}': expected a string, integer or boolean", key));
}

void flatten(const toml::table& table, const std::string& prefix,
             std::map<std::string, std::string>& out) {
  for (const auto& [k, node] : table) {
    const std::string key =
        prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = node.as_table()) {
      flatten(*sub, key, out);
    } else {
      out[key] = node_to_text(node, key);
    }
  }
}

}  // namespace

int Config::effective_workers() const {
  if (workers > 0) return workers;
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  if (cpus < 1) cpus = 1;
  return static_cast<int>(cpus * 2 + 1);
}

const std::vector<SettingInfo>& all_settings() {
  static const std::vector<SettingInfo> infos = [] {
    std::vector<SettingInfo> v;
    for (const auto& s : settings()) v.push_back(s.info);
    return v;
  }();
  return infos;
}

Config load_config(const std::string& file, bool file_required, const FlagValues& flags) {
  Config cfg;
  struct Source {
    std::string value;
    std::string origin;
  };
  std::map<std::string, Source> chosen;

  if (!file.empty()) {
    std::error_code ec;
    if (std::filesystem::exists(file, ec)) {
      std::map<std::string, std::string> from_file;
      try {
        flatten(toml::parse_file(file), "", from_file);
      } catch (const toml::parse_error& e) {
        throw ConfigError(fmt::format("config file {}: {} (line {})", file, e.description(),
                                      e.source().begin.line));
      }
      for (auto& [k, v] : from_file) {
        const std::string& key = k;  // lambdas cannot capture structured bindings (C++20, clang 14)
        const bool known = std::any_of(settings().begin(), settings().end(),
                                       [&](const Setting& s) { return s.info.name == key; });
        if (!known) throw ConfigError(fmt::format("config file {}: unknown setting '{}'", file, k));
        chosen[k] = {v, "file " + file};
      }
      cfg.config_file = file;
    } else if (file_required) {
      throw ConfigError(fmt::format("config file {} does not exist", file));
    }
  }
  for (const auto& s : settings()) {
    if (const char* e = std::getenv(env_name(s.info.name).c_str())) {
      chosen[s.info.name] = {e, "environment " + env_name(s.info.name)};
    }
  }
  for (const auto& [k, v] : flags) {
    const std::string& key = k;
    const bool known = std::any_of(settings().begin(), settings().end(),
                                   [&](const Setting& s) { return s.info.name == key; });
    if (!known) throw ConfigError(fmt::format("unknown setting '{}'", k));
    chosen[k] = {v, "command line"};
  }
  for (const auto& s : settings()) {
    auto it = chosen.find(s.info.name);
    if (it == chosen.end()) continue;
    try {
      s.apply(cfg, it->second.value);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(
          fmt::format("setting '{}' (from {}): {}", s.info.name, it->second.origin, e.what()));
    }
  }
  if (!cfg.metrics_bind.empty() && cfg.metrics_bind_host == cfg.bind_host &&
      cfg.metrics_bind_port == cfg.bind_port) {
    throw ConfigError(
        "setting 'metrics.bind': must differ from 'bind' (leave it empty to serve /metrics there)");
  }
  if (cfg.max_requests_jitter > 0 && cfg.max_requests == 0) {
    throw ConfigError("setting 'max_requests_jitter': needs max_requests > 0");
  }
  if (!cfg.security_kek_file.empty() && !std::filesystem::exists(cfg.security_kek_file)) {
    throw ConfigError(
        fmt::format("setting 'security.kek_file': {} does not exist", cfg.security_kek_file));
  }
  return cfg;
}

namespace {
// A TOML basic string: quotes, backslashes and control characters escaped.
std::string toml_string(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (b < 0x20 || b == 0x7f) {
      out += fmt::format("\\u{:04x}", b);
    } else {
      out += c;
    }
  }
  return out + "\"";
}
}  // namespace

std::string describe_config(const Config& cfg) {
  std::ostringstream out;
  if (cfg.testing_sleep_endpoint || cfg.testing_fail_worker_boot || cfg.testing_hang_worker_boot ||
      cfg.testing_worker_ignores_abort) {
    out << "# WARNING: a [testing] setting is on; never run production like this\n";
  }
  out << "# effective configuration"
      << (cfg.config_file.empty() ? "" : " (file " + cfg.config_file + ")") << "\n";
  // Valid TOML: top-level keys first, then each table once, whatever the
  // order of the settings table.
  std::vector<std::string> order;
  std::map<std::string, std::string> tables;
  for (const auto& s : settings()) {
    const auto dot = s.info.name.find('.');
    const std::string sec = dot == std::string::npos ? "" : s.info.name.substr(0, dot);
    const std::string key = dot == std::string::npos ? s.info.name : s.info.name.substr(dot + 1);
    if (!tables.count(sec)) order.push_back(sec);
    const std::string value = s.show(cfg);
    const bool numeric_or_bool =
        !value.empty() &&
        (value == "true" || value == "false" ||
         std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }));
    tables[sec] += key + " = " + (numeric_or_bool ? value : toml_string(value)) + "\n";
  }
  std::stable_partition(order.begin(), order.end(),
                        [](const std::string& sec) { return sec.empty(); });
  for (const auto& sec : order) {
    if (!sec.empty()) out << "\n[" << sec << "]\n";
    out << tables[sec];
  }
  return out.str();
}

std::string mask_conninfo(const std::string& conninfo) {
  static const std::regex uri_password(R"(^(postgres(?:ql)?://[^:/@]*:)[^@]*@)");
  static const std::regex kv_password(R"((^|\s)password\s*=\s*('[^']*'|\S+))");
  std::string out = std::regex_replace(conninfo, uri_password, "$1****@");
  out = std::regex_replace(out, kv_password, "$1password=****");
  static const std::regex query_password(R"(([?&]password=)[^&]*)");
  return std::regex_replace(out, query_password, "$1****");
}

}  // namespace tenantca::daemon
