#pragma once
// The master process (gunicorn's arbiter): forks workers, supervises them
// through the worker table, and acts on signals delivered by a self-pipe.
#include <functional>
#include <string>
#include <vector>

#include "daemon/app.hpp"
#include "daemon/config.hpp"
#include "daemon/exit_codes.hpp"
#include "daemon/worker_table.hpp"

namespace tenantca::daemon {

using ConfigLoader = std::function<Config()>;

class Master {
 public:
  // argv: the command line to re-exec on SIGUSR2. inherited_workers: pids of
  // the previous binary's workers after such a re-exec; they are stopped
  // gracefully once this binary's first generation listens.
  Master(Config cfg, Preloaded preloaded, ConfigLoader reload, std::vector<std::string> argv,
         std::vector<int> inherited_workers);
  int run();

 private:
  struct Worker {
    int pid;
    int slot;
    int generation;
    int64_t spawned_ms;
    bool ready = false;
    int64_t stop_sent_ms = 0;   // graceful stop asked
    int64_t abort_sent_ms = 0;  // SIGABRT after a timeout
    bool killed = false;
    bool retiring = false;  // asked to be replaced; stopped once the replacement listens
  };

  void handle_signal(int sig);
  void reap();
  void supervise();
  void spawn();
  void stop_worker(Worker& w, const char* why);
  void reload();
  void notify_status();
  void upgrade();
  std::vector<Worker*> current_generation();

  Config cfg_;
  Preloaded preloaded_;
  ConfigLoader reload_;
  WorkerTable table_;
  std::vector<Worker> workers_;
  int generation_ = 1;
  int desired_;
  int master_pid_;
  bool stopping_ = false;
  int64_t stop_deadline_ms_ = 0;
  bool reloading_ = false;
  bool announced_ready_ = false;
  int boot_failures_ = 0;
  int64_t next_spawn_ms_ = 0;
  int exit_code_ = 0;
  std::vector<std::string> argv_;
  // The executable's absolute path as it was at start. After a package
  // upgrade renamed a new file over it, /proc/self/exe still names the old,
  // deleted inode; this path names the file installed now.
  std::string exe_path_;
  int upgrades_refused_ = 0;
  bool binary_accepts_config();
  std::vector<int> inherited_workers_;
};

// Environment variable carrying the old workers' pids across a SIGUSR2 re-exec.
inline constexpr const char* kUpgradeEnv = "TENANTCA_UPGRADE_WORKERS";

}  // namespace tenantca::daemon
