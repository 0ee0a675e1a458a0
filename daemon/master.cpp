#include "daemon/master.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>

#include "daemon/exit_codes.hpp"
#include "daemon/logging.hpp"
#include "daemon/signals.hpp"
#include "daemon/worker.hpp"

namespace tenantca::daemon {
namespace {

SignalPipe* g_signals = nullptr;

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return fmt::format("killed by signal {} ({}){}", WTERMSIG(status),
                       ::strsignal(WTERMSIG(status)), WCOREDUMP(status) ? ", core dumped" : "");
  }
  return fmt::format("ended with status {}", status);
}

}  // namespace

namespace {
// The absolute path of this executable, read before anything can replace it.
std::string executable_path() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "/proc/self/exe";
  std::string path(buf, static_cast<std::size_t>(n));
  const std::string deleted = " (deleted)";
  if (path.size() > deleted.size() &&
      path.compare(path.size() - deleted.size(), deleted.size(), deleted) == 0) {
    path.resize(path.size() - deleted.size());  // replaced already: the path names the new file
  }
  return path;
}
}  // namespace

Master::Master(Config cfg, Preloaded preloaded, ConfigLoader reload, std::vector<std::string> argv,
               std::vector<int> inherited_workers)
    : cfg_(std::move(cfg)),
      preloaded_(std::move(preloaded)),
      reload_(std::move(reload)),
      desired_(cfg_.effective_workers()),
      master_pid_(::getpid()),
      argv_(std::move(argv)),
      exe_path_(executable_path()),
      inherited_workers_(std::move(inherited_workers)) {
  if (!inherited_workers_.empty()) {
    spdlog::info(
        "upgrade: running the new binary in place (pid {}), {} workers of the old one keep serving "
        "until "
        "the new ones listen",
        master_pid_, inherited_workers_.size());
  }
}

// Before handing the process over, the binary now at exe_path_ must run,
// accept our configuration, load the KEK and fit the database schema
// (`check-config --serve-checks` with the same settings): a broken or
// incompatible upgrade is refused and the old binary keeps serving.
bool Master::binary_accepts_config() {
  std::vector<std::string> check = {exe_path_, "check-config", "--serve-checks"};
  for (std::size_t i = 2; i < argv_.size(); ++i)
    check.push_back(argv_[i]);  // after "tenantca serve"
  const pid_t pid = ::fork();
  if (pid < 0) {
    spdlog::error("upgrade refused: cannot fork to check the new binary: {}", std::strerror(errno));
    ++table_.counters().upgrades_refused;
    return false;
  }
  if (pid == 0) {
    std::vector<char*> args;
    args.reserve(check.size() + 1);
    for (auto& a : check) args.push_back(a.data());
    args.push_back(nullptr);
    const int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, STDOUT_FILENO);
    ::execv(exe_path_.c_str(), args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  spdlog::error(
      "upgrade refused: {} check-config {}; still running the old binary", exe_path_,
      WIFEXITED(status) ? "exited " + std::to_string(WEXITSTATUS(status)) : std::string("died"));
  ++upgrades_refused_;
  ++table_.counters().upgrades_refused;
  return false;
}

// SIGUSR2: exec the (new) binary in this same process, as HAProxy does, so
// systemd's MAINPID stays right (gunicorn's new-pid upgrade breaks it, #2856).
// Workers survive exec as our children and keep serving; the new image starts
// its own generation and then stops them.
void Master::upgrade() {
  if (argv_.empty()) return;
  if (!binary_accepts_config()) return;
  std::string pids;
  for (const auto& w : workers_) {
    if (w.stop_sent_ms == 0) pids += (pids.empty() ? "" : ",") + std::to_string(w.pid);
  }
  for (int p : inherited_workers_) pids += (pids.empty() ? "" : ",") + std::to_string(p);
  spdlog::info("upgrade (SIGUSR2): executing {} with {} live workers handed over", exe_path_,
               workers_.size());
  sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
             static_cast<unsigned long long>(monotonic_ms()) * 1000ULL);
  ::setenv(kUpgradeEnv, pids.c_str(), 1);
  std::vector<char*> args;
  for (auto& a : argv_) args.push_back(a.data());
  args.push_back(nullptr);
  ::execv(exe_path_.c_str(), args.data());
  spdlog::error("upgrade failed: execv: {}; still running the old binary", std::strerror(errno));
  ::unsetenv(kUpgradeEnv);
}

std::vector<Master::Worker*> Master::current_generation() {
  std::vector<Worker*> out;
  for (auto& w : workers_) {
    if (w.generation == generation_ && w.stop_sent_ms == 0 && !w.retiring) out.push_back(&w);
  }
  return out;
}

void Master::spawn() {
  const int slot = table_.claim();
  if (slot < 0) {
    spdlog::error("no free worker slot");
    return;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    spdlog::error("fork failed: {}", std::strerror(errno));
    table_.release(static_cast<std::size_t>(slot));
    return;
  }
  if (pid == 0) {
    g_signals->release();
    int code = kWorkerExitBootError;
    try {
      code = run_worker(cfg_, preloaded_, table_, table_.slot(static_cast<std::size_t>(slot)),
                        WorkerIdentity{slot, generation_, master_pid_});
    } catch (const std::exception& e) {
      spdlog::critical("worker crashed: {}", e.what());
      code = 1;
    }
    ::_exit(code);
  }
  table_.slot(static_cast<std::size_t>(slot)).pid = pid;
  ++table_.counters().worker_starts;
  workers_.push_back(Worker{pid, slot, generation_, monotonic_ms()});
  spdlog::info("spawned worker pid {} (generation {}, slot {})", pid, generation_, slot);
}

void Master::stop_worker(Worker& w, const char* why) {
  if (w.stop_sent_ms != 0) return;
  w.stop_sent_ms = monotonic_ms();
  spdlog::info("stopping worker pid {} gracefully: {}", w.pid, why);
  ::kill(w.pid, SIGTERM);
}

void Master::reload() {
  spdlog::info("reload requested (SIGHUP): reading the configuration");
  Config fresh;
  Preloaded fresh_preloaded;
  try {
    fresh = reload_();
    fresh_preloaded = preload(fresh);  // schema and key checks, as at start
  } catch (const std::exception& e) {
    spdlog::error("reload rejected, keeping the running configuration: {}", e.what());
    ++table_.counters().reloads[static_cast<int>(ReloadResult::rejected)];
    return;
  }
  sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
             static_cast<unsigned long long>(monotonic_ms()) * 1000ULL);
  setup_logging(LogSettings{fresh.log_level, fresh.log_format, fresh.log_file, "master"});
  cfg_ = std::move(fresh);
  // The rate limit table outlives generations: buckets stay exact across reloads.
  fresh_preloaded.rate_limiter = preloaded_.rate_limiter;
  fresh_preloaded.health = preloaded_.health;
  fresh_preloaded.replica_health = preloaded_.replica_health;
  fresh_preloaded.recent_writes = preloaded_.recent_writes;
  preloaded_ = std::move(fresh_preloaded);
  desired_ = cfg_.effective_workers();
  ++generation_;
  reloading_ = true;
  boot_failures_ = 0;
  spdlog::info("reload: starting generation {} with {} workers", generation_, desired_);
}

void Master::handle_signal(int sig) {
  switch (sig) {
    case SIGTERM:
      if (!stopping_) {
        spdlog::info("graceful shutdown (SIGTERM), up to {} s", cfg_.graceful_timeout_s);
        stopping_ = true;
        stop_deadline_ms_ = monotonic_ms() + int64_t{cfg_.graceful_timeout_s} * 1000;
        sd_notify(0, "STOPPING=1");
        for (auto& w : workers_) stop_worker(w, "shutdown");
        for (int pid : inherited_workers_) ::kill(pid, SIGTERM);
      }
      break;
    case SIGINT:
    case SIGQUIT:
      spdlog::info("quick shutdown ({})", sig == SIGINT ? "SIGINT" : "SIGQUIT");
      stopping_ = true;
      stop_deadline_ms_ = monotonic_ms() + 2000;
      sd_notify(0, "STOPPING=1");
      for (auto& w : workers_) ::kill(w.pid, SIGQUIT);
      break;
    case SIGHUP:
      if (!stopping_) reload();
      break;
    case SIGTTIN:
      ++desired_;
      spdlog::info("SIGTTIN: workers now {}", desired_);
      break;
    case SIGTTOU:
      desired_ = std::max(1, desired_ - 1);
      spdlog::info("SIGTTOU: workers now {}", desired_);
      break;
    case SIGUSR2:
      if (!stopping_) upgrade();
      break;
    case SIGUSR1:
      spdlog::info("SIGUSR1: reopening log files");
      reopen_logs();
      for (auto& w : workers_) ::kill(w.pid, SIGUSR1);
      break;
    default:
      break;  // SIGCHLD only wakes the loop; reap() does the work
  }
}

void Master::reap() {
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    auto it = std::find_if(workers_.begin(), workers_.end(),
                           [&](const Worker& w) { return w.pid == pid; });
    if (it == workers_.end()) {
      spdlog::info("worker pid {} of the previous binary {}", pid, describe_status(status));
      continue;
    }
    const bool expected = it->stop_sent_ms != 0 || stopping_;
    const bool boot_failure = !it->ready && !expected;
    WorkerEnd end = WorkerEnd::exit_error;
    if (WIFSIGNALED(status)) {
      end = WTERMSIG(status) == SIGABRT   ? WorkerEnd::signal_abort
            : WTERMSIG(status) == SIGKILL ? WorkerEnd::signal_kill
                                          : WorkerEnd::signal_other;
    } else if (boot_failure) {
      end = WorkerEnd::boot_failure;
    } else if (expected && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      end = WorkerEnd::graceful;
    }
    ++table_.counters().worker_ends[static_cast<int>(end)];
    if (expected && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      spdlog::info("worker pid {} (generation {}) exited after a graceful stop", pid,
                   it->generation);
    } else {
      spdlog::warn("worker pid {} (generation {}) {}{}", pid, it->generation,
                   describe_status(status),
                   boot_failure ? " during boot"
                   : expected   ? ""
                                : "; replacing it");
    }
    if (boot_failure) {
      ++boot_failures_;
      const int64_t backoff = std::min<int64_t>(100LL << std::min(boot_failures_, 7), 10000);
      next_spawn_ms_ = monotonic_ms() + backoff;
      if (boot_failures_ >= cfg_.max_boot_failures) {
        spdlog::critical("{} consecutive worker boot failures; giving up (exit {})", boot_failures_,
                         kExitWorkerBootFailures);
        exit_code_ = kExitWorkerBootFailures;
        if (!stopping_) {
          stopping_ = true;
          stop_deadline_ms_ = monotonic_ms() + int64_t{cfg_.graceful_timeout_s} * 1000;
          for (auto& w : workers_) stop_worker(w, "master giving up");
        }
      } else {
        spdlog::warn("worker boot failure {} of {}; next attempt in {} ms", boot_failures_,
                     cfg_.max_boot_failures, backoff);
      }
    }
    table_.release(static_cast<std::size_t>(it->slot));
    workers_.erase(it);
  }
}

void Master::supervise() {
  const int64_t now = monotonic_ms();
  for (auto& w : workers_) {
    WorkerSlot& slot = table_.slot(static_cast<std::size_t>(w.slot));
    if (!w.ready && slot.state.load() == static_cast<int>(WorkerState::ready)) {
      w.ready = true;
      boot_failures_ = 0;
      spdlog::info("worker pid {} booted (generation {})", w.pid, w.generation);
    }
    if (w.killed) continue;
    if (!w.retiring && w.stop_sent_ms == 0 &&
        slot.state.load() == static_cast<int>(WorkerState::retiring)) {
      w.retiring = true;
      spdlog::info("worker pid {} asked to be replaced (max_requests)", w.pid);
    }
    if (w.abort_sent_ms != 0) {
      if (now - w.abort_sent_ms >= int64_t{cfg_.abort_grace_s} * 1000) {
        spdlog::error("worker pid {} still alive {} s after SIGABRT: SIGKILL", w.pid,
                      cfg_.abort_grace_s);
        ++table_.counters().worker_kills[static_cast<int>(WorkerKill::abort_grace_kill)];
        ::kill(w.pid, SIGKILL);
        w.killed = true;
      }
      continue;
    }
    const char* timeout_reason = nullptr;
    if (w.stop_sent_ms != 0) {
      // A draining worker is judged by the graceful timeout, not the heartbeat.
      if (now - w.stop_sent_ms > int64_t{cfg_.graceful_timeout_s} * 1000)
        timeout_reason = "graceful timeout";
    } else if (!w.ready) {
      if (now - w.spawned_ms > int64_t{cfg_.boot_timeout_s} * 1000) timeout_reason = "boot timeout";
    } else if (now - slot.heartbeat_ms.load() > int64_t{cfg_.timeout_s} * 1000) {
      timeout_reason = "no progress within the timeout";
    }
    if (timeout_reason != nullptr) {
      if (w.stop_sent_ms != 0) {
        spdlog::error("worker pid {}: {}: SIGKILL", w.pid, timeout_reason);
        ++table_.counters().worker_kills[static_cast<int>(WorkerKill::graceful_timeout_kill)];
        ::kill(w.pid, SIGKILL);
        w.killed = true;
      } else {
        spdlog::error("worker pid {}: {}: SIGABRT", w.pid, timeout_reason);
        ++table_.counters().worker_kills[static_cast<int>(
            w.ready ? WorkerKill::heartbeat_abort : WorkerKill::boot_timeout_abort)];
        ::kill(w.pid, SIGABRT);
        w.abort_sent_ms = now;
      }
    }
  }
  if (stopping_) return;

  auto current = current_generation();
  if (static_cast<int>(current.size()) < desired_ && now >= next_spawn_ms_) {
    for (int i = static_cast<int>(current.size()); i < desired_; ++i) spawn();
    current = current_generation();
  }
  if (static_cast<int>(current.size()) > desired_) {
    std::sort(current.begin(), current.end(),
              [](Worker* a, Worker* b) { return a->spawned_ms < b->spawned_ms; });
    for (std::size_t i = 0; i < current.size() - static_cast<std::size_t>(desired_); ++i)
      stop_worker(*current[i], "SIGTTOU");
  }
  const bool all_ready =
      std::all_of(current.begin(), current.end(), [](Worker* w) { return w->ready; }) &&
      static_cast<int>(current.size()) == desired_;
  if (all_ready) {
    for (auto& w : workers_) {
      if (w.retiring) stop_worker(w, "replaced after max_requests");
    }
  }
  if (all_ready && reloading_) {
    for (auto& w : workers_) {
      if (w.generation < generation_) stop_worker(w, "replaced by a reload");
    }
    reloading_ = false;
    spdlog::info("reload finished: generation {} serving", generation_);
    ++table_.counters().reloads[static_cast<int>(ReloadResult::finished)];
    table_.counters().generation = generation_;
    sd_notify(0, "READY=1");
  }
  if (all_ready && !inherited_workers_.empty()) {
    for (int pid : inherited_workers_) {
      spdlog::info("upgrade: stopping old worker pid {} gracefully", pid);
      ::kill(pid, SIGTERM);
    }
    inherited_workers_.clear();
    spdlog::info("upgrade finished: the new binary serves");
  }
  if (all_ready && !announced_ready_) {
    announced_ready_ = true;
    sd_notify(0, "READY=1");
    spdlog::info("tenantca ready: {} workers", desired_);
  }
}

void Master::notify_status() {
  int ready = 0, booting = 0, draining = 0;
  for (const auto& w : workers_) {
    if (w.stop_sent_ms != 0)
      ++draining;
    else if (w.ready)
      ++ready;
    else
      ++booting;
  }
  sd_notifyf(0, "STATUS=generation %d: %d ready, %d booting, %d draining (want %d)", generation_,
             ready, booting, draining, desired_);
}

int Master::run() {
  SignalPipe signals{SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2, SIGCHLD};
  g_signals = &signals;
  table_.counters().generation = generation_;
  uint64_t watchdog_usec = 0;
  const bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0;
  spdlog::info("tenantca master pid {} starting {} workers on {}:{}", master_pid_, desired_,
               cfg_.bind_host, cfg_.bind_port);
  int64_t last_status = 0;
  for (;;) {
    for (int sig : signals.wait(100)) handle_signal(sig);
    reap();
    supervise();
    const int64_t now = monotonic_ms();
    if (now - last_status >= 1000) {
      notify_status();
      if (watchdog) sd_notify(0, "WATCHDOG=1");
      last_status = now;
    }
    if (stopping_) {
      if (workers_.empty() && ::waitpid(-1, nullptr, WNOHANG) < 0 && errno == ECHILD) break;
      if (now >= stop_deadline_ms_) {
        for (auto& w : workers_) {
          if (!w.killed) {
            spdlog::warn("worker pid {} did not stop in time: SIGKILL", w.pid);
            ::kill(w.pid, SIGKILL);
            w.killed = true;
          }
        }
      }
    }
  }
  spdlog::info("tenantca master exiting ({})", exit_code_);
  g_signals = nullptr;
  return exit_code_;
}

}  // namespace tenantca::daemon
