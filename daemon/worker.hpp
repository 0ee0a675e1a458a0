#pragma once
#include "daemon/app.hpp"
#include "daemon/config.hpp"
#include "daemon/exit_codes.hpp"
#include "daemon/worker_table.hpp"

namespace tenantca::daemon {

struct WorkerIdentity {
  int index;       // slot in the worker table
  int generation;  // bumped on every reload
  int master_pid;
};

// A worker's whole life after fork(): build resources, serve, drain, return
// the exit status (kWorkerExitBootError when it could not start).
int run_worker(const Config& cfg, const Preloaded& preloaded, WorkerTable& table, WorkerSlot& slot,
               WorkerIdentity id);

}  // namespace tenantca::daemon
