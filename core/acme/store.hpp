#pragma once
// What the ACME service needs from storage; db/acme_store.cpp implements it
// on PostgreSQL. Every lookup is scoped by the CA (and so the tenant) it
// belongs to.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/acme/model.hpp"
#include "core/pagination.hpp"
#include "core/tenancy.hpp"

namespace tenantca::core::acme {

class AcmeTx {
 public:
  virtual ~AcmeTx() = default;
  // The EAB key, locked, if it exists and was not deleted.
  virtual std::optional<EabKey> lock_eab_key(const std::string& kid) = 0;
  virtual void mark_eab_used(const std::string& eab_key_id, const std::string& account_id) = 0;
  virtual void insert_account(const Account& account) = 0;
  virtual std::optional<Account> lock_account(const std::string& ca_id, const std::string& id) = 0;
  virtual void update_account(const Account& account) = 0;  // status, contact
  // The account's new key (key rollover); false when another account of the
  // CA already has it.
  virtual bool update_account_key(const Account& account) = 0;
  virtual void insert_order(const Order& order,
                            const std::vector<Authorization>& authorizations) = 0;
  virtual std::optional<Order> lock_order(const std::string& ca_id, const std::string& id) = 0;
  virtual void update_order(const Order& order) = 0;  // status, error, certificate_id
  // By id alone (the validation runner works for every CA).
  virtual std::optional<Order> lock_order_by_id(const std::string& id) = 0;
  virtual std::optional<Authorization> lock_authorization(const std::string& ca_id,
                                                          const std::string& id) = 0;
  virtual std::vector<Authorization> authorizations_of_order(const std::string& order_id) = 0;
  virtual void update_authorization_status(const std::string& id, const std::string& status) = 0;
  // status, error, validated_s, attempts; next_attempt_s set: (re)queued for validation.
  virtual void update_challenge(const Challenge& challenge,
                                std::optional<int64_t> next_attempt_s) = 0;
  virtual void audit(const AuditEvent& event) = 0;
};

class AcmeStore {
 public:
  virtual ~AcmeStore() = default;
  virtual void transact(const char* what, const std::function<void(AcmeTx&)>& work) = 0;

  virtual void insert_nonce(const std::string& nonce, int64_t expires_s) = 0;
  // True once for a nonce issued by any instance and not expired.
  virtual bool consume_nonce(const std::string& nonce, int64_t now_s) = 0;

  virtual std::optional<Account> find_account(const std::string& ca_id, const std::string& id) = 0;
  virtual std::optional<Account> find_account_by_thumbprint(const std::string& ca_id,
                                                            const std::string& thumbprint) = 0;
  virtual std::optional<Order> find_order(const std::string& ca_id, const std::string& id) = 0;
  virtual std::optional<Authorization> find_authorization(const std::string& ca_id,
                                                          const std::string& id) = 0;
  // The challenge and the authorization it belongs to.
  virtual std::optional<Authorization> find_authorization_of_challenge(
      const std::string& ca_id, const std::string& challenge_id) = 0;
  // The ids of the account's orders that are not invalid and not expired,
  // newest first (RFC 8555 7.1.2.1), one page.
  virtual Page<std::string> live_order_ids(const std::string& ca_id, const std::string& account_id,
                                           int64_t now_s, const PageRequest& page) = 0;
  // The order that produced a certificate (for revocation by the account).
  virtual std::optional<Order> find_order_of_certificate(const std::string& ca_id,
                                                         const std::string& certificate_id) = 0;

  // Validation jobs: a due challenge, claimed for `lease_s` by `claimant`.
  virtual std::optional<ValidationJob> claim_validation(int64_t now_s, int64_t lease_s,
                                                        const std::string& claimant) = 0;

  // REST administration of a tenant's EAB keys and accounts.
  virtual void insert_eab_key(const EabKey& key, const AuditEvent& event) = 0;
  virtual Page<EabKey> list_eab_keys(const std::string& tenant_id, const PageRequest& page) = 0;
  virtual bool delete_eab_key(const std::string& tenant_id, const std::string& id,
                              const AuditEvent& event) = 0;
  virtual Page<Account> list_accounts(const std::string& tenant_id, const PageRequest& page) = 0;
  // The tenant's account with its new status, or nullopt.
  virtual std::optional<Account> set_account_status(const std::string& tenant_id,
                                                    const std::string& id,
                                                    const std::string& status,
                                                    const AuditEvent& event) = 0;
};

}  // namespace tenantca::core::acme
