#pragma once
// base64url without padding (RFC 7515 section 2), as JWS and ACME use it.
// Decoding is strict: only the URL-safe alphabet, no padding, no
// whitespace, no impossible lengths.
#include <optional>
#include <string>
#include <string_view>

namespace tenantca::core::acme {

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace tenantca::core::acme
