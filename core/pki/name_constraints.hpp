#pragma once
// The X.509 nameConstraints extension (RFC 5280 4.2.1.10) that carries a CA's
// name policy into its certificate, so relying parties enforce it too.
#include "core/pki/model.hpp"
#include "core/pki/ossl.hpp"

namespace tenantca::core::pki {

// Built from the policy's allow and deny lists. A name type the policy
// refuses entirely on a restricted CA is confined to the reserved domain
// "invalid" (RFC 6761), which no real name is under; IP addresses that are
// refused are excluded as 0.0.0.0/0 and ::/0.
NameConstraintsPtr name_constraints_for(const Policy& policy);
// Adds it to `cert` as a critical extension.
void add_name_constraints(X509* cert, const Policy& policy);

}  // namespace tenantca::core::pki
