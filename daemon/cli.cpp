#include "daemon/cli.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstring>
#include <iostream>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/kek.hpp"
#include "core/pki/service.hpp"
#include "core/secret_memory.hpp"
#include "core/tenancy_service.hpp"
#include "core/time_format.hpp"
#include "daemon/app.hpp"
#include "daemon/config.hpp"
#include "daemon/exit_codes.hpp"
#include "daemon/logging.hpp"
#include "daemon/master.hpp"
#include "daemon/one_shot_pki.hpp"
#include "daemon/pid_file.hpp"
#include "db/database.hpp"
#include "db/health_probe.hpp"
#include "db/migrations.hpp"
#include "db/pki_store.hpp"
#include "db/tenancy_store.hpp"
#include "tenantca/version.hpp"

namespace tenantca::daemon {
namespace {

constexpr const char* kDefaultConfig = "/etc/tenantca/tenantca.toml";

// Every setting is also a flag: "database.pool_size" -> --database-pool-size.
struct SettingFlags {
  std::string config_file;
  std::map<std::string, std::string> values;

  void attach(CLI::App* cmd) {
    cmd->add_option("-c,--config", config_file,
                    std::string("configuration file (default ") + kDefaultConfig + ")");
    for (const auto& s : all_settings()) {
      std::string flag = "--" + s.name;
      for (auto& ch : flag) {
        if (ch == '.' || ch == '_') ch = '-';
      }
      cmd->add_option_function<std::string>(
          flag, [this, name = s.name](const std::string& v) { values[name] = v; }, s.help);
    }
  }
  std::string file() const {
    if (!config_file.empty()) return config_file;
    if (const char* e = std::getenv("TENANTCA_CONFIG")) return e;
    return kDefaultConfig;
  }
  bool file_required() const {
    return !config_file.empty() || std::getenv("TENANTCA_CONFIG") != nullptr;
  }
  Config load() const { return load_config(file(), file_required(), values); }
};

// Fails early and clearly when the address is taken by someone else. The
// probe socket does not use SO_REUSEPORT, so it never joins a listener group.
void check_bind_available(const Config& cfg) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(cfg.bind_port);
  if (const int rc = ::getaddrinfo(cfg.bind_host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    throw std::runtime_error(
        fmt::format("bind {}:{}: {}", cfg.bind_host, cfg.bind_port, ::gai_strerror(rc)));
  }
  const int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const int rc = ::bind(fd, res->ai_addr, res->ai_addrlen);
  const int err = errno;
  ::close(fd);
  ::freeaddrinfo(res);
  if (rc != 0)
    throw std::runtime_error(
        fmt::format("bind {}:{}: {}", cfg.bind_host, cfg.bind_port, std::strerror(err)));
}

std::vector<int> inherited_worker_pids() {
  std::vector<int> pids;
  const char* env = std::getenv(kUpgradeEnv);
  if (env == nullptr) return pids;
  std::string list = env;
  ::unsetenv(kUpgradeEnv);  // our own children must not inherit it
  std::size_t pos = 0;
  while (pos < list.size()) {
    const std::size_t comma = std::min(list.find(',', pos), list.size());
    if (comma > pos) pids.push_back(std::atoi(list.substr(pos, comma - pos).c_str()));
    pos = comma + 1;
  }
  return pids;
}

int cmd_serve(const SettingFlags& flags, std::vector<std::string> argv) {
  Config cfg;
  try {
    cfg = flags.load();
  } catch (const ConfigError& e) {
    std::cerr << "tenantca: " << e.what() << "\n";
    return kExitConfig;
  }
  setup_logging(LogSettings{cfg.log_level, cfg.log_format, cfg.log_file, "master"});
  // Before the KEK is read: master and workers (forked, so inheriting it) are
  // never dumpable, and the KEK and decrypted CA keys sit in the secure heap.
  if (!core::protect_process_secrets())
    spdlog::warn("OpenSSL secure heap unavailable; secrets are in ordinary memory");
  const std::vector<int> inherited = inherited_worker_pids();
  Preloaded preloaded;
  try {
    // After a SIGUSR2 re-exec our old workers hold the port: no probe then.
    if (inherited.empty()) check_bind_available(cfg);
    preloaded = preload(cfg);
    preloaded.rate_limiter = std::make_shared<core::SharedMemoryRateLimiter>();
    preloaded.health = db::map_shared_health();
    preloaded.replica_health = db::map_shared_health();
    preloaded.recent_writes = db::RecentWrites::map_shared();
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return kExitStartup;
  }
  try {
    PidFile pid(cfg.pid_file);
    Master master(
        cfg, std::move(preloaded), [&flags] { return flags.load(); }, std::move(argv), inherited);
    return master.run();
  } catch (const std::exception& e) {
    spdlog::critical("master failed: {}", e.what());
    return kExitStartup;
  }
}

int cmd_migrate(const SettingFlags& flags) {
  try {
    const Config cfg = flags.load();
    const auto report = db::migrate(cfg.database_url);
    if (report.applied.empty()) {
      std::cout << "schema is up to date at version " << report.to_version << "\n";
    } else {
      for (const auto& name : report.applied) std::cout << "applied " << name << "\n";
      std::cout << "schema migrated from version " << report.from_version << " to "
                << report.to_version << "\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "tenantca migrate: " << e.what() << "\n";
    return 1;
  }
}

int cmd_operator_key_create(const SettingFlags& flags, const std::string& name) {
  try {
    const Config cfg = flags.load();
    configure_libpq_environment(cfg);
    if (name.empty() || name.size() > 128)
      throw std::runtime_error("--name must be 1-128 characters");
    db::Database database(db::DatabaseOptions{cfg.database_url, 1, 5000, 0});
    db::SqlTenancyStore store(database);
    const auto key = core::TenancyService(store).create_api_key(
        std::nullopt, name, core::Role::operator_, std::nullopt);
    std::cerr << "operator key " << key.info.id << " (" << name
              << ") created; it is shown only once:\n";
    std::cout << key.token << "\n";
    return 0;
  } catch (const core::DomainError& e) {
    std::cerr << "tenantca operator-key create: " << e.public_detail() << " (" << e.internal()
              << ")\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "tenantca operator-key create: " << e.what() << "\n";
    return 1;
  }
}

int cmd_operator_key_list(const SettingFlags& flags) {
  try {
    const Config cfg = flags.load();
    configure_libpq_environment(cfg);
    db::Database database(db::DatabaseOptions{cfg.database_url, 1, 5000, 0});
    db::SqlTenancyStore store(database);
    for (const auto& k : core::TenancyService(store).list_operator_keys()) {
      std::cout << k.id << "\t" << core::format_rfc3339_us(k.created_us) << "\t" << k.name << "\n";
    }
    return 0;
  } catch (const core::DomainError& e) {
    std::cerr << "tenantca operator-key list: " << e.public_detail() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "tenantca operator-key list: " << e.what() << "\n";
    return 1;
  }
}

int cmd_operator_key_revoke(const SettingFlags& flags, const std::string& id) {
  try {
    const Config cfg = flags.load();
    configure_libpq_environment(cfg);
    db::Database database(db::DatabaseOptions{cfg.database_url, 1, 5000, 0});
    db::SqlTenancyStore store(database);
    core::TenancyService(store).revoke_operator_key(id);
    std::cerr << "operator key " << id << " revoked\n";
    return 0;
  } catch (const core::DomainError& e) {
    std::cerr << "tenantca operator-key revoke: " << e.public_detail() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "tenantca operator-key revoke: " << e.what() << "\n";
    return 1;
  }
}

// Re-seals every CA key under security.kek_file (the current KEK); the older
// KEKs that sealed them must be listed in security.previous_kek_files.
int cmd_kek_rewrap(const SettingFlags& flags) {
  try {
    const Config cfg = flags.load();
    configure_libpq_environment(cfg);
    if (cfg.security_kek_file.empty()) throw std::runtime_error("security.kek_file is not set");
    const Preloaded keys = load_keys(cfg);
    OneShotPki one_shot(cfg, keys);
    const int n = one_shot.pki().rewrap_ca_keys(core::Actor{
        .key_id = db::command_line_actor_key(one_shot.database()), .request_id = "cli"});
    std::cerr << "re-sealed " << n << " CA key(s) under KEK " << keys.kek->id << "\n";
    std::cout << n << "\n";
    return kExitOk;
  } catch (const core::DomainError& e) {
    std::cerr << "tenantca kek rewrap: " << e.public_detail() << " (" << e.internal()
              << "); nothing was changed\n";
    return kExitConfig;
  } catch (const std::exception& e) {
    std::cerr << "tenantca kek rewrap: " << e.what() << "; nothing was changed\n";
    return kExitConfig;
  }
}

int cmd_check_config(const SettingFlags& flags, bool serve_checks) {
  Config cfg;
  try {
    cfg = flags.load();
  } catch (const std::exception& e) {
    std::cerr << "tenantca: " << e.what() << "\n";
    return kExitConfig;
  }
  if (serve_checks) {
    // What `serve` checks before it starts: the KEK loads, the schema fits.
    try {
      (void)preload(cfg);
    } catch (const std::exception& e) {
      std::cerr << "tenantca: cannot serve: " << e.what() << "\n";
      return kExitStartup;
    }
  }
  std::cout << describe_config(cfg);
  return kExitOk;
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"tenantca: a multi-tenant private certificate authority and certificate inventory"};
  app.require_subcommand(1);
  app.set_version_flag("--version", kVersion);

  SettingFlags serve_flags, migrate_flags, check_flags;
  auto* serve = app.add_subcommand("serve", "run the master and its workers (foreground)");
  serve_flags.attach(serve);
  auto* migrate = app.add_subcommand("migrate", "apply pending database schema migrations");
  migrate_flags.attach(migrate);
  auto* check = app.add_subcommand(
      "check-config", "validate and print the effective configuration, secrets masked");
  check_flags.attach(check);
  bool check_serve = false;
  check->add_flag(
      "--serve-checks", check_serve,
      "also check what serve checks at start: the key-encryption key loads and the database "
      "schema is one this binary can serve (exit 4 when not)");
  auto* version = app.add_subcommand("version", "print the version");
  auto* kek = app.add_subcommand("kek", "key-encryption keys (KEK) of the CA keys");
  kek->require_subcommand(1);
  auto* kek_generate = kek->add_subcommand(
      "generate", "print a new KEK (base64 of 32 random bytes) for a 0600 file");
  SettingFlags rewrap_flags;
  auto* kek_rewrap = kek->add_subcommand(
      "rewrap",
      "re-seal every CA key under security.kek_file, in one transaction, audited; the KEKs that "
      "sealed them must be listed in security.previous_kek_files");
  rewrap_flags.attach(kek_rewrap);
  SettingFlags key_flags;
  std::string key_name;
  auto* opkey = app.add_subcommand("operator-key", "manage operator keys");
  opkey->require_subcommand(1);
  auto* opkey_create = opkey->add_subcommand("create", "create an operator key and print it once");
  opkey_create->add_option("--name", key_name, "a name for the key (who or what uses it)")
      ->required();
  key_flags.attach(opkey_create);
  SettingFlags list_flags, revoke_flags;
  std::string revoke_id;
  auto* opkey_list =
      opkey->add_subcommand("list", "list operator keys that are not revoked: id, created, name");
  list_flags.attach(opkey_list);
  auto* opkey_revoke = opkey->add_subcommand(
      "revoke", "revoke an operator key (audited; refused everywhere within 1 s)");
  opkey_revoke->add_option("ID", revoke_id, "the key's id (from list)")->required();
  revoke_flags.attach(opkey_revoke);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (*serve) return cmd_serve(serve_flags, std::vector<std::string>(argv, argv + argc));
  if (*migrate) return cmd_migrate(migrate_flags);
  if (*check) return cmd_check_config(check_flags, check_serve);
  if (*kek_generate) {
    std::cout << core::generate_kek_text();
    return kExitOk;
  }
  if (*kek_rewrap) return cmd_kek_rewrap(rewrap_flags);
  if (*opkey_create) return cmd_operator_key_create(key_flags, key_name);
  if (*opkey_list) return cmd_operator_key_list(list_flags);
  if (*opkey_revoke) return cmd_operator_key_revoke(revoke_flags, revoke_id);
  if (*version) {
    std::cout << "tenantca " << kVersion << "\n";
    return 0;
  }
  return 2;
}

}  // namespace tenantca::daemon
