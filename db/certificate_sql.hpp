#pragma once
// The statements that store certificates, shared by the inventory (import,
// renewal: inside a transaction) and the issuance writer (group commit).
#include <string>
#include <string_view>
#include <vector>

#include "core/pki/model.hpp"
#include "core/tenancy.hpp"
#include "db/statement.hpp"

namespace tenantca::db {

// One certificate; parameters from certificate_params.
extern const Sql kInsertCertificate;
// Issued certificates and their audit events, many in one statement (atomic
// without BEGIN/COMMIT), each only if its CA is unchanged; its one parameter
// is issue_batch_json; returns the ids stored.
extern const Sql kIssueCertificates;

std::vector<Param> certificate_params(const core::pki::CertRecord& cert);
// A JSON array with one object per (certificate, event): what
// json_to_recordset in kIssueCertificates reads.
struct IssueRow {
  const core::pki::CertRecord* cert;
  const core::AuditEvent* event;
  int64_t ca_revision;  // the CA's revision the certificate was planned with
};
// One element of that array.
std::string issue_row_json(const IssueRow& row);
// The array of such elements.
std::string issue_batch_json(const std::vector<std::string_view>& row_jsons);

}  // namespace tenantca::db
