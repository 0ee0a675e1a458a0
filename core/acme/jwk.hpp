#pragma once
// ACME account keys as JSON Web Keys (RFC 7517/7518): EC P-256 and P-384,
// RSA 2048-8192 bits with exponent 65537, and Ed25519 (RFC 8037). Anything
// else is refused. The thumbprint (RFC 7638) identifies an account key and
// is part of every key authorization.
#include <nlohmann/json.hpp>
#include <string>

#include "core/pki/ossl.hpp"

namespace tenantca::core::acme {

struct Jwk {
  pki::EvpPkeyPtr key;
  std::string kty;         // EC | RSA | OKP
  std::string curve;       // P-256, P-384, Ed25519; empty for RSA
  std::string thumbprint;  // base64url(SHA-256(canonical members))
  nlohmann::json members;  // the required members only, canonical
};

// Throws AcmeError badPublicKey (unsupported) or malformed (ill-formed).
Jwk parse_jwk(const nlohmann::json& jwk);
// The JWK of a public key (for tests and for comparing a certificate's key).
nlohmann::json jwk_of(EVP_PKEY* key);
// base64url(SHA-256(canonical JSON of the members)) per RFC 7638.
std::string jwk_thumbprint(const nlohmann::json& members);

}  // namespace tenantca::core::acme
