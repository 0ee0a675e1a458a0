#include "db/issuance_writer.hpp"

#include <set>

#include "core/errors.hpp"
#include "db/certificate_sql.hpp"

namespace tenantca::db {

IssuanceWriter::IssuanceWriter(Database& db, core::GroupCommitOptions options,
                               core::GroupCommitStats* stats)
    : db_(db),
      stats_(stats),
      commit_(
          options, [this](std::vector<Commit::Entry*>& batch) { write_batch(batch); }, stats) {}

bool IssuanceWriter::write(const core::pki::CertRecord& cert, const core::AuditEvent& event,
                           int64_t ca_revision) {
  Pending p{IssueRow{&cert, &event, ca_revision}, false};
  commit_.submit(p);
  return p.stored;
}

// One statement in autocommit: one transaction for the whole batch, all rows
// or none (rows of a changed CA are skipped, not failed).
void IssuanceWriter::store(const std::vector<Pending*>& pending) {
  std::vector<IssueRow> rows;
  rows.reserve(pending.size());
  for (const auto* p : pending) rows.push_back(p->row);
  std::set<std::string> stored;
  db_.with_session("certificates.issue", [&](soci::session& s) {
    stored.clear();
    const auto result = run(s, kIssueCertificates, {issue_batch_json(rows)});
    for (int i = 0; i < result.size(); ++i) stored.insert(result.row(i).text(0));
  });
  for (auto* p : pending) p->stored = stored.count(p->row.cert->id) > 0;
}

void IssuanceWriter::write_batch(std::vector<Commit::Entry*>& batch) {
  std::vector<Pending*> all;
  all.reserve(batch.size());
  for (auto* e : batch) all.push_back(e->item);
  try {
    store(all);
    return;
  } catch (const DbError& e) {
    if (batch.size() == 1) {
      if (is_unique_violation(e))
        core::throw_conflict("This certificate is already in the inventory.");
      throw;
    }
    // A constraint failed for some row and nothing was stored. Retry the
    // rows one by one so that only the bad one fails. (An unavailable
    // database was already retried by Database and fails the whole batch.)
    if (stats_ != nullptr) stats_->split_retries.fetch_add(1, std::memory_order_relaxed);
  }
  for (auto* e : batch) {
    try {
      store({e->item});
    } catch (const DbError& error) {
      e->error = is_unique_violation(error)
                     ? std::make_exception_ptr(core::DomainError(
                           core::ErrorCode::conflict,
                           "This certificate is already in the inventory.", error.what()))
                     : std::current_exception();
    } catch (...) {
      e->error = std::current_exception();
    }
  }
}

}  // namespace tenantca::db
