#pragma once
// The composition root: the one place that wires configuration, database,
// core services and HTTP handlers together for a worker.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/kek.hpp"
#include "core/rate_limit.hpp"
#include "core/shared_commit_queue.hpp"
#include "daemon/config.hpp"
#include "daemon/worker_table.hpp"
#include "db/health_probe.hpp"
#include "db/read_routing.hpp"
#include "handlers/http_server.hpp"

namespace tenantca::daemon {

// What the master prepares before forking and every worker inherits.
struct Preloaded {
  std::optional<core::Kek> kek;          // current: seals new CA keys
  std::vector<core::Kek> previous_keks;  // older: still unseal
  // The previous KEKs as the PKI service takes them (pointers into this object).
  std::vector<const core::Kek*> previous_kek_views() const {
    std::vector<const core::Kek*> views;
    for (const auto& k : previous_keks) views.push_back(&k);
    return views;
  }
  // Shared memory mapped by the master: one exact limit per key for the
  // whole instance, across workers, restarts and reloads.
  std::shared_ptr<core::RateLimiter> rate_limiter;
  // The database health the workers' probes share.
  std::shared_ptr<db::SharedHealth> health;
  // The same for the read replica's probes (lag within the limit).
  std::shared_ptr<db::SharedHealth> replica_health;
  // Tenants that wrote through this instance lately: their reads skip the replica.
  std::shared_ptr<db::RecentWrites> recent_writes;
};

// libpq settings every connection of this process gets (timeouts, UTC).
void configure_libpq_environment(const Config& cfg);

// Checks that must pass before any worker starts. Throws std::runtime_error.
Preloaded preload(const Config& cfg);
// The KEKs alone (current and previous), as preload loads them.
Preloaded load_keys(const Config& cfg);

// A worker's listeners (the API, and /metrics when metrics.bind is set),
// started, drained and stopped together.
class WorkerApp {
 public:
  virtual ~WorkerApp() = default;
  virtual void start() = 0;
  virtual void stop_accepting() = 0;
  virtual int in_flight() const = 0;
  virtual void shutdown() = 0;
};

// Builds a worker's resources: call only after fork().
using MetricsRenderer = std::function<std::string(bool database_ok)>;
std::unique_ptr<WorkerApp> build_worker_app(const Config& cfg, const Preloaded& preloaded,
                                            handlers::ServerHooks hooks,
                                            const MetricsRenderer& metrics,
                                            InstanceCounters& counters,
                                            core::SharedCommitQueue* commit_queue = nullptr);

}  // namespace tenantca::daemon
