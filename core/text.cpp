#include "core/text.hpp"

#include <fmt/format.h>

namespace tenantca::core {

std::string to_lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = to_lower_ascii(c);
  return out;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower_ascii(a[i]) != to_lower_ascii(b[i])) return false;
  }
  return true;
}

std::string printable(std::string_view s, std::size_t max_len) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < max_len; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x20 || b >= 0x7f || b == '\\') {
      out += fmt::format("\\x{:02x}", b);
    } else {
      out.push_back(static_cast<char>(b));
    }
  }
  if (s.size() > max_len) out += "...";
  return out;
}

}  // namespace tenantca::core
