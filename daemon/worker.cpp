#include "daemon/worker.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <random>
#include <thread>

#include "daemon/exit_codes.hpp"
#include "daemon/logging.hpp"
#include "daemon/metrics.hpp"
#include "daemon/signals.hpp"

namespace tenantca::daemon {
namespace {

// Keeps the instance-wide smallest and largest limit drawn (for /metrics).
void note_request_limit(InstanceCounters& c, uint64_t limit) {
  uint64_t seen = c.request_limit_min.load();
  while ((seen == 0 || limit < seen) && !c.request_limit_min.compare_exchange_weak(seen, limit)) {
  }
  seen = c.request_limit_max.load();
  while (limit > seen && !c.request_limit_max.compare_exchange_weak(seen, limit)) {
  }
}

// Per-thread "busy since" clocks: the heartbeat is the start of the oldest
// request still in a handler, so one stuck request stops it.
class ProgressTracker {
 public:
  void started() {
    slot_for_thread().store(monotonic_ms());
    started_at_ = std::chrono::steady_clock::now();
  }
  // Returns the time spent in the handler, in microseconds.
  uint64_t finished() {
    slot_for_thread().store(0);
    ++requests_;
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now() - started_at_)
                                     .count());
  }
  int64_t heartbeat(int64_t now) const {
    int64_t beat = now;
    for (const auto& s : busy_) {
      const int64_t since = s.load();
      if (since != 0 && since < beat) beat = since;
    }
    return beat;
  }
  uint64_t requests() const { return requests_.load(); }

 private:
  std::atomic<int64_t>& slot_for_thread() {
    thread_local int index = next_.fetch_add(1) % static_cast<int>(kThreads);
    return busy_[static_cast<std::size_t>(index)];
  }
  static constexpr std::size_t kThreads = 512;
  std::array<std::atomic<int64_t>, kThreads> busy_{};
  std::atomic<int> next_{0};
  std::atomic<uint64_t> requests_{0};
  static thread_local std::chrono::steady_clock::time_point started_at_;
};
thread_local std::chrono::steady_clock::time_point ProgressTracker::started_at_;

}  // namespace

int run_worker(const Config& cfg, const Preloaded& preloaded, WorkerTable& table, WorkerSlot& slot,
               WorkerIdentity id) {
  set_log_role(fmt::format("worker {}.{}", id.generation, id.index));
  SignalPipe signals{SIGTERM, SIGINT, SIGQUIT, SIGUSR1, SIGHUP};
  if (cfg.testing_worker_ignores_abort) ::signal(SIGABRT, SIG_IGN);
  slot.pid = ::getpid();

  uint64_t max_requests = 0;
  if (cfg.max_requests > 0) {
    std::mt19937_64 rng(std::random_device{}());
    const uint64_t jitter = cfg.max_requests_jitter > 0
                                ? std::uniform_int_distribution<uint64_t>(
                                      0, static_cast<uint64_t>(cfg.max_requests_jitter))(rng)
                                : 0;
    max_requests = static_cast<uint64_t>(cfg.max_requests) + jitter;
    note_request_limit(table.counters(), max_requests);
  }

  auto tracker = std::make_shared<ProgressTracker>();
  std::unique_ptr<WorkerApp> app;
  try {
    auto& counters = table.counters();
    app = build_worker_app(
        cfg, preloaded,
        handlers::ServerHooks{[tracker] { tracker->started(); },
                              [tracker, &counters](int status) {
                                const uint64_t us = tracker->finished();
                                if (status >= 100 && status < 600)
                                  ++counters.responses_by_class[status / 100];
                                counters.duration_us_sum += us;
                              }},
        [&table](bool db_ok) { return render_metrics(table, db_ok); }, counters,
        table.commit_queue());
    app->start();
  } catch (const std::exception& e) {
    spdlog::error("worker boot failed: {}", e.what());
    return kWorkerExitBootError;
  }
  slot.heartbeat_ms = monotonic_ms();
  slot.state = static_cast<int>(WorkerState::ready);
  spdlog::info("worker listening on {}:{} (pid {}, generation {})", cfg.bind_host, cfg.bind_port,
               ::getpid(), id.generation);

  std::string reason;
  while (reason.empty()) {
    for (int s : signals.wait(250)) {
      if (s == SIGTERM) reason = "SIGTERM";
      if (s == SIGINT || s == SIGQUIT) {
        spdlog::info("quick shutdown ({})", s == SIGINT ? "SIGINT" : "SIGQUIT");
        ::_exit(0);
      }
      if (s == SIGUSR1) reopen_logs();
      // SIGHUP goes to the master; a worker started by a terminal ignores it.
    }
    slot.heartbeat_ms = tracker->heartbeat(monotonic_ms());
    slot.requests = tracker->requests();
    if (max_requests > 0 && tracker->requests() >= max_requests &&
        slot.state.load() == static_cast<int>(WorkerState::ready)) {
      // Ask for a replacement first; the master sends TERM once it listens.
      spdlog::info("max_requests ({}) reached; asking the master for a replacement", max_requests);
      slot.state = static_cast<int>(WorkerState::retiring);
    }
    if (::getppid() != id.master_pid && reason.empty()) reason = "master is gone";
  }

  // Graceful stop: no new connections, finish what we have, then leave.
  if (slot.state.load() == static_cast<int>(WorkerState::retiring)) reason += " after max_requests";
  spdlog::info("worker draining: {}", reason);
  slot.state = static_cast<int>(WorkerState::draining);
  app->stop_accepting();
  const int64_t deadline = monotonic_ms() + int64_t{cfg.graceful_timeout_s} * 1000;
  int64_t idle_since = 0;
  while (monotonic_ms() < deadline) {
    const int64_t now = monotonic_ms();
    if (app->in_flight() == 0) {
      if (idle_since == 0) idle_since = now;
      if (now - idle_since >= 100) break;  // let a response just handed to the kernel leave
    } else {
      idle_since = 0;
    }
    slot.heartbeat_ms = now;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  app->shutdown();
  app.reset();
  spdlog::info("worker exiting after {} requests", tracker->requests());
  return 0;
}

}  // namespace tenantca::daemon
