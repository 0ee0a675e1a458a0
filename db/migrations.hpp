#pragma once
#include <string>
#include <vector>

namespace tenantca::db {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Embedded at build time from db/migrations/NNN_name.sql, in order.
const std::vector<Migration>& migrations();
int expected_schema_version();

struct MigrationReport {
  int from_version;
  int to_version;
  std::vector<std::string> applied;
};

// Applies pending migrations, each in its own transaction, under an advisory
// lock so several hosts may run it at once. Idempotent.
MigrationReport migrate(const std::string& conninfo);

// The schema version the database is at (0 when never migrated).
int current_schema_version(const std::string& conninfo);

}  // namespace tenantca::db
