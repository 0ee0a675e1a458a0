#pragma once
// CRLs (RFC 5280) and OCSP responses (RFC 6960), signed by the CA's key.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/pki/model.hpp"
#include "core/pki/ossl.hpp"

namespace tenantca::core::pki {

struct RevokedEntry {
  std::string serial_hex;
  int64_t revoked_at;
  RevocationReason reason;
};

std::string build_crl_der(X509* ca_cert, EVP_PKEY* ca_key, const std::vector<RevokedEntry>& revoked,
                          int64_t crl_number, int64_t this_update, int64_t next_update);

struct OcspStatus {
  enum class Kind { good, revoked, unknown } kind = Kind::unknown;
  int64_t revoked_at = 0;
  RevocationReason reason = RevocationReason::unspecified;
};
using OcspLookup = std::function<OcspStatus(const std::string& serial_hex)>;
// A known status (good or revoked) as short text and back, for caches.
std::string status_to_text(const OcspStatus& status);
OcspStatus status_from_text(const std::string& text);

// Answers a DER OCSP request; a request that cannot be parsed gets a
// malformedRequest response (never an exception).
// `repeatable` (when given) says whether the same answer may be sent again
// for the same request bytes: no nonce, and no status "unknown".
// What identifies a repeatable OCSP answer: the one CertID asked about (hash
// algorithm, issuer hashes, serial), never the request bytes, so optional
// parts (a signature, padding certificates) cannot grow a cache. nullopt for
// requests whose answer must not be reused: malformed, several CertIDs, or a nonce.
std::optional<std::string> ocsp_cache_key(const std::string& request_der);
// sign_template: the CA's prepared signing context (CaMaterial), copied per
// answer; null sets one up each time.
std::string ocsp_respond(const std::string& request_der, X509* ca_cert, EVP_PKEY* ca_key,
                         const OcspLookup& lookup, int64_t now, int64_t validity_seconds,
                         bool* repeatable = nullptr, const EVP_MD_CTX* sign_template = nullptr);

}  // namespace tenantca::core::pki
