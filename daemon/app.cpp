#include "daemon/app.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "db/database.hpp"
#include "db/health_probe.hpp"
#include "db/migrations.hpp"
#include "handlers/dispatcher.hpp"
#include "handlers/health_handler.hpp"

namespace tenantca::daemon {
namespace {

using handlers::Access;

class WorkerAppImpl final : public WorkerApp {
 public:
  WorkerAppImpl(const Config& cfg, const Preloaded& preloaded, handlers::ServerHooks hooks) {
    (void)preloaded;
    // libpq reads these for every connection of this process, whatever the
    // form of database.url (URI or key=value).
    ::setenv("PGCONNECT_TIMEOUT", std::to_string(cfg.database_connect_timeout_s).c_str(), 1);
    ::setenv("PGOPTIONS", fmt::format("-c statement_timeout={} -c TimeZone=UTC", cfg.database_statement_timeout_ms).c_str(), 1);
    ::setenv("PGAPPNAME", "tenantca", 0);

    database_ = std::make_unique<db::Database>(db::DatabaseOptions{
        cfg.database_url, cfg.database_pool_size, 2000, cfg.database_slow_query_ms});
    probe_ = std::make_unique<db::HealthProbe>(cfg.database_url, std::chrono::milliseconds(1000),
                                               std::chrono::milliseconds(1500));

    handlers::Router router;
    auto* probe = probe_.get();
    router.add("GET", "/api/v1/health", Access::public_, handlers::make_health_handler([probe] { return probe->database_ok(); }));
    router.add("GET", "/api/v1/openapi.yaml", Access::public_, handlers::make_openapi_handler());

    auto authorizer = [](handlers::RequestContext&, Access) {
      throw core::DomainError(core::ErrorCode::unauthorized, "A valid API key is required.");
    };
    auto dispatcher = std::make_shared<const handlers::Dispatcher>(
        std::move(router), authorizer, handlers::DispatcherOptions{static_cast<std::size_t>(cfg.max_body_bytes)});
    server_ = std::make_unique<handlers::HttpServer>(
        handlers::ServerOptions{cfg.bind_host, cfg.bind_port, cfg.threads,
                                static_cast<std::size_t>(cfg.max_body_bytes) + 65536, cfg.log_access},
        dispatcher, std::move(hooks));
  }
  ~WorkerAppImpl() override {
    server_.reset();  // stop serving before the resources handlers use go away
  }
  handlers::HttpServer& server() override { return *server_; }

 private:
  std::unique_ptr<db::Database> database_;
  std::unique_ptr<db::HealthProbe> probe_;
  std::unique_ptr<handlers::HttpServer> server_;
};

}  // namespace

Preloaded preload(const Config& cfg) {
  Preloaded p;
  if (!cfg.security_kek_file.empty()) p.kek = core::load_kek_file(cfg.security_kek_file);
  const int have = db::current_schema_version(cfg.database_url);
  const int want = db::expected_schema_version();
  if (have != want) {
    throw std::runtime_error(fmt::format(
        "database schema is at version {}, this binary needs version {}; run `tenantca migrate`", have, want));
  }
  return p;
}

std::unique_ptr<WorkerApp> build_worker_app(const Config& cfg, const Preloaded& preloaded, handlers::ServerHooks hooks) {
  return std::make_unique<WorkerAppImpl>(cfg, preloaded, std::move(hooks));
}

}  // namespace tenantca::daemon
