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
// Added after the first releases: what each migration declared about older binaries.
constexpr const char* kAddCompatibleSql =
    "ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS compatible_with integer";
constexpr const char* kRecordSql =
    "INSERT INTO schema_migrations (version, name, compatible_with) VALUES ($1, $2, $3)";
constexpr const char* kCompatibleColumnSql =
    "SELECT count(*) FROM information_schema.columns WHERE table_name = 'schema_migrations' "
    "AND column_name = 'compatible_with'";
constexpr const char* kNewerSql =
    "SELECT version, name, coalesce(compatible_with, version) FROM schema_migrations "
    "WHERE version > $1::int ORDER BY version";

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
    pq_exec(conn.get(), kAddCompatibleSql);
    report.from_version = read_version(conn.get());
    for (const auto& m : migrations()) {
      if (m.version <= report.from_version) continue;
      pq_exec(conn.get(), "BEGIN");
      try {
        pq_exec(conn.get(), m.sql);
        pq_exec_params(conn.get(), kRecordSql,
                       {std::to_string(m.version), m.name, std::to_string(m.compatible_with)});
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

SchemaCompatibility check_schema_compatibility(const std::string& conninfo) {
  SchemaCompatibility c;
  c.binary_version = expected_schema_version();
  auto conn = pq_connect(conninfo);
  auto exists = pq_exec(conn.get(), kTableExistsSql);
  c.database_version =
      std::string(PQgetvalue(exists.get(), 0, 0)) == "t" ? read_version(conn.get()) : 0;
  if (c.database_version == c.binary_version) {
    c.ok = true;
    return c;
  }
  if (c.database_version < c.binary_version) {
    c.reason = "database schema is at version " + std::to_string(c.database_version) +
               ", this binary needs version " + std::to_string(c.binary_version) +
               "; run `tenantca migrate`";
    return c;
  }
  auto has_column = pq_exec(conn.get(), kCompatibleColumnSql);
  if (std::atoi(PQgetvalue(has_column.get(), 0, 0)) == 0) {
    c.reason = "database schema is at version " + std::to_string(c.database_version) +
               ", newer than this binary's " + std::to_string(c.binary_version) +
               ", and records no compatibility; upgrade this binary";
    return c;
  }
  auto newer = pq_exec_params(conn.get(), kNewerSql, {std::to_string(c.binary_version)});
  for (int i = 0; i < PQntuples(newer.get()); ++i) {
    const int compatible = std::atoi(PQgetvalue(newer.get(), i, 2));
    if (compatible > c.binary_version) {
      c.reason = std::string("database schema is at version ") +
                 std::to_string(c.database_version) + "; migration " +
                 PQgetvalue(newer.get(), i, 1) + " works only with binaries of schema " +
                 std::to_string(compatible) + " or newer, this binary is at " +
                 std::to_string(c.binary_version) + "; upgrade this binary";
      return c;
    }
  }
  c.ok = true;  // every newer migration is an expand step this binary can live with
  return c;
}

}  // namespace tenantca::db
