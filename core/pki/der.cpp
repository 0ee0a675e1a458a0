#include "core/pki/der.hpp"

#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace tenantca::core::pki::der {

void append_length(std::string& out, std::size_t n) {
  if (n < 0x80) {
    out.push_back(static_cast<char>(n));
    return;
  }
  char bytes[sizeof(std::size_t)];
  int count = 0;
  for (std::size_t v = n; v != 0; v >>= 8) bytes[count++] = static_cast<char>(v & 0xff);
  out.push_back(static_cast<char>(0x80 | count));
  while (count > 0) out.push_back(bytes[--count]);
}

std::size_t length_size(std::size_t n) {
  std::size_t size = 1;
  if (n >= 0x80) {
    for (std::size_t v = n; v != 0; v >>= 8) ++size;
  }
  return size;
}

void append_tlv(std::string& out, unsigned char tag, std::string_view content) {
  out.push_back(static_cast<char>(tag));
  append_length(out, content.size());
  out.append(content);
}

void append_time(std::string& out, int64_t t) {
  const time_t tt = static_cast<time_t>(t);
  std::tm tm{};
  if (gmtime_r(&tt, &tm) == nullptr) throw std::invalid_argument("time out of range");
  const int year = tm.tm_year + 1900;
  if (year < 0 || year > 9999) throw std::invalid_argument("time out of range");
  char buf[32];
  int n = 0;
  if (year >= 1950 && year < 2050) {
    n = std::snprintf(buf, sizeof buf, "%02d%02d%02d%02d%02d%02dZ", year % 100, tm.tm_mon + 1,
                      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    out.push_back(0x17);
  } else {
    n = std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02dZ", year, tm.tm_mon + 1, tm.tm_mday,
                      tm.tm_hour, tm.tm_min, tm.tm_sec);
    out.push_back(0x18);
  }
  append_length(out, static_cast<std::size_t>(n));
  out.append(buf, static_cast<std::size_t>(n));
}

std::size_t read_header(std::string_view der, std::size_t pos, std::size_t& content) {
  if (pos + 2 > der.size()) throw std::invalid_argument("truncated DER");
  const auto first = static_cast<unsigned char>(der[pos + 1]);
  if (first < 0x80) {
    content = first;
    return 2;
  }
  const std::size_t count = first & 0x7f;
  if (count == 0 || count > sizeof(std::size_t) || pos + 2 + count > der.size())
    throw std::invalid_argument("bad DER length");
  content = 0;
  for (std::size_t k = 0; k < count; ++k)
    content = content << 8 | static_cast<unsigned char>(der[pos + 2 + k]);
  return 2 + count;
}

std::string assemble_signed(std::string_view tbs, std::string_view algorithm,
                            std::string_view signature) {
  const std::size_t bits = signature.size() + 1;  // a leading "no unused bits" byte
  const std::size_t body = tbs.size() + algorithm.size() + 1 + length_size(bits) + bits;
  std::string out;
  out.reserve(body + 8);
  out.push_back(0x30);
  append_length(out, body);
  out.append(tbs);
  out.append(algorithm);
  out.push_back(0x03);
  append_length(out, bits);
  out.push_back('\0');
  out.append(signature);
  return out;
}

}  // namespace tenantca::core::pki::der
