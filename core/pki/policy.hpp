#pragma once
// What a CA may sign: SAN syntax (invalid_request) and the CA's policy
// (policy_violation, naming the offending value).
#include "core/pki/model.hpp"

namespace tenantca::core::pki {

// Lower-cases DNS names and e-mail domains, checks syntax; throws invalid_request.
void normalize_and_validate_sans(Sans& sans);

struct IssueFacts {
  const Sans* sans;
  std::string key_type;  // ec | rsa | ed25519 | other
  int key_bits = 0;
  int64_t not_after;
  int64_t validity_days;
  int64_t ca_not_after;
};
void enforce_policy(const Policy& policy, const IssueFacts& facts);

// True when `name` (already lower case, maybe "*.x") is allowed by the domain rules.
bool domain_allowed(const Policy& policy, const std::string& name);

}  // namespace tenantca::core::pki
