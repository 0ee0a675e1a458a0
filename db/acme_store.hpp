#pragma once
// The ACME storage of core::acme::AcmeService on PostgreSQL: accounts,
// EAB keys, shared nonces, orders, authorizations, and challenges that are
// validation jobs claimed with FOR UPDATE SKIP LOCKED.
#include "core/acme/store.hpp"
#include "db/database.hpp"

namespace tenantca::db {

class SqlAcmeStore final : public core::acme::AcmeStore {
 public:
  explicit SqlAcmeStore(Database& db) : db_(db) {}
  void transact(const char* what, const std::function<void(core::acme::AcmeTx&)>& work) override;
  void insert_nonce(const std::string& nonce, int64_t expires_s) override;
  bool consume_nonce(const std::string& nonce, int64_t now_s) override;
  std::optional<core::acme::Account> find_account(const std::string& ca_id,
                                                  const std::string& id) override;
  std::optional<core::acme::Account> find_account_by_thumbprint(
      const std::string& ca_id, const std::string& thumbprint) override;
  std::optional<core::acme::Order> find_order(const std::string& ca_id,
                                              const std::string& id) override;
  std::optional<core::acme::Authorization> find_authorization(const std::string& ca_id,
                                                              const std::string& id) override;
  std::optional<core::acme::Authorization> find_authorization_of_challenge(
      const std::string& ca_id, const std::string& challenge_id) override;
  core::Page<std::string> live_order_ids(const std::string& ca_id, const std::string& account_id,
                                         int64_t now_s, const core::PageRequest& page) override;
  std::optional<core::acme::Order> find_order_of_certificate(
      const std::string& ca_id, const std::string& certificate_id) override;
  std::optional<core::acme::ValidationJob> claim_validation(int64_t now_s, int64_t lease_s,
                                                            const std::string& claimant) override;
  void insert_eab_key(const core::acme::EabKey& key, const core::AuditEvent& event) override;
  core::Page<core::acme::EabKey> list_eab_keys(const std::string& tenant_id,
                                               const core::PageRequest& page) override;
  bool delete_eab_key(const std::string& tenant_id, const std::string& id,
                      const core::AuditEvent& event) override;
  core::Page<core::acme::Account> list_accounts(const std::string& tenant_id,
                                                const core::PageRequest& page) override;
  std::optional<core::acme::Account> set_account_status(const std::string& tenant_id,
                                                        const std::string& id,
                                                        const std::string& status,
                                                        const core::AuditEvent& event) override;

 private:
  Database& db_;
};

}  // namespace tenantca::db
