#pragma once
// Keeps a fresh answer to "can we reach the database?" so GET /api/v1/health
// never waits on the database: a background thread probes with bounded
// timeouts and the handler reads the cached result.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace tenantca::db {

class HealthProbe {
 public:
  HealthProbe(std::string conninfo, std::chrono::milliseconds interval, std::chrono::milliseconds query_timeout);
  ~HealthProbe();
  HealthProbe(const HealthProbe&) = delete;
  HealthProbe& operator=(const HealthProbe&) = delete;

  // True when the last probe succeeded and is recent (a probe stuck on a hung
  // server makes the answer go stale, hence false).
  bool database_ok() const;

 private:
  void loop();
  bool probe_once();

  std::string conninfo_;
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds query_timeout_;
  std::atomic<int64_t> last_ok_ms_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  void* conn_ = nullptr;  // PGconn*, owned by the probe thread
  std::thread thread_;
};

}  // namespace tenantca::db
