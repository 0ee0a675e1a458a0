#include "db/issuance_writer.hpp"

#include <memory>
#include <set>

#include "core/errors.hpp"
#include "db/certificate_sql.hpp"

namespace tenantca::db {
namespace {

constexpr char kDuplicate[] = "This certificate is already in the inventory.";

// The caller's answer for a row's outcome.
bool answer(int code, const std::string& detail) {
  switch (code) {
    case IssuanceWriter::kStored:
      return true;
    case IssuanceWriter::kNotStored:
      return false;
    case IssuanceWriter::kConflict:
      core::throw_conflict(kDuplicate);
    case IssuanceWriter::kUnavailable:
      throw core::DomainError(core::ErrorCode::unavailable, detail);
    case core::SharedCommitQueue::kLeaderLost:
      // Another worker was writing it and died: it may or may not be stored.
      throw core::DomainError(
          core::ErrorCode::unavailable,
          "The certificate's storage could not be confirmed; retry the request.", detail);
    case IssuanceWriter::kFailed:
      throw DbError(detail.size() > 6 ? detail.substr(6) : detail, detail.substr(0, 5));
    default:
      throw std::runtime_error("issuance write failed: " + detail);
  }
}

}  // namespace

IssuanceWriter::IssuanceWriter(Database& db, core::GroupCommitOptions options,
                               core::GroupCommitStats* stats, core::SharedCommitQueue* shared)
    : db_(db),
      options_(options),
      stats_(stats),
      shared_(shared),
      commit_(
          options,
          [this](std::vector<Commit::Entry*>& batch) {
            std::vector<Row> rows;
            rows.reserve(batch.size());
            for (auto* e : batch) rows.push_back(e->item->row);
            write_rows(rows);
            for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->item->row = rows[i];
          },
          stats) {
  if (shared_ != nullptr && options_.max_batch > 1) {
    background_ = std::make_unique<core::SharedCommitQueue::Writer>(
        *shared_, options_,
        [this](std::vector<core::SharedCommitQueue::Job>& jobs) { write_jobs(jobs); }, stats_);
  }
}

IssuanceWriter::~IssuanceWriter() = default;

void IssuanceWriter::write_jobs(std::vector<core::SharedCommitQueue::Job>& jobs) {
  std::vector<Row> rows;
  rows.reserve(jobs.size());
  for (const auto& job : jobs) rows.push_back(Row{job.key, job.payload, kFailed, {}});
  write_rows(rows);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    jobs[i].code = rows[i].code;
    jobs[i].detail = std::move(rows[i].detail);
  }
}

bool IssuanceWriter::write(const core::pki::CertRecord& cert, const core::AuditEvent& event,
                           int64_t ca_revision) {
  const std::string json = issue_row_json(IssueRow{&cert, &event, ca_revision});
  if (shared_ != nullptr && options_.max_batch > 1) {
    auto outcome = shared_->submit(
        cert.id, json, options_,
        [this](std::vector<core::SharedCommitQueue::Job>& jobs) { write_jobs(jobs); }, stats_);
    if (outcome) return answer(outcome->code, outcome->detail);
    // Too big for a slot, or every slot busy: batched within this worker.
  }
  Pending p{Row{cert.id, json, kFailed, {}}};
  commit_.submit(p);
  return answer(p.row.code, p.row.detail);
}

// One statement in autocommit: one transaction for the whole batch, all rows
// or none (rows of a changed CA are skipped, not failed).
void IssuanceWriter::store(std::vector<Row*>& rows) {
  std::vector<std::string_view> row_jsons;
  row_jsons.reserve(rows.size());
  for (const auto* r : rows) row_jsons.push_back(r->json);
  const std::string json = issue_batch_json(row_jsons);
  std::set<std::string, std::less<>> stored;
  db_.with_session("certificates.issue", [&](soci::session& s) {
    stored.clear();
    const auto result = run(s, kIssueCertificates, {json});
    for (int i = 0; i < result.size(); ++i) stored.insert(result.row(i).text(0));
  });
  for (auto* r : rows) {
    r->code = stored.count(r->id) > 0 ? kStored : kNotStored;
    r->detail.clear();
  }
}

void IssuanceWriter::write_rows(std::vector<Row>& rows) {
  std::vector<Row*> all;
  all.reserve(rows.size());
  for (auto& r : rows) all.push_back(&r);
  const auto fail_all = [&](int code, const std::string& detail) {
    for (auto& r : rows) {
      r.code = code;
      r.detail = detail;
    }
  };
  try {
    store(all);
    return;
  } catch (const DbError& e) {
    if (rows.size() == 1) {
      rows[0].code = is_unique_violation(e) ? kConflict : kFailed;
      rows[0].detail = e.sqlstate() + " " + e.what();
      return;
    }
    // A constraint failed for some row and nothing was stored. Retry the
    // rows one by one so that only the bad one fails. (An unavailable
    // database was already retried by Database and fails the whole batch.)
    if (stats_ != nullptr) stats_->split_retries.fetch_add(1, std::memory_order_relaxed);
  } catch (const core::DomainError& e) {
    if (e.code() == core::ErrorCode::unavailable) {
      fail_all(kUnavailable, e.public_detail());
    } else {
      fail_all(kFailed, std::string("XX000 ") + e.what());
    }
    return;
  } catch (const std::exception& e) {
    fail_all(kFailed, std::string("XX000 ") + e.what());
    return;
  }
  for (auto& r : rows) {
    std::vector<Row> one{r};
    write_rows(one);
    r.code = one[0].code;
    r.detail = std::move(one[0].detail);
  }
}

}  // namespace tenantca::db
