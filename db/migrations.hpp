#pragma once
#include <string>
#include <vector>

namespace tenantca::db {

struct Migration {
  int version;
  const char* name;
  const char* sql;
  // The oldest schema version whose binaries still work once this migration
  // ran ("-- compatible-with: N" in the file; its own version when absent).
  int compatible_with;
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

// Whether this binary (schema expected_schema_version()) may serve the
// database: the same version, or a newer one whose every later migration
// declared itself compatible with this binary's version. `reason` says why not.
struct SchemaCompatibility {
  int database_version = 0;
  int binary_version = 0;
  bool ok = false;
  std::string reason;
};
SchemaCompatibility check_schema_compatibility(const std::string& conninfo);

}  // namespace tenantca::db
