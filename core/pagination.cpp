#include "core/pagination.hpp"

#include <openssl/evp.h>

#include <charconv>

#include "core/errors.hpp"
#include "core/uuid.hpp"

namespace tenantca::core {
namespace {

std::string b64url_encode(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::optional<std::string> b64url_decode(std::string in) {
  if (in.empty() || in.size() > 200 || in.size() % 4 != 0) return std::nullopt;
  for (auto& c : in) {
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '='))
      return std::nullopt;
  }
  std::string out(in.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  // Padding is at most two '=' and only at the end; anything else (e.g.
  // "====", which EVP_DecodeBlock accepts) is not a cursor we wrote.
  std::size_t pad = 0;
  while (pad < in.size() && in[in.size() - 1 - pad] == '=') ++pad;
  if (pad > 2 || in.find('=') < in.size() - pad || static_cast<std::size_t>(n) < pad)
    return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

}  // namespace

std::string encode_cursor(int64_t micros, const std::string& id) {
  return b64url_encode(std::to_string(micros) + "." + id);
}

PageRequest parse_page_request(const std::string* limit, const std::string* cursor) {
  PageRequest p;
  if (limit != nullptr) {
    int v = 0;
    auto [ptr, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), v);
    if (ec != std::errc() || ptr != limit->data() + limit->size() || v < 1 || v > 500) {
      throw_invalid("Query parameter 'limit' must be an integer from 1 to 500.");
    }
    p.limit = v;
  }
  if (cursor != nullptr) {
    const auto raw = b64url_decode(*cursor);
    const auto dot = raw ? raw->find('.') : std::string::npos;
    if (!raw || dot == std::string::npos)
      throw_invalid("Query parameter 'cursor' is not a valid cursor.");
    const std::string num = raw->substr(0, dot);
    const std::string id = raw->substr(dot + 1);
    int64_t micros = 0;
    auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), micros);
    if (ec != std::errc() || ptr != num.data() + num.size() || !is_uuid(id)) {
      throw_invalid("Query parameter 'cursor' is not a valid cursor.");
    }
    p.has_cursor = true;
    p.after_micros = micros;
    p.after_id = id;
  }
  return p;
}

}  // namespace tenantca::core
