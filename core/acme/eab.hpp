#pragma once
// External Account Binding (RFC 8555 section 7.3.4): a newAccount request
// carries a JWS, MACed (HS256) with a key the CA's owner got from the REST
// API, over the new account's public key. It binds the account to the
// tenant that created the key.
#include <nlohmann/json.hpp>
#include <string>

#include "core/acme/jwk.hpp"
#include "core/acme/jws.hpp"

namespace tenantca::core::acme {

struct ExternalBinding {
  std::string kid;  // which EAB key (look it up, then check_mac)
  Jws jws;
};

// Structure: an HS256 JWS with a kid, for `account_url`, over exactly the
// account's key. Throws AcmeError malformed / unauthorized.
ExternalBinding parse_external_binding(const nlohmann::json& binding,
                                       const std::string& new_account_url, const Jwk& account);
// The MAC, in constant time, with the EAB key's raw bytes.
void check_binding_mac(const ExternalBinding& binding, const std::string& hmac_key);
// A new EAB key: 32 random bytes.
std::string new_eab_hmac_key();

}  // namespace tenantca::core::acme
