#pragma once
#include <atomic>
#include <cstdint>
// One worker's PostgreSQL connection pool on SOCI, made safe for production:
// bounded waits (a full pool is a 503, never a hang), lazy connect, detection
// of dead sessions after a server restart (reconnect and retry the unit of
// work once), retries of serialization failures, and slow-operation logging.
#include <soci/soci.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "db/read_routing.hpp"

namespace tenantca::db {

// For /metrics, shared by the workers of an instance.
struct DatabaseStats {
  std::atomic<uint64_t> slow_operations{0};     // took slow_query_ms or longer (also logged)
  std::atomic<uint64_t> statement_timeouts{0};  // cancelled by statement_timeout: 503 to the client
  std::atomic<uint64_t> pool_exhausted{0};      // no session free within lease_timeout_ms: 503
};

struct DatabaseOptions {
  std::string conninfo;
  int pool_size = 10;
  int lease_timeout_ms = 2000;
  int slow_query_ms = 500;
  DatabaseStats* stats = nullptr;
};

class Database {
 public:
  explicit Database(DatabaseOptions options);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs `work` with a pooled session (autocommit). `what` names the
  // operation in slow-query and error logs.
  void with_session(const char* what, const std::function<void(soci::session&)>& work);
  // Runs `work` inside one transaction: committed if it returns, rolled back
  // if it throws. Retried on connection loss and serialization failure, so
  // `work` must not have side effects outside the database.
  void in_transaction(const char* what, const std::function<void(soci::session&)>& work);

  // A read that tolerates replication lag (lists, gets, CRL and OCSP
  // lookups). It goes to the attached replica when one is attached, healthy
  // (`usable`) and the request allows it (ReplicaReadScope); otherwise, or
  // when the replica fails, or when `found` says the replica lacked the row
  // (not replayed yet), to this primary pool. `work` may run twice.
  void read(const char* what, const std::function<void(soci::session&)>& work,
            const std::function<bool()>& found = {});
  void attach_replica(std::unique_ptr<Database> replica, std::function<bool()> usable,
                      ReadStats* stats);

 private:
  class Lease;
  void run(const char* what, bool transactional, const std::function<void(soci::session&)>& work);
  void note_duration(const char* what, std::chrono::steady_clock::time_point started);
  std::size_t lease();
  void give_back(std::size_t pos, bool broken);

  DatabaseOptions options_;
  std::unique_ptr<Database> replica_;
  std::function<bool()> replica_usable_;
  ReadStats* read_stats_ = nullptr;
  soci::connection_pool pool_;
  std::mutex opened_mutex_;
  std::vector<bool> opened_;
};

// Classification of database failures, from SQLSTATE and connection state.
bool is_unique_violation(const std::exception& e);
bool is_foreign_key_violation(const std::exception& e);

}  // namespace tenantca::db
