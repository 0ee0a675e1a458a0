#pragma once
// The statements that store certificates, shared by the inventory (import,
// renewal: inside a transaction) and the issuance writer (group commit).
#include <string>
#include <vector>

#include "core/pki/model.hpp"
#include "core/tenancy.hpp"
#include "db/statement.hpp"

namespace tenantca::db {

// One certificate; parameters from certificate_params.
extern const Sql kInsertCertificate;
// One certificate and its audit event in one statement (atomic without
// BEGIN/COMMIT); parameters from issue_params.
extern const Sql kIssueCertificate;
// Many certificates and their audit events in one statement; its one
// parameter is issue_batch_json.
extern const Sql kIssueCertificates;

std::vector<Param> certificate_params(const core::pki::CertRecord& cert);
std::vector<Param> issue_params(const core::pki::CertRecord& cert, const core::AuditEvent& event);
// A JSON array with one object per (certificate, event): what
// json_to_recordset in kIssueCertificates reads.
struct IssueRow {
  const core::pki::CertRecord* cert;
  const core::AuditEvent* event;
};
std::string issue_batch_json(const std::vector<IssueRow>& rows);

}  // namespace tenantca::db
