#pragma once
// API key tokens: "tca_" + key id (32 hex, the row's UUID without hyphens)
// + "_" + secret (32 random bytes, base64url). The key id is public and
// indexed; only an HMAC-SHA-256 of the secret is stored, compared in
// constant time.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace tenantca::core {

using SecretHash = std::array<unsigned char, 32>;

struct NewApiKey {
  std::string id;     // UUID
  std::string token;  // shown to the caller once
  SecretHash hash;
};

struct ParsedToken {
  std::string key_id;  // UUID form
  std::string secret;
};

NewApiKey generate_api_key();
std::optional<ParsedToken> parse_api_key(std::string_view token);
SecretHash hash_secret(std::string_view secret);
bool constant_time_equal(const SecretHash& a, const SecretHash& b);

}  // namespace tenantca::core
