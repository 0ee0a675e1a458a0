#pragma once
// ACME use cases (RFC 8555) for one CA at a time, over AcmeStore, issuing
// through the same PkiService as the REST API (policy, audit, durable
// commit, CRL/OCSP). HTTP-agnostic: requests come in as the JWS body and the
// URL it was sent to; answers go out as AcmeReply. Refusals are AcmeError.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/acme/jwk.hpp"
#include "core/acme/jws.hpp"
#include "core/acme/model.hpp"
#include "core/acme/store.hpp"
#include "core/clock.hpp"
#include "core/kek.hpp"
#include "core/pki/service.hpp"

namespace tenantca::core::acme {

struct AcmeSettings {
  std::string public_url;            // the ACME URLs are built from it
  std::string terms_of_service_url;  // meta.termsOfService when set
  int64_t nonce_lifetime_s = 3600;
  int64_t order_lifetime_s = 7 * 86400;
  int max_validation_attempts = 3;
  int64_t validation_lease_s = 30;  // a claimed job is free again after this
  std::string claimant;             // who claims jobs here (host:pid), recorded with the claim
  int64_t retry_after_s = 1;        // Retry-After while an order or challenge is processing
};

struct AcmeReply {
  int status = 200;
  nlohmann::json body;  // JSON answers
  std::string pem;      // certificate downloads (application/pem-certificate-chain)
  std::string location;
  std::vector<std::string> links;  // Link header values
  int64_t retry_after_s = 0;
};

// Proves a challenge (http-01, dns-01, tls-alpn-01) against the network.
class ChallengeValidator {
 public:
  virtual ~ChallengeValidator() = default;
  virtual ValidationResult validate(const ValidationJob& job,
                                    const std::string& key_authorization) = 0;
};

class AcmeService {
 public:
  // An account's orders list is paged this many at a time ("next" links).
  static constexpr int kOrdersPerPage = 100;

  AcmeService(AcmeStore& store, pki::PkiService& pki, const Kek* kek, const Clock& clock,
              AcmeSettings settings);

  AcmeReply directory(const std::string& ca_id);
  // A fresh nonce, stored so that any worker of any instance accepts it once.
  std::string new_nonce();
  // Whether ca_id names a CA that speaks ACME (notFound-style AcmeError otherwise).
  void require_acme_ca(const std::string& ca_id);

  // The POST endpoints: `url` is the full URL the request was sent to.
  AcmeReply new_account(const std::string& ca_id, const std::string& url, const std::string& body);
  AcmeReply account(const std::string& ca_id, const std::string& account_id, const std::string& url,
                    const std::string& body);
  // `cursor`: the ?cursor= of a "next" link this endpoint gave (or null).
  AcmeReply account_orders(const std::string& ca_id, const std::string& account_id,
                           const std::string& url, const std::string& body,
                           const std::string* cursor);
  AcmeReply new_order(const std::string& ca_id, const std::string& url, const std::string& body);
  AcmeReply order(const std::string& ca_id, const std::string& order_id, const std::string& url,
                  const std::string& body);
  AcmeReply authorization(const std::string& ca_id, const std::string& authz_id,
                          const std::string& url, const std::string& body);
  AcmeReply challenge(const std::string& ca_id, const std::string& challenge_id,
                      const std::string& url, const std::string& body);
  AcmeReply finalize(const std::string& ca_id, const std::string& order_id, const std::string& url,
                     const std::string& body);
  AcmeReply certificate(const std::string& ca_id, const std::string& certificate_id,
                        const std::string& url, const std::string& body);
  AcmeReply revoke_certificate(const std::string& ca_id, const std::string& url,
                               const std::string& body);
  // Account key rollover (RFC 8555 7.3.5).
  AcmeReply key_change(const std::string& ca_id, const std::string& url, const std::string& body);
  // ARI (RFC 9773): when to renew the certificate `cert_id` names
  // (base64url(AKI keyIdentifier) "." base64url(serial)).
  AcmeReply renewal_info(const std::string& ca_id, const std::string& cert_id);

  // Claims one due validation job (any CA), proves it, records the outcome.
  // False when no job was due.
  bool validate_next(ChallengeValidator& validator);

  // REST administration (tenant-scoped).
  struct CreatedEabKey {
    EabKey key;
    std::string hmac_key;  // base64url, shown once
  };
  CreatedEabKey create_eab_key(const std::string& tenant_id, const std::string& name,
                               const Actor& actor);
  Page<EabKey> list_eab_keys(const std::string& tenant_id, const PageRequest& page) {
    return store_.list_eab_keys(tenant_id, page);
  }
  void delete_eab_key(const std::string& tenant_id, const std::string& id, const Actor& actor);
  Page<Account> list_accounts(const std::string& tenant_id, const PageRequest& page) {
    return store_.list_accounts(tenant_id, page);
  }
  Account deactivate_account(const std::string& tenant_id, const std::string& id,
                             const Actor& actor);

  std::string base_url(const std::string& ca_id) const;

 private:
  struct Authenticated {
    Jws jws;
    Jwk key;
    std::optional<Account> account;  // set for kid requests
  };
  enum class KeyRule { jwk, kid, either };
  pki::CaRecord acme_ca(const std::string& ca_id);
  Authenticated authenticate(const std::string& ca_id, const std::string& url,
                             const std::string& body, KeyRule rule);
  nlohmann::json account_json(const Account& a) const;
  nlohmann::json order_json(const Order& o) const;
  nlohmann::json authorization_json(const std::string& ca_id, const Authorization& a) const;
  nlohmann::json challenge_json(const std::string& ca_id, const Challenge& c) const;
  Identifier checked_identifier(const pki::CaRecord& ca, const nlohmann::json& raw) const;
  Actor actor_of(const Account& account) const;
  void record_validation(const ValidationJob& job, const ValidationResult& result);

  AcmeStore& store_;
  pki::PkiService& pki_;
  const Kek* kek_;
  const Clock& clock_;
  AcmeSettings settings_;
};

}  // namespace tenantca::core::acme
