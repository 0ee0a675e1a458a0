#include "handlers/http_types.hpp"

namespace tenantca::handlers {

HttpResponse json_response(int status, const std::string& json_text) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = json_text;
  return r;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static std::string decode(const std::string& s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string url_decode(const std::string& s) {
  return decode(s, true);
}
std::string url_decode_path(const std::string& s) {
  return decode(s, false);
}

std::map<std::string, std::string> parse_query(const std::string& raw) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start <= raw.size()) {
    std::size_t amp = raw.find('&', start);
    if (amp == std::string::npos) amp = raw.size();
    const std::string part = raw.substr(start, amp - start);
    if (!part.empty()) {
      const auto eq = part.find('=');
      const std::string key = url_decode(part.substr(0, eq));
      const std::string value = eq == std::string::npos ? "" : url_decode(part.substr(eq + 1));
      out.emplace(key, value);  // the first occurrence wins
    }
    start = amp + 1;
  }
  return out;
}

}  // namespace tenantca::handlers
