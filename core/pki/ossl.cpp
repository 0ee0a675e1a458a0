#include "core/pki/ossl.hpp"

#include <openssl/err.h>

namespace tenantca::core::pki {

static std::string drain_errors() {
  std::string out;
  unsigned long code = 0;
  char buf[256];
  while ((code = ERR_get_error()) != 0) {
    ERR_error_string_n(code, buf, sizeof buf);
    out += out.empty() ? "" : "; ";
    out += buf;
  }
  return out;
}

OpenSslError::OpenSslError(const std::string& what)
    : std::runtime_error([&] {
        const std::string q = drain_errors();
        return q.empty() ? what : what + ": " + q;
      }()) {}

std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

BioPtr memory_bio(const std::string& data) {
  return BioPtr(
      check_ptr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())), "BIO_new_mem_buf"));
}

std::string base64_encode(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(const std::string& text) {
  std::string in;
  for (char c : text) {
    if (c == '-')
      in.push_back('+');
    else if (c == '_')
      in.push_back('/');
    else if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
      continue;
    else if (std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=')
      in.push_back(c);
    else
      return std::nullopt;
  }
  while (in.size() % 4 != 0) in.push_back('=');
  if (in.empty()) return std::string();
  std::string out(in.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  std::size_t pad = 0;
  while (pad < 2 && pad < in.size() && in[in.size() - 1 - pad] == '=') ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

std::string hex_lower(const unsigned char* data, std::size_t n) {
  static constexpr char d[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s.push_back(d[data[i] >> 4]);
    s.push_back(d[data[i] & 15]);
  }
  return s;
}

}  // namespace tenantca::core::pki
