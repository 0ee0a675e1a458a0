#pragma once
// Keeps a fresh answer to "can we reach the database?" so GET /api/v1/health
// never waits on the database: a background thread keeps one connection and
// sends its check (SELECT 1, or a read replica's lag) every interval; the
// handler only reads the result.
//
// Two kinds of failure: a hard one (connection refused or lost) counts at
// once; a slow answer only counts once no answer has come for
// `stale_after` — a busy machine delays answers, a hung server never gives one.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace tenantca::db {

// The instance's latest probe results, in memory shared by the master's
// workers (mapped before fork): a worker that just booted answers from what
// its siblings saw instead of waiting for its own first probe.
struct SharedHealth {
  std::atomic<int64_t> last_ok_ms{0};
  std::atomic<int64_t> last_hard_failure_ms{0};
};
std::shared_ptr<SharedHealth> map_shared_health();

// What the probe sends and what counts as a good answer. The default asks
// "are you there?"; the read-replica probe asks for the replication lag and
// refuses an answer above the limit (a hard failure, counted at once).
struct ProbeCheck {
  std::string name = "database health probe";
  std::string query = "SELECT 1";
  std::function<bool(const char* first_value, std::string& why_not)>
      accept;  // empty: any row is good
};

class HealthProbe {
 public:
  HealthProbe(std::string conninfo, std::chrono::milliseconds interval,
              std::chrono::milliseconds stale_after, SharedHealth* shared, ProbeCheck check = {});
  ~HealthProbe();
  HealthProbe(const HealthProbe&) = delete;
  HealthProbe& operator=(const HealthProbe&) = delete;

  bool database_ok() const;

 private:
  void loop();
  void step();
  void drop(const char* why, bool hard);

  std::string conninfo_;
  ProbeCheck check_;
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds stale_after_;
  SharedHealth local_;
  SharedHealth* shared_;
  std::atomic<bool> stop_{false};
  // Owned by the probe thread.
  void* conn_ = nullptr;  // PGconn*
  bool connecting_ = false;
  int64_t connect_started_ms_ = 0;
  bool in_flight_ = false;
  int64_t sent_ms_ = 0;
  bool reported_down_ = false;
  std::thread thread_;
};

}  // namespace tenantca::db
