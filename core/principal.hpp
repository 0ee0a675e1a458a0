#pragma once
#include <optional>
#include <string>

namespace tenantca::core {

enum class Role { operator_, owner, issuer, reader };

// The authenticated caller, derived from the API key on every request.
struct Principal {
  std::string key_id;
  std::optional<std::string> tenant_id;  // empty for operator keys
  Role role = Role::reader;
  int rate_rps = 0;
  int rate_burst = 0;
};

// Owner > issuer > reader; operators hold no tenant role.
inline bool role_at_least(Role have, Role need) {
  auto rank = [](Role r) {
    return r == Role::owner ? 3 : r == Role::issuer ? 2 : r == Role::reader ? 1 : 0;
  };
  return have != Role::operator_ && rank(have) >= rank(need);
}

}  // namespace tenantca::core
