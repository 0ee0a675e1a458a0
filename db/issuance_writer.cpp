#include "db/issuance_writer.hpp"

#include "core/errors.hpp"
#include "db/certificate_sql.hpp"

namespace tenantca::db {
namespace {

[[noreturn]] void throw_as_domain_error(const DbError& e) {
  if (is_unique_violation(e)) core::throw_conflict("This certificate is already in the inventory.");
  throw e;
}

}  // namespace

IssuanceWriter::IssuanceWriter(Database& db, core::GroupCommitOptions options,
                               core::GroupCommitStats* stats)
    : db_(db),
      stats_(stats),
      commit_(
          options, [this](std::vector<Commit::Entry*>& batch) { write_batch(batch); }, stats) {}

void IssuanceWriter::write(const core::pki::CertRecord& cert, const core::AuditEvent& event) {
  Pending p{&cert, &event};
  commit_.submit(p);
}

void IssuanceWriter::write_one(const Pending& p) {
  try {
    db_.with_session("certificates.issue", [&](soci::session& s) {
      run(s, kIssueCertificate, issue_params(*p.cert, *p.event));
    });
  } catch (const DbError& e) {
    throw_as_domain_error(e);
  }
}

void IssuanceWriter::write_batch(std::vector<Commit::Entry*>& batch) {
  if (batch.size() == 1) {
    write_one(*batch.front()->item);
    return;
  }
  std::vector<IssueRow> rows;
  rows.reserve(batch.size());
  for (const auto* e : batch) rows.push_back({e->item->cert, e->item->event});
  try {
    // One statement in autocommit: one transaction, all rows or none.
    db_.with_session("certificates.issue_batch", [&](soci::session& s) {
      run(s, kIssueCertificates, {issue_batch_json(rows)});
    });
    return;
  } catch (const DbError& e) {
    // A constraint failed for some row: nothing was stored. Retry the rows
    // one by one so that only the bad one fails. (Other failures, like an
    // unavailable database, were already retried by Database and fail the
    // whole batch.)
    if (stats_ != nullptr) stats_->split_retries.fetch_add(1, std::memory_order_relaxed);
  }
  for (auto* e : batch) {
    try {
      write_one(*e->item);
    } catch (...) {
      e->error = std::current_exception();
    }
  }
}

}  // namespace tenantca::db
