#include "core/api_key.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

#include "core/random.hpp"
#include "core/uuid.hpp"

namespace tenantca::core {
namespace {

constexpr std::string_view kPrefix = "tca_";
// Domain separation: these hashes mean "tenantca API key secret, v1".
constexpr std::string_view kHmacKey = "tenantca/api-key/v1";

std::string base64url(const unsigned char* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  const int len =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<std::size_t>(len));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (auto& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

}  // namespace

SecretHash hash_secret(std::string_view secret) {
  SecretHash out{};
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), kHmacKey.data(), static_cast<int>(kHmacKey.size()),
            reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), out.data(),
            &len) ||
      len != out.size()) {
    throw std::runtime_error("HMAC failed");
  }
  return out;
}

bool constant_time_equal(const SecretHash& a, const SecretHash& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

NewApiKey generate_api_key() {
  NewApiKey k;
  k.id = new_uuid();
  auto secret_bytes = random_bytes(32);
  const std::string secret = base64url(secret_bytes.data(), secret_bytes.size());
  OPENSSL_cleanse(secret_bytes.data(), secret_bytes.size());
  std::string compact;
  for (char c : k.id) {
    if (c != '-') compact.push_back(c);
  }
  k.token = std::string(kPrefix) + compact + "_" + secret;
  k.hash = hash_secret(secret);
  return k;
}

std::optional<ParsedToken> parse_api_key(std::string_view token) {
  // tca_ + 32 hex + _ + 43 base64url
  if (token.size() != kPrefix.size() + 32 + 1 + 43 || token.substr(0, kPrefix.size()) != kPrefix)
    return std::nullopt;
  const std::string_view id = token.substr(kPrefix.size(), 32);
  if (token[kPrefix.size() + 32] != '_') return std::nullopt;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  const std::string_view secret = token.substr(kPrefix.size() + 33);
  for (char c : secret) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return std::nullopt;
  }
  ParsedToken p;
  p.key_id = std::string(id.substr(0, 8)) + "-" + std::string(id.substr(8, 4)) + "-" +
             std::string(id.substr(12, 4)) + "-" + std::string(id.substr(16, 4)) + "-" +
             std::string(id.substr(20, 12));
  p.secret = std::string(secret);
  return p;
}

}  // namespace tenantca::core
