#include "db/migrations.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "db/pq.hpp"
#include "db/statement.hpp"

namespace tenantca::db {
namespace {

// Arbitrary but fixed: the advisory lock key all tenantca migrators share.
constexpr Sql kLock{"migrations.lock", "SELECT pg_advisory_lock(7236452115323)"};
constexpr Sql kUnlock{"migrations.unlock", "SELECT pg_advisory_unlock(7236452115323)"};
constexpr Sql kQuiet{"migrations.quiet", "SET client_min_messages = warning"};
constexpr Sql kBegin{"migrations.begin", "BEGIN"};
constexpr Sql kCommit{"migrations.commit", "COMMIT"};
constexpr Sql kCreateTable{"migrations.create_table",
                           "CREATE TABLE IF NOT EXISTS schema_migrations ("
                           " version integer PRIMARY KEY, name text NOT NULL,"
                           " applied_at timestamptz NOT NULL DEFAULT now())"};
constexpr Sql kCurrentVersion{"migrations.current_version",
                              "SELECT coalesce(max(version), 0) FROM schema_migrations"};
constexpr Sql kTableExists{"migrations.table_exists",
                           "SELECT (to_regclass('schema_migrations') IS NOT NULL)::int"};
// Added after the first releases: what each migration declared about older binaries.
constexpr Sql kAddCompatible{
    "migrations.add_compatible",
    "ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS compatible_with integer"};
constexpr Sql kRecord{
    "migrations.record",
    "INSERT INTO schema_migrations (version, name, compatible_with) VALUES ($1, $2, $3)"};
constexpr Sql kCompatibleColumn{
    "migrations.compatible_column",
    "SELECT count(*) FROM information_schema.columns WHERE table_name = 'schema_migrations' "
    "AND column_name = 'compatible_with'"};
constexpr Sql kNewer{"migrations.newer",
                     "SELECT version, name, coalesce(compatible_with, version) "
                     "FROM schema_migrations WHERE version > $1::int ORDER BY version"};

constexpr Sql kEncoding{"migrations.encoding",
                        "SELECT pg_encoding_to_char(encoding) FROM pg_database "
                        "WHERE datname = current_database()"};

// Names, subjects and audit details are UTF-8 (JSON in, JSON out). A
// database in another encoding converts them or refuses some of what the API
// accepted; SQL_ASCII stores the bytes as sent, which keeps them intact.
// Empty when the encoding will do, else why not.
std::string encoding_problem(PGconn* conn) {
  const std::string encoding = run(conn, kEncoding).row(0).text(0);
  if (encoding == "UTF8" || encoding == "SQL_ASCII") return {};
  return "the database's encoding is " + encoding +
         "; tenantca needs UTF8 (CREATE DATABASE ... ENCODING 'UTF8' TEMPLATE template0)";
}

int read_version(PGconn* conn) {
  return run(conn, kCurrentVersion).row(0).int32(0);
}

}  // namespace

int expected_schema_version() {
  return migrations().empty() ? 0 : migrations().back().version;
}

MigrationReport migrate(const std::string& conninfo) {
  auto conn = pq_connect(conninfo);
  if (auto problem = encoding_problem(conn.get()); !problem.empty()) {
    throw std::runtime_error(problem);
  }
  run(conn.get(), kQuiet);
  run(conn.get(), kLock);
  MigrationReport report{};
  try {
    run(conn.get(), kCreateTable);
    run(conn.get(), kAddCompatible);
    report.from_version = read_version(conn.get());
    for (const auto& m : migrations()) {
      if (m.version <= report.from_version) continue;
      run(conn.get(), kBegin);
      try {
        run(conn.get(), Sql{m.name, m.sql});
        run(conn.get(), kRecord, {m.version, std::string(m.name), m.compatible_with});
        run(conn.get(), kCommit);
      } catch (...) {
        PQclear(PQexec(conn.get(), "ROLLBACK"));
        throw;
      }
      report.applied.emplace_back(m.name);
    }
    report.to_version = read_version(conn.get());
  } catch (...) {
    PQclear(PQexec(conn.get(), kUnlock.text));
    throw;
  }
  run(conn.get(), kUnlock);
  return report;
}

int current_schema_version(const std::string& conninfo) {
  auto conn = pq_connect(conninfo);
  if (!run(conn.get(), kTableExists).row(0).flag(0)) return 0;
  return read_version(conn.get());
}

SchemaCompatibility check_schema_compatibility(const std::string& conninfo) {
  SchemaCompatibility c;
  c.binary_version = expected_schema_version();
  auto conn = pq_connect(conninfo);
  c.database_version = run(conn.get(), kTableExists).row(0).flag(0) ? read_version(conn.get()) : 0;
  c.reason = encoding_problem(conn.get());
  if (!c.reason.empty()) return c;
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
  if (run(conn.get(), kCompatibleColumn).row(0).int32(0) == 0) {
    c.reason = "database schema is at version " + std::to_string(c.database_version) +
               ", newer than this binary's " + std::to_string(c.binary_version) +
               ", and records no compatibility; upgrade this binary";
    return c;
  }
  const auto newer = run(conn.get(), kNewer, {c.binary_version});
  for (int i = 0; i < newer.size(); ++i) {
    const int compatible = newer.row(i).int32(2);
    if (compatible > c.binary_version) {
      c.reason = std::string("database schema is at version ") +
                 std::to_string(c.database_version) + "; migration " + newer.row(i).text(1) +
                 " works only with binaries of schema " + std::to_string(compatible) +
                 " or newer, this binary is at " + std::to_string(c.binary_version) +
                 "; upgrade this binary";
      return c;
    }
  }
  c.ok = true;  // every newer migration is an expand step this binary can live with
  return c;
}

}  // namespace tenantca::db
