#include "db/migrations.hpp"

#include <cstdlib>

#include "db/pq.hpp"

namespace tenantca::db {
namespace {

// Arbitrary but fixed: the advisory lock key all tenantca migrators share.
constexpr const char* kLockSql = "SELECT pg_advisory_lock(7236452115323)";
constexpr const char* kUnlockSql = "SELECT pg_advisory_unlock(7236452115323)";
constexpr const char* kCreateTableSql =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY, name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";
constexpr const char* kCurrentVersionSql =
    "SELECT coalesce(max(version), 0) FROM schema_migrations";
constexpr const char* kTableExistsSql = "SELECT to_regclass('schema_migrations') IS NOT NULL";
constexpr const char* kRecordSql = "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)";

int read_version(PGconn* conn) {
  auto res = pq_exec(conn, kCurrentVersionSql);
  return std::atoi(PQgetvalue(res.get(), 0, 0));
}

}  // namespace

int expected_schema_version() {
  return migrations().empty() ? 0 : migrations().back().version;
}

MigrationReport migrate(const std::string& conninfo) {
  auto conn = pq_connect(conninfo);
  pq_exec(conn.get(), "SET client_min_messages = warning");
  pq_exec(conn.get(), kLockSql);
  MigrationReport report{};
  try {
    pq_exec(conn.get(), kCreateTableSql);
    report.from_version = read_version(conn.get());
    for (const auto& m : migrations()) {
      if (m.version <= report.from_version) continue;
      pq_exec(conn.get(), "BEGIN");
      try {
        pq_exec(conn.get(), m.sql);
        pq_exec_params(conn.get(), kRecordSql, {std::to_string(m.version), m.name});
        pq_exec(conn.get(), "COMMIT");
      } catch (...) {
        PQclear(PQexec(conn.get(), "ROLLBACK"));
        throw;
      }
      report.applied.emplace_back(m.name);
    }
    report.to_version = read_version(conn.get());
  } catch (...) {
    PQclear(PQexec(conn.get(), kUnlockSql));
    throw;
  }
  pq_exec(conn.get(), kUnlockSql);
  return report;
}

int current_schema_version(const std::string& conninfo) {
  auto conn = pq_connect(conninfo);
  auto exists = pq_exec(conn.get(), kTableExistsSql);
  if (std::string(PQgetvalue(exists.get(), 0, 0)) != "t") return 0;
  return read_version(conn.get());
}

}  // namespace tenantca::db
