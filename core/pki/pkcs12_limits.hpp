#pragma once
// A PKCS#12 file names its own key-derivation cost: its MAC and every
// password-based encryption carry an iteration count, and PKCS12_parse runs
// them all. A file asking for 2^31-1 iterations stalls a worker for minutes,
// so every count is read and bounded before any key derivation runs.
#include <cstddef>
#include <string>

#include "core/pki/ossl.hpp"

namespace tenantca::core::pki {

constexpr std::size_t kMaxPkcs12Bytes = 64 * 1024;
constexpr long kMaxPkcs12Iterations = 1'000'000;

// Throws invalid_request naming the count when the MAC or any PBE (of the
// encrypted contents, of shrouded key bags, nested bags included) asks for
// more than kMaxPkcs12Iterations, or uses a key derivation it cannot bound.
void check_pkcs12_costs(PKCS12* p12, const std::string& password);

}  // namespace tenantca::core::pki
