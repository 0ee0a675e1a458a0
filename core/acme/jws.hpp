#pragma once
// The JWS of an ACME request (RFC 8555 section 6.2): flattened JSON
// serialization, one signature, everything in the protected header, which
// names the algorithm, the nonce, the URL and either the account key (jwk)
// or the account URL (kid). Parsing is bounded (sizes, JSON depth) and
// strict; every refusal is an AcmeError with the RFC's problem type.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/pki/ossl.hpp"

namespace tenantca::core::acme {

struct Jws {
  std::string protected_b64;
  std::string payload_b64;
  std::string signature;  // decoded
  std::string alg;
  std::string nonce;
  std::string url;
  std::optional<nlohmann::json> jwk;
  std::optional<std::string> kid;
  std::string payload;  // decoded; empty for POST-as-GET
};

inline constexpr std::size_t kMaxJwsBytes = 64 * 1024;
inline constexpr int kMaxJsonDepth = 16;

// JSON text into a value, refusing more than kMaxJsonDepth levels of nesting
// (malformed), so hostile input cannot exhaust the stack.
nlohmann::json parse_bounded_json(std::string_view text, const char* what);

// The request body into a Jws. `nonce_required` is false only for the inner
// JWS of an external account binding.
Jws parse_jws(std::string_view body, bool nonce_required = true);
// Checks the signature with `key` for the header's algorithm: ES256 (P-256),
// ES384 (P-384), RS256 (RSA), EdDSA (Ed25519). badSignatureAlgorithm for any
// other algorithm, malformed when the key does not fit it, unauthorized when
// the signature is wrong.
void verify_jws(const Jws& jws, EVP_PKEY* key);
// The payload as a JSON object (malformed otherwise).
nlohmann::json payload_object(const Jws& jws);

}  // namespace tenantca::core::acme
