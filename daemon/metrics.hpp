#pragma once
#include <string>

#include "daemon/worker_table.hpp"

namespace tenantca::daemon {

// Prometheus text exposition for the whole instance: counters kept in the
// master's shared memory by every worker, and gauges read from the worker
// table, so any worker answers for all of them.
std::string render_metrics(WorkerTable& table, bool database_ok);

}  // namespace tenantca::daemon
