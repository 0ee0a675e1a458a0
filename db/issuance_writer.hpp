#pragma once
// Group commit for issuance: concurrent SqlPkiStore::insert_issued calls are
// written together, one statement and one transaction per batch. With a
// shared queue (core/shared_commit_queue.hpp, mapped by the master) the
// batches gather the issuances of every worker of the instance; without one,
// or for an item the shared queue cannot hold, those of this worker's threads
// (core/group_commit.hpp). Each caller returns only after its batch
// committed; if a batch fails, its items are retried one by one so that a bad
// item (a duplicate) fails alone.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/group_commit.hpp"
#include "core/pki/model.hpp"
#include "core/shared_commit_queue.hpp"
#include "core/tenancy.hpp"
#include "db/certificate_sql.hpp"
#include "db/database.hpp"

namespace tenantca::db {

class IssuanceWriter {
 public:
  IssuanceWriter(Database& db, core::GroupCommitOptions options, core::GroupCommitStats* stats,
                 core::SharedCommitQueue* shared = nullptr);
  // Stops this process's batch-writing thread (after the batch it writes).
  ~IssuanceWriter();
  IssuanceWriter(const IssuanceWriter&) = delete;
  IssuanceWriter& operator=(const IssuanceWriter&) = delete;
  // Stores the certificate with its audit event if the CA still has
  // `ca_revision` (false: it changed; nothing stored). DomainError conflict
  // on a duplicate, unavailable when the database (or the outcome) is not
  // known.
  bool write(const core::pki::CertRecord& cert, const core::AuditEvent& event, int64_t ca_revision);

  // What became of one row; crosses process boundaries (shared queue), so a
  // code and a text rather than an exception.
  enum Code : int { kStored = 0, kNotStored = 1, kConflict = 2, kUnavailable = 3, kFailed = 4 };
  struct Row {
    std::string_view id;
    std::string_view json;  // issue_row_json
    int code = kFailed;
    std::string detail;  // unavailable: the message; failed: "SQLSTATE message"
  };
  // Writes the rows in one statement; on a database error, one by one.
  void write_rows(std::vector<Row>& rows);

 private:
  struct Pending {
    Row row;
  };
  using Commit = core::GroupCommit<Pending>;
  void store(std::vector<Row*>& rows);
  void write_jobs(std::vector<core::SharedCommitQueue::Job>& jobs);

  Database& db_;
  core::GroupCommitOptions options_;
  core::GroupCommitStats* stats_;
  core::SharedCommitQueue* shared_;
  Commit commit_;
  // Writes the shared queue's batches back to back under load; declared
  // last so that it stops before the members its writes use.
  std::unique_ptr<core::SharedCommitQueue::Writer> background_;
};

}  // namespace tenantca::db
