#pragma once
// PostgreSQL side of the PKI: the PkiStore that core::pki::PkiService uses,
// every tenant-owned query filtered on tenant_id.
#include <optional>
#include <string>

#include "core/pagination.hpp"
#include "core/pki/store.hpp"
#include "db/database.hpp"
#include "db/issuance_writer.hpp"

namespace tenantca::db {

class SqlPkiStore final : public core::pki::PkiStore {
 public:
  explicit SqlPkiStore(Database& db, core::GroupCommitOptions issuance_batching = {},
                       core::GroupCommitStats* issuance_stats = nullptr,
                       core::SharedCommitQueue* issuance_queue = nullptr)
      : db_(db), writer_(db, issuance_batching, issuance_stats, issuance_queue) {}
  void transact(const char* what, const std::function<void(core::pki::PkiTx&)>& work) override;
  std::optional<core::pki::CaRecord> find_ca_public(const std::string& ca_id) override;
  std::optional<core::pki::StoredCrl> stored_crl(const std::string& ca_id) override;
  std::optional<core::pki::StoredCrl> crl_state(const std::string& ca_id) override;
  core::pki::OcspStatus certificate_status(const std::string& ca_id, const std::string& serial_hex,
                                           int64_t now) override;
  std::optional<core::pki::CaRecord> find_ca(const std::string& tenant_id,
                                             const std::string& ca_id) override;
  bool insert_issued(const core::pki::CertRecord& cert, const core::AuditEvent& event,
                     int64_t ca_revision) override;
  std::vector<core::pki::CaRecord> all_cas() override;
  core::Page<core::pki::CaRecord> list_cas(const std::string& tenant_id,
                                           const core::PageRequest& page) override;
  std::optional<core::pki::CaRecord> get_ca(const std::string& tenant_id,
                                            const std::string& ca_id) override;
  core::Page<core::pki::CertRecord> list_certificates(const std::string& tenant_id,
                                                      const core::pki::CertificateFilter& filter,
                                                      const core::PageRequest& page,
                                                      int64_t now) override;
  std::optional<core::pki::CertRecord> get_certificate(const std::string& tenant_id,
                                                       const std::string& id) override;

 private:
  Database& db_;
  IssuanceWriter writer_;
};

}  // namespace tenantca::db
