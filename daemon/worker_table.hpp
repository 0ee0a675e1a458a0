#pragma once
// Shared memory between the master and its workers, mapped by the master
// before it forks: one slot per worker with its state, its heartbeat (the
// time of the oldest unfinished work) and its request count.
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/cache_stats.hpp"
#include "core/group_commit.hpp"
#include "core/rate_limit.hpp"
#include "core/shared_commit_queue.hpp"
#include "db/change_listener.hpp"
#include "db/database.hpp"
#include "db/read_routing.hpp"

namespace tenantca::daemon {

// retiring: the worker wants to be replaced (max_requests); it keeps serving
// until the master has a replacement listening and then tells it to stop.
enum class WorkerState : int { free = 0, booting = 1, ready = 2, draining = 3, retiring = 4 };

struct WorkerSlot {
  std::atomic<int> state;
  std::atomic<int> pid;
  std::atomic<int64_t> heartbeat_ms;  // monotonic clock
  std::atomic<uint64_t> requests;
};

// Instance-wide counters, summed over every worker that ever ran under this
// master (so they stay monotonic when workers are replaced).
enum class WorkerEnd {
  graceful,
  exit_error,
  signal_abort,
  signal_kill,
  signal_other,
  boot_failure
};
enum class WorkerKill {
  heartbeat_abort,
  boot_timeout_abort,
  abort_grace_kill,
  graceful_timeout_kill
};
inline constexpr const char* kWorkerEndNames[6] = {"graceful", "exit_error",   "sigabrt",
                                                   "sigkill",  "other_signal", "boot_failure"};
enum class ReloadResult { finished, rejected };
inline constexpr const char* kReloadResultNames[2] = {"finished", "rejected"};
inline constexpr const char* kWorkerKillNames[4] = {"heartbeat_timeout", "boot_timeout",
                                                    "abort_grace", "graceful_timeout"};

struct InstanceCounters {
  std::atomic<uint64_t> responses_by_class[6];  // index: status / 100 (0 unused)
  std::atomic<uint64_t> duration_us_sum;
  std::atomic<uint64_t> worker_starts;
  // How workers ended, by the master's account (index: WorkerEnd).
  std::atomic<uint64_t> worker_ends[6];
  // What the master had to do to a worker (index: WorkerKill).
  std::atomic<uint64_t> worker_kills[4];
  // SIGHUP reloads, by result (index: ReloadResult), and the generation now
  // serving (1 at start, one more per finished reload).
  std::atomic<uint64_t> reloads[2];
  std::atomic<int64_t> generation;
  // SIGUSR2 upgrades the master refused (the new binary failed its checks).
  std::atomic<uint64_t> upgrades_refused;
  // The smallest and largest max_requests limit a worker drew (max_requests
  // plus its jitter); 0 until a worker with a limit started.
  std::atomic<uint64_t> request_limit_min;
  std::atomic<uint64_t> request_limit_max;
  core::RateLimiterStats rate_limit;
  db::ReadStats reads;
  db::ListenerStats listener;
  db::DatabaseStats database;
  core::GroupCommitStats issuance_batches;
  core::CacheStats auth_cache;
  core::CacheStats ocsp_cache;
  core::CacheStats status_cache;
  core::CacheStats crl_cache;
};

class WorkerTable {
 public:
  static constexpr std::size_t kSlots = 1024;
  WorkerTable();
  ~WorkerTable();
  WorkerTable(const WorkerTable&) = delete;
  WorkerTable& operator=(const WorkerTable&) = delete;

  WorkerSlot& slot(std::size_t i) { return slots_[i]; }
  InstanceCounters& counters() { return *counters_; }
  // Issuances of every worker of this instance batch here (group commit).
  core::SharedCommitQueue* commit_queue() { return commit_queue_; }
  // A free slot index, or -1.
  int claim();
  void release(std::size_t i);

 private:
  WorkerSlot* slots_;
  InstanceCounters* counters_;
  core::SharedCommitQueue* commit_queue_;
};

int64_t monotonic_ms();

}  // namespace tenantca::daemon
