#pragma once
#include <string>
#include <string_view>

namespace tenantca::core {

// The client's X-Request-Id when it is sane (1-128 visible ASCII characters),
// otherwise a fresh one.
std::string accept_or_make_request_id(std::string_view client_value);

}  // namespace tenantca::core
