#include "core/acme/eab.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "core/acme/problem.hpp"

namespace tenantca::core::acme {

ExternalBinding parse_external_binding(const nlohmann::json& binding,
                                       const std::string& new_account_url, const Jwk& account) {
  if (!binding.is_object()) malformed("externalAccountBinding is not a JWS object");
  ExternalBinding out;
  out.jws = parse_jws(binding.dump(), false);
  if (out.jws.alg != "HS256")
    throw AcmeError("badSignatureAlgorithm", "externalAccountBinding must use HS256", 400);
  if (!out.jws.kid || out.jws.kid->empty()) malformed("externalAccountBinding has no kid");
  if (out.jws.jwk) malformed("externalAccountBinding must not carry a jwk header");
  if (out.jws.url != new_account_url) malformed("externalAccountBinding is for another URL");
  const auto payload = parse_bounded_json(out.jws.payload, "the externalAccountBinding payload");
  Jwk bound = parse_jwk(payload);
  if (bound.thumbprint != account.thumbprint)
    throw AcmeError("unauthorized", "externalAccountBinding binds another key", 401);
  out.kid = *out.jws.kid;
  return out;
}

void check_binding_mac(const ExternalBinding& binding, const std::string& hmac_key) {
  const std::string input = binding.jws.protected_b64 + "." + binding.jws.payload_b64;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), hmac_key.data(), static_cast<int>(hmac_key.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
           &len) == nullptr) {
    throw std::runtime_error("HMAC");
  }
  if (binding.jws.signature.size() != len ||
      CRYPTO_memcmp(mac, binding.jws.signature.data(), len) != 0) {
    throw AcmeError("unauthorized", "the externalAccountBinding MAC does not verify", 401);
  }
}

std::string new_eab_hmac_key() {
  std::string key(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1)
    throw std::runtime_error("RAND_bytes");
  return key;
}

}  // namespace tenantca::core::acme
