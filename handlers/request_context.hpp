#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/principal.hpp"
#include "handlers/http_types.hpp"

namespace tenantca::handlers {

// Who may call a route.
enum class Access { public_, operator_only, tenant_reader, tenant_issuer, tenant_owner };

struct RequestContext {
  const HttpRequest& request;
  std::string request_id;
  std::vector<std::string> params;
  std::optional<core::Principal> principal;
  // Extra headers every answer to this request carries (rate limit state).
  std::vector<std::pair<std::string, std::string>> response_headers;
  // The client behind trusted proxies (X-Forwarded-For), else the peer.
  std::string client_address;

  const core::Principal& who() const { return *principal; }
};

}  // namespace tenantca::handlers
