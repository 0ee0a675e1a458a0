#include "db/database.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <spdlog/spdlog.h>

#include <thread>

#include "db/read_routing.hpp"
#include "db/statement.hpp"

namespace tenantca::db {
namespace {

std::string sqlstate_of(const std::exception& e) {
  if (const auto* pe = dynamic_cast<const soci::postgresql_soci_error*>(&e)) return pe->sqlstate();
  if (const auto* de = dynamic_cast<const DbError*>(&e)) return de->sqlstate();
  return {};
}

bool connection_broken(soci::session& s) {
  PGconn* c = connection_of(s);
  return c == nullptr || PQstatus(c) != CONNECTION_OK;
}

enum class Failure { none, connection, retryable, timeout };

Failure classify(const std::exception& e, soci::session& s) {
  const std::string state = sqlstate_of(e);
  if (state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03") {
    return Failure::connection;
  }
  if (state == "40001" || state == "40P01") return Failure::retryable;
  if (state == "57014") return Failure::timeout;
  if (connection_broken(s)) return Failure::connection;
  return Failure::none;
}

}  // namespace

Database::Database(DatabaseOptions options)
    : options_(std::move(options)),
      pool_(static_cast<std::size_t>(options_.pool_size)),
      opened_(static_cast<std::size_t>(options_.pool_size), false) {}

Database::~Database() = default;

std::size_t Database::lease() {
  std::size_t pos = 0;
  if (!pool_.try_lease(pos, options_.lease_timeout_ms)) {
    spdlog::warn("database pool exhausted: no session free within {} ms",
                 options_.lease_timeout_ms);
    if (options_.stats != nullptr)
      options_.stats->pool_exhausted.fetch_add(1, std::memory_order_relaxed);
    throw core::DomainError(core::ErrorCode::unavailable,
                            "The service is overloaded; retry shortly.", "database pool exhausted");
  }
  soci::session& s = pool_.at(pos);
  bool needs_open = false;
  {
    std::lock_guard<std::mutex> lock(opened_mutex_);
    needs_open = !opened_[pos];
  }
  try {
    if (needs_open) {
      s.open(soci::postgresql, options_.conninfo);
      std::lock_guard<std::mutex> lock(opened_mutex_);
      opened_[pos] = true;
    } else if (connection_broken(s)) {
      s.reconnect();
    }
  } catch (const std::exception& e) {
    pool_.give_back(pos);
    spdlog::error("database connection failed: {}", e.what());
    throw core::DomainError(core::ErrorCode::unavailable,
                            "The database is unavailable; retry shortly.", e.what());
  }
  return pos;
}

void Database::give_back(std::size_t pos, bool broken) {
  if (broken) {
    // Reconnect now rather than handing a dead session to the next request.
    // Any statement objects of the old connection died with their callers.
    try {
      pool_.at(pos).reconnect();
    } catch (const std::exception& e) {
      spdlog::warn("database reconnect failed: {}", e.what());
    }
  }
  pool_.give_back(pos);
}

void Database::with_session(const char* what, const std::function<void(soci::session&)>& work) {
  run(what, false, work);
}

void Database::in_transaction(const char* what, const std::function<void(soci::session&)>& work) {
  run(what, true, work);
}

void Database::attach_replica(std::unique_ptr<Database> replica, std::function<bool()> usable,
                              ReadStats* stats) {
  replica_ = std::move(replica);
  replica_usable_ = std::move(usable);
  read_stats_ = stats;
}

void Database::read(const char* what, const std::function<void(soci::session&)>& work,
                    const std::function<bool()>& found) {
  if (replica_ && ReplicaReadScope::allowed() && replica_usable_()) {
    try {
      replica_->run(what, false, work);
      if (!found || found()) {
        if (read_stats_) ++read_stats_->replica_reads;
        return;
      }
      // Not there yet: it may have been written a moment ago, elsewhere.
    } catch (const core::DomainError& e) {
      if (e.code() != core::ErrorCode::unavailable) throw;
      spdlog::debug("replica read {} failed, using the primary: {}", what, e.internal());
    } catch (const soci::soci_error& e) {
      spdlog::debug("replica read {} failed, using the primary: {}", what, e.what());
    } catch (const DbError& e) {
      spdlog::debug("replica read {} failed, using the primary: {}", what, e.what());
    }
    if (read_stats_) ++read_stats_->replica_fallbacks;
  }
  if (read_stats_) ++read_stats_->primary_reads;
  run(what, false, work);
}

// A pooled session for one attempt: given back (reconnected first when it
// broke) however the attempt ends.
class Database::Lease {
 public:
  explicit Lease(Database& db) : db_(db), pos_(db.lease()) {}
  ~Lease() { db_.give_back(pos_, broken_ || connection_broken(session())); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  soci::session& session() { return db_.pool_.at(pos_); }
  void mark_broken() { broken_ = true; }

 private:
  Database& db_;
  std::size_t pos_;
  bool broken_ = false;
};

void Database::run(const char* what, bool transactional,
                   const std::function<void(soci::session&)>& work) {
  constexpr int kMaxAttempts = 3;
  for (int attempt = 1;; ++attempt) {
    const auto started = std::chrono::steady_clock::now();
    Failure failure = Failure::none;
    std::string error;
    {
      Lease lease(*this);
      soci::session& s = lease.session();
      // Only database errors are classified; a domain error thrown by `work`
      // (a conflict, a policy refusal) passes through untouched.
      const auto classify_or_rethrow = [&](const std::exception& e) {
        failure = classify(e, s);
        if (failure == Failure::none) throw;
        if (failure == Failure::connection) lease.mark_broken();
        error = e.what();
      };
      try {
        if (transactional) {
          soci::transaction tx(s);
          work(s);
          tx.commit();
        } else {
          work(s);
        }
      } catch (const soci::soci_error& e) {
        classify_or_rethrow(e);
      } catch (const DbError& e) {
        classify_or_rethrow(e);
      }
    }
    if (failure == Failure::none) {
      note_duration(what, started);
      return;
    }
    if ((failure == Failure::connection || failure == Failure::retryable) &&
        attempt < kMaxAttempts) {
      spdlog::warn("database operation {} failed ({}), retrying", what,
                   failure == Failure::connection ? "connection lost" : "serialization");
      if (failure == Failure::retryable)
        std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
      continue;
    }
    if (failure == Failure::timeout) {
      if (options_.stats != nullptr)
        options_.stats->statement_timeouts.fetch_add(1, std::memory_order_relaxed);
      throw core::DomainError(core::ErrorCode::unavailable, "The database did not answer in time.",
                              error);
    }
    if (failure == Failure::connection) {
      throw core::DomainError(core::ErrorCode::unavailable,
                              "The database is unavailable; retry shortly.", error);
    }
    // Serialization failures that outlasted the retries.
    throw core::DomainError(core::ErrorCode::unavailable, "The database is busy; retry shortly.",
                            error);
  }
}

void Database::note_duration(const char* what, std::chrono::steady_clock::time_point started) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  if (options_.slow_query_ms > 0 && ms >= options_.slow_query_ms) {
    if (options_.stats != nullptr)
      options_.stats->slow_operations.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("slow database operation {}: {} ms", what, ms);
  }
}

bool is_unique_violation(const std::exception& e) {
  return sqlstate_of(e) == "23505";
}
bool is_foreign_key_violation(const std::exception& e) {
  return sqlstate_of(e) == "23503";
}

}  // namespace tenantca::db
