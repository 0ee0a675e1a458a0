#pragma once
// Group commit for issuance: concurrent SqlPkiStore::insert_issued calls of a
// worker are written together, one statement and one transaction per batch
// (core/group_commit.hpp decides who goes together). Each caller returns only
// after its batch committed; if a batch fails, its items are retried one by
// one so that a bad item (a duplicate) fails alone.
#include <string>

#include "core/group_commit.hpp"
#include "core/pki/model.hpp"
#include "core/tenancy.hpp"
#include "db/certificate_sql.hpp"
#include "db/database.hpp"

namespace tenantca::db {

class IssuanceWriter {
 public:
  IssuanceWriter(Database& db, core::GroupCommitOptions options, core::GroupCommitStats* stats);
  // Stores the certificate with its audit event if the CA still has
  // `ca_revision` (false: it changed; nothing stored). DomainError conflict
  // on a duplicate.
  bool write(const core::pki::CertRecord& cert, const core::AuditEvent& event, int64_t ca_revision);

 private:
  struct Pending {
    IssueRow row;
    bool stored;
  };
  using Commit = core::GroupCommit<Pending>;
  void write_batch(std::vector<Commit::Entry*>& batch);
  void store(const std::vector<Pending*>& pending);

  Database& db_;
  core::GroupCommitStats* stats_;
  Commit commit_;
};

}  // namespace tenantca::db
