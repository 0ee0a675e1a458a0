#include "daemon/app.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "core/acme/network_validator.hpp"
#include "core/acme/service.hpp"
#include "core/acme/validation_runner.hpp"
#include "core/clock.hpp"
#include "core/pki/service.hpp"
#include "core/tenancy_service.hpp"
#include "core/text.hpp"
#include "daemon/one_shot_pki.hpp"
#include "db/acme_store.hpp"
#include "db/auth_cache.hpp"
#include "db/change_listener.hpp"
#include "db/database.hpp"
#include "db/health_probe.hpp"
#include "db/migrations.hpp"
#include "db/pki_store.hpp"
#include "db/read_routing.hpp"
#include "db/redis_rate_limiter.hpp"
#include "db/tenancy_store.hpp"
#include "handlers/authorizer.hpp"
#include "handlers/dispatcher.hpp"
#include "handlers/routes.hpp"

namespace tenantca::daemon {
namespace {

class WorkerAppImpl final : public WorkerApp {
 public:
  WorkerAppImpl(const Config& cfg, const Preloaded& preloaded, handlers::ServerHooks hooks,
                const MetricsRenderer& metrics, InstanceCounters& counters,
                core::SharedCommitQueue* commit_queue) {
    if (cfg.testing_fail_worker_boot) throw std::runtime_error("testing.fail_worker_boot is on");
    while (cfg.testing_hang_worker_boot)
      std::this_thread::sleep_for(std::chrono::seconds(1));  // until boot_timeout
    configure_libpq_environment(cfg);

    database_ = std::make_unique<db::Database>(
        db::DatabaseOptions{.conninfo = cfg.database_url,
                            .pool_size = cfg.database_pool_size,
                            .lease_timeout_ms = 2000,
                            .slow_query_ms = cfg.database_slow_query_ms,
                            .stats = &counters.database});
    // Measured: on a saturated 2-core machine SELECT 1 may take 3-4 s to come
    // back; only a silence of 10 s means a hung database.
    probe_ =
        std::make_unique<db::HealthProbe>(cfg.database_url, std::chrono::milliseconds(1000),
                                          std::chrono::milliseconds(10000), preloaded.health.get());

    auto* database = database_.get();
    if (!cfg.database_replica_url.empty()) attach_replica(cfg, preloaded, counters.reads);
    auth_cache_ = std::make_unique<db::AuthCache>(
        [database](const std::string& id) { return db::find_key_record(*database, id); },
        std::chrono::seconds(30));
    auth_cache_->set_stats(&counters.auth_cache);
    const core::RateLimitSpec default_rate{cfg.rate_limit_default_rps,
                                           cfg.rate_limit_default_burst};

    pki_store_ = std::make_unique<db::SqlPkiStore>(
        *database,
        core::GroupCommitOptions{
            .max_batch = static_cast<std::size_t>(cfg.database_commit_batch_max),
            .max_wait = std::chrono::microseconds(cfg.database_commit_batch_wait_us)},
        &counters.issuance_batches, commit_queue);
    pki_ = std::make_unique<core::pki::PkiService>(
        *pki_store_, preloaded.kek ? &*preloaded.kek : nullptr, clock_,
        core::pki::PkiSettings{
            .public_url = cfg.public_url,
            .crl_validity_seconds = int64_t{cfg.pki_crl_next_update_hours} * 3600,
            .ocsp_validity_seconds = int64_t{cfg.pki_ocsp_validity_minutes} * 60,
            .cache_limits = core::pki::RevocationCacheLimits{
                .quiet_seconds = 5,  // longer than a replica may lag (replica_max_lag_ms)
                .answer_max_age_seconds = cfg.pki_cache_max_age_seconds,
                .ocsp_max_entries = 50000,
                .ocsp_max_bytes = static_cast<std::size_t>(cfg.pki_cache_max_mb) << 20,
                .status_max_entries = 50000}});
    pki_->set_cache_stats(&counters.ocsp_cache, &counters.status_cache, &counters.crl_cache);
    pki_->set_previous_keks(preloaded.previous_kek_views());

    start_acme(cfg, preloaded);

    auto* probe = probe_.get();
    tenancy_store_ = std::make_unique<db::SqlTenancyStore>(*database);
    tenancy_ = std::make_unique<core::TenancyService>(*tenancy_store_);
    handlers::RouteDeps deps{
        .tenancy = tenancy_.get(),
        .database_ok = [probe] { return probe->database_ok(); },
        .default_rate_limit = default_rate,
        .pki = pki_.get(),
        .acme = acme_.get(),
        .public_url = cfg.public_url,
        .test_sleep_endpoint = cfg.testing_sleep_endpoint,
        .metrics_enabled = cfg.metrics_enabled && cfg.metrics_bind.empty(),
        .metrics_text = [probe, metrics] { return metrics(probe->database_ok()); }};
    auto* cache = auth_cache_.get();
    core::RateLimiter* limiter = preloaded.rate_limiter.get();
    if (cfg.rate_limit_backend == "redis") {
      // The instance's shared-memory table stays as the fallback while Redis is away.
      redis_limiter_ = std::make_unique<db::RedisRateLimiter>(
          db::parse_redis_url(cfg.rate_limit_redis_url),
          std::chrono::milliseconds(cfg.rate_limit_redis_timeout_ms), *preloaded.rate_limiter,
          &counters.rate_limit);
      limiter = redis_limiter_.get();
    }
    auto authorizer = handlers::make_authorizer(
        [cache](const std::string& id) { return cache->find(id); }, *limiter, default_rate);
    auto dispatcher = std::make_shared<const handlers::Dispatcher>(
        handlers::build_router(deps), authorizer,
        handlers::DispatcherOptions{
            static_cast<std::size_t>(cfg.max_body_bytes), read_routing(cfg, preloaded),
            handlers::make_public_limiter(*limiter,
                                          {cfg.rate_limit_public_rps, cfg.rate_limit_public_burst}),
            trusted_proxies(cfg)});
    if (cfg.metrics_enabled && !cfg.metrics_bind.empty()) {
      auto metrics_dispatcher = std::make_shared<const handlers::Dispatcher>(
          handlers::build_metrics_router(
              [probe, metrics] { return metrics(probe->database_ok()); }),
          [](handlers::RequestContext&, handlers::Access) {
            throw core::DomainError(core::ErrorCode::not_found,
                                    "No such resource.");  // the listener has public routes only
          },
          handlers::DispatcherOptions{1024});
      metrics_server_ = std::make_unique<handlers::HttpServer>(
          handlers::ServerOptions{.host = cfg.metrics_bind_host,
                                  .port = cfg.metrics_bind_port,
                                  .threads = 1,
                                  .max_request_bytes = 65536,
                                  .access_log = false},
          metrics_dispatcher, handlers::ServerHooks{});
    }
    listen_for_changes(cfg, preloaded, counters.listener);
    server_ = std::make_unique<handlers::HttpServer>(
        handlers::ServerOptions{
            .host = cfg.bind_host,
            .port = cfg.bind_port,
            .threads = cfg.threads,
            .max_request_bytes = static_cast<std::size_t>(cfg.max_body_bytes) + 65536,
            .access_log = cfg.log_access},
        dispatcher, std::move(hooks));
  }
  static std::string host_and_pid() {
    char host[256] = {0};
    ::gethostname(host, sizeof host - 1);
    return std::string(host) + ":" + std::to_string(::getpid());
  }
  // ACME: the service, and this worker's validation loop (every worker of
  // every instance takes jobs from the shared queue in PostgreSQL).
  void start_acme(const Config& cfg, const Preloaded& preloaded) {
    acme_store_ = std::make_unique<db::SqlAcmeStore>(*database_);
    acme_ = std::make_unique<core::acme::AcmeService>(
        *acme_store_, *pki_, preloaded.kek ? &*preloaded.kek : nullptr, clock_,
        core::acme::AcmeSettings{
            .public_url = cfg.public_url,
            .terms_of_service_url = cfg.acme_terms_of_service_url,
            // A validation is bounded by its steps (lookup, connect, answer):
            // a lease of three timeouts means a worker that still holds one
            // is alive, and a dead worker's job is free again soon.
            .validation_lease_s = 3 * cfg.acme_validation_timeout_ms / 1000 + 1,
            .claimant = host_and_pid()});
    core::acme::NetworkValidatorSettings net{.dns_resolver = cfg.acme_dns_resolver,
                                             .http01_port = cfg.acme_http01_port,
                                             .tlsalpn01_port = cfg.acme_tlsalpn01_port,
                                             .timeout_ms = cfg.acme_validation_timeout_ms,
                                             .forbidden_ranges = {}};
    for (const auto& item : core::split_list(cfg.acme_forbidden_ranges)) {
      if (auto r = core::pki::parse_ip_range(item)) net.forbidden_ranges.push_back(*r);
    }
    validator_ = std::make_unique<core::acme::NetworkValidator>(std::move(net));
    validation_runner_ = std::make_unique<core::acme::ValidationRunner>(
        *acme_, *validator_, std::chrono::milliseconds(cfg.acme_validation_poll_ms),
        [](const std::string& why) { spdlog::warn("acme validation: {}", why); });
    validation_runner_->start();
  }
  static std::vector<core::pki::IpRange> trusted_proxies(const Config& cfg) {
    std::vector<core::pki::IpRange> out;
    for (const auto& item : core::split_list(cfg.server_trusted_proxies)) {
      if (auto r = core::pki::parse_ip_range(item)) out.push_back(*r);  // validated with the config
    }
    return out;
  }
  // One LISTEN connection feeds every cache of this worker and wakes its ACME validations.
  void listen_for_changes(const Config& cfg, const Preloaded& preloaded, db::ListenerStats& stats) {
    listener_ = std::make_unique<db::ChangeListener>(cfg.database_url, &stats);
    auto* cache = auth_cache_.get();
    auto* pki = pki_.get();
    listener_->subscribe("tenantca_auth",
                         [cache](const std::string& payload) { cache->invalidate(payload); });
    listener_->subscribe("tenantca_pki", [pki](const std::string& payload) {
      if (payload.rfind("revoked:", 0) == 0) pki->on_revocation_notice(payload.substr(8));
    });
    if (auto* runner = validation_runner_.get()) {
      listener_->subscribe("tenantca_acme", [runner, &stats](const std::string&) {
        ++stats.acme_wakeups;
        runner->wake();
      });
    }
    if (auto writes = preloaded.recent_writes; writes && !cfg.database_replica_url.empty()) {
      listener_->subscribe("tenantca_write", [writes](const std::string& tenant) {
        writes->note_write(tenant, monotonic_ms());
      });
    }
    listener_->on_connection([cache, pki](bool listening) {
      cache->set_listening(listening);
      pki->set_change_feed(listening);
    });
    listener_->start();
  }

  handlers::ReadRouting read_routing(const Config& cfg, const Preloaded& preloaded) {
    if (cfg.database_replica_url.empty() || !preloaded.recent_writes) return {};
    auto writes = preloaded.recent_writes;
    const int64_t pin_ms = cfg.database_replica_pin_ms;
    // Without the listener, other instances' writes go unheard: every tenant
    // counts as having written lately, so its reads stay on the primary.
    return handlers::ReadRouting{
        [this, writes, pin_ms](const std::string& tenant) {
          return !listener_ || !listener_->listening() ||
                 writes->wrote_since(tenant, monotonic_ms() - pin_ms);
        },
        [writes](const std::string& tenant) { writes->note_write(tenant, monotonic_ms()); },
        [](bool replica_allowed) -> std::shared_ptr<void> {
          return std::make_shared<db::ReplicaReadScope>(replica_allowed);
        }};
  }

  void attach_replica(const Config& cfg, const Preloaded& preloaded, db::ReadStats& stats) {
    const int64_t max_lag_ms = cfg.database_replica_max_lag_ms;
    // Lag as the replica sees it: 0 when it has replayed all it received (an
    // idle primary leaves an old replay timestamp), else the age of the last
    // replayed transaction. A server that is not in recovery (promoted) has none.
    db::ProbeCheck check{"read replica probe",
                         "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
                         " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
                         " ELSE COALESCE((EXTRACT(EPOCH FROM now() - "
                         "pg_last_xact_replay_timestamp()) * 1000)::bigint, 0) END",
                         [max_lag_ms, &stats](const char* value, std::string& why_not) {
                           const int64_t lag = std::strtoll(value, nullptr, 10);
                           stats.replica_lag_ms.store(lag, std::memory_order_relaxed);
                           if (lag <= max_lag_ms) return true;
                           stats.replica_lag_refusals.fetch_add(1, std::memory_order_relaxed);
                           why_not = fmt::format(
                               "replica is {} ms behind (limit {} ms); reading from the primary",
                               lag, max_lag_ms);
                           return false;
                         }};
    replica_probe_ = std::make_unique<db::HealthProbe>(
        cfg.database_replica_url, std::chrono::milliseconds(250), std::chrono::milliseconds(2000),
        preloaded.replica_health.get(), std::move(check));
    auto* probe = replica_probe_.get();
    database_->attach_replica(
        std::make_unique<db::Database>(db::DatabaseOptions{
            cfg.database_replica_url, cfg.database_pool_size, 2000, cfg.database_slow_query_ms}),
        [probe] { return probe->database_ok(); }, &stats);
  }

  ~WorkerAppImpl() override {
    if (validation_runner_) validation_runner_->stop();
    metrics_server_.reset();
    server_.reset();    // stop serving before the resources handlers use go away
    listener_.reset();  // its callbacks use the caches below
  }
  void start() override {
    server_->start();
    if (metrics_server_) metrics_server_->start();
  }
  void stop_accepting() override {
    server_->stop_accepting();
    if (metrics_server_) metrics_server_->stop_accepting();
  }
  int in_flight() const override {
    return server_->in_flight() + (metrics_server_ ? metrics_server_->in_flight() : 0);
  }
  void shutdown() override {
    server_->shutdown();
    if (metrics_server_) metrics_server_->shutdown();
  }

 private:
  std::unique_ptr<db::Database> database_;
  std::unique_ptr<db::HealthProbe> probe_;
  std::unique_ptr<db::HealthProbe> replica_probe_;
  std::unique_ptr<db::AuthCache> auth_cache_;
  std::unique_ptr<db::RedisRateLimiter> redis_limiter_;
  core::SystemClock clock_;
  std::unique_ptr<db::SqlPkiStore> pki_store_;
  std::unique_ptr<db::SqlTenancyStore> tenancy_store_;
  std::unique_ptr<core::TenancyService> tenancy_;
  std::unique_ptr<core::pki::PkiService> pki_;
  std::unique_ptr<db::SqlAcmeStore> acme_store_;
  std::unique_ptr<core::acme::AcmeService> acme_;
  std::unique_ptr<core::acme::NetworkValidator> validator_;
  std::unique_ptr<core::acme::ValidationRunner> validation_runner_;
  std::unique_ptr<handlers::HttpServer> server_;
  std::unique_ptr<handlers::HttpServer> metrics_server_;
  std::unique_ptr<db::ChangeListener> listener_;
};

}  // namespace

void configure_libpq_environment(const Config& cfg) {
  // libpq reads these for every connection of this process, whatever the
  // form of database.url (URI or key=value); SOCI never sees them, so its
  // whitespace splitting of conninfo strings does not matter (docs/pitfalls.md).
  ::setenv("PGCONNECT_TIMEOUT", std::to_string(cfg.database_connect_timeout_s).c_str(), 1);
  // tenantca.replica_reads: our writes announce themselves to the other
  // instances (read-your-own-writes), only when replicas are in use
  // (db/migrations/0004).
  ::setenv("PGOPTIONS",
           fmt::format("-c statement_timeout={} -c TimeZone=UTC -c tenantca.replica_reads={}",
                       cfg.database_statement_timeout_ms,
                       cfg.database_replica_url.empty() ? "off" : "on")
               .c_str(),
           1);
  ::setenv("PGAPPNAME", "tenantca", 0);
}

Preloaded load_keys(const Config& cfg) {
  Preloaded p;
  if (!cfg.security_kek_file.empty()) p.kek = core::load_kek_file(cfg.security_kek_file);
  for (const auto& path : core::split_list(cfg.security_previous_kek_files)) {
    p.previous_keks.push_back(core::load_kek_file(path));
  }
  return p;
}

Preloaded preload(const Config& cfg) {
  configure_libpq_environment(cfg);
  Preloaded p = load_keys(cfg);
  const auto schema = db::check_schema_compatibility(cfg.database_url);
  if (!schema.ok) throw std::runtime_error(schema.reason);
  if (schema.database_version != schema.binary_version) {
    spdlog::info(
        "database schema {} is newer than this binary's {} and declared compatible with it",
        schema.database_version, schema.binary_version);
  }
  // Every CA key must unseal with the loaded KEKs before we serve: a wrong or
  // missing KEK is a refusal at start naming the CAs, not a 500 at issuance.
  if (p.kek) {
    OneShotPki check(cfg, p);
    const auto bad = check.pki().unsealable_cas();
    if (!bad.empty()) {
      std::string names;
      for (const auto& b : bad) names += (names.empty() ? "" : "; ") + b;
      throw std::runtime_error(fmt::format(
          "{} CA key(s) do not unseal with the loaded key-encryption keys (security.kek_file, "
          "security.previous_kek_files): {}",
          bad.size(), names));
    }
  }
  return p;
}

std::unique_ptr<WorkerApp> build_worker_app(const Config& cfg, const Preloaded& preloaded,
                                            handlers::ServerHooks hooks,
                                            const MetricsRenderer& metrics,
                                            InstanceCounters& counters,
                                            core::SharedCommitQueue* commit_queue) {
  return std::make_unique<WorkerAppImpl>(cfg, preloaded, std::move(hooks), metrics, counters,
                                         commit_queue);
}

}  // namespace tenantca::daemon
