#include "handlers/authorizer.hpp"

#include "core/api_key.hpp"
#include "core/errors.hpp"
#include "core/text.hpp"

namespace tenantca::handlers {

namespace {
void apply_decision(RequestContext& ctx, const core::RateDecision& d) {
  ctx.response_headers.emplace_back("RateLimit-Limit", std::to_string(d.limit));
  ctx.response_headers.emplace_back("RateLimit-Remaining", std::to_string(d.remaining));
  ctx.response_headers.emplace_back("RateLimit-Reset", std::to_string(d.reset_seconds));
  if (!d.allowed) {
    ctx.response_headers.emplace_back("Retry-After", std::to_string(d.retry_after_seconds));
    throw core::DomainError(
        core::ErrorCode::rate_limited,
        "Rate limit exceeded; retry after " + std::to_string(d.retry_after_seconds) + " s.");
  }
}
}  // namespace

PublicLimiter make_public_limiter(core::RateLimiter& limiter, core::RateLimitSpec per_client) {
  if (per_client.requests_per_second <= 0) return {};
  return [&limiter, per_client](RequestContext& ctx) {
    apply_decision(ctx, limiter.take("public:" + ctx.client_address, per_client.requests_per_second,
                                     per_client.burst));
  };
}

Authorizer make_authorizer(KeyLookup lookup, core::RateLimiter& limiter,
                           core::RateLimitSpec operator_limit) {
  return [lookup = std::move(lookup), &limiter, operator_limit](RequestContext& ctx,
                                                                Access access) {
    auto unauthorized = [] {
      throw core::DomainError(core::ErrorCode::unauthorized,
                              "A valid API key is required (Authorization: Bearer <key>).");
    };
    const std::string* auth = ctx.request.header("authorization");
    if (auth == nullptr || auth->size() < 7) unauthorized();
    if (core::to_lower_ascii(auth->substr(0, 7)) != "bearer ") unauthorized();
    std::string token = auth->substr(7);
    while (!token.empty() && token.front() == ' ') token.erase(token.begin());
    const auto parsed = core::parse_api_key(token);
    if (!parsed) unauthorized();
    const auto record = lookup(parsed->key_id);
    // Hash even when the key is unknown, so timing does not tell ids apart.
    const core::SecretHash presented = core::hash_secret(parsed->secret);
    if (!record || !core::constant_time_equal(presented, record->secret_hash)) unauthorized();

    const bool is_operator = record->role == core::Role::operator_;
    const core::RateLimitSpec limit = is_operator ? operator_limit : record->tenant_rate_limit;
    apply_decision(ctx, limiter.take(record->id, limit.requests_per_second, limit.burst));

    core::Principal p;
    p.key_id = record->id;
    p.tenant_id = record->tenant_id;
    p.role = record->role;
    p.rate_rps = limit.requests_per_second;
    p.rate_burst = limit.burst;
    ctx.principal = p;

    if (access == Access::operator_only) {
      if (!is_operator)
        throw core::DomainError(core::ErrorCode::forbidden, "This endpoint needs an operator key.");
      return;
    }
    if (is_operator)
      throw core::DomainError(core::ErrorCode::forbidden,
                              "Operator keys cannot use tenant endpoints.");
    if (record->tenant_disabled)
      throw core::DomainError(core::ErrorCode::forbidden, "This tenant is disabled.");
    const core::Role need = access == Access::tenant_owner    ? core::Role::owner
                            : access == Access::tenant_issuer ? core::Role::issuer
                                                              : core::Role::reader;
    if (!core::role_at_least(record->role, need)) {
      throw core::DomainError(core::ErrorCode::forbidden,
                              "This API key's role (" + core::role_name(record->role) +
                                  ") does not allow this; it needs " + core::role_name(need) + ".");
    }
  };
}

}  // namespace tenantca::handlers
