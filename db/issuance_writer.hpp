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
#include "db/database.hpp"

namespace tenantca::db {

class IssuanceWriter {
 public:
  IssuanceWriter(Database& db, core::GroupCommitOptions options, core::GroupCommitStats* stats);
  // Stores the certificate with its audit event; DomainError conflict on a duplicate.
  void write(const core::pki::CertRecord& cert, const core::AuditEvent& event);

 private:
  struct Pending {
    const core::pki::CertRecord* cert;
    const core::AuditEvent* event;
  };
  using Commit = core::GroupCommit<Pending>;
  void write_batch(std::vector<Commit::Entry*>& batch);
  void write_one(const Pending& p);

  Database& db_;
  core::GroupCommitStats* stats_;
  Commit commit_;
};

}  // namespace tenantca::db
