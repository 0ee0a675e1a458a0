#pragma once
#include <functional>
#include <optional>

#include "core/rate_limit.hpp"
#include "core/tenancy.hpp"
#include "handlers/dispatcher.hpp"

namespace tenantca::handlers {

using KeyLookup = std::function<std::optional<core::KeyRecord>(const std::string& key_id)>;

// Bearer API key -> principal; then the per-key rate limit (headers on every
// authenticated answer), then the route's role. Operator keys reach only
// operator routes; a disabled tenant's keys get 403.
Authorizer make_authorizer(KeyLookup lookup, core::RateLimiter& limiter,
                           core::RateLimitSpec operator_limit);

// A token bucket per client address for the public PKI endpoints; 429 with
// Retry-After when empty. A rate of 0 turns the limit off.
PublicLimiter make_public_limiter(core::RateLimiter& limiter, core::RateLimitSpec per_client);

}  // namespace tenantca::handlers
