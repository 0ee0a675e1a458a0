#include "core/pki/names.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "core/text.hpp"

namespace tenantca::core::pki {
namespace {

NormalizedName malformed(std::string why) {
  return NormalizedName{{}, std::move(why)};
}
NormalizedName normal(std::string value) {
  return NormalizedName{std::move(value), {}};
}

// Visible ASCII only: no NUL, control bytes, spaces or bytes >= 0x80.
bool visible_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b > 0x20 && b < 0x7f;
  });
}

bool ldh(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}
bool digit(char c) {
  return c >= '0' && c <= '9';
}
bool hex_digit(char c) {
  return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string label_error(std::string_view label) {
  if (label.empty()) return "has an empty label";
  if (label.size() > 63) return "has a label longer than 63 bytes";
  if (label.find('*') != std::string_view::npos)
    return "has a wildcard that is not the whole leftmost label";
  if (!std::all_of(label.begin(), label.end(), ldh))
    return "has a character other than letters, digits and '-'";
  if (label.front() == '-' || label.back() == '-')
    return "has a label that starts or ends with '-'";
  // Labels with "--" in the 3rd and 4th place are reserved for A-labels (RFC 5890).
  if (label.size() >= 4 && label.substr(2, 2) == "--" && label.substr(0, 4) != "xn--")
    return "has a reserved label (hyphens in the 3rd and 4th place)";
  if (label.substr(0, 4) == "xn--" && label.size() == 4) return "has an empty A-label";
  return {};
}

}  // namespace

NormalizedName normalize_dns_name(std::string_view raw) {
  if (raw.empty()) return malformed("is empty");
  if (!visible_ascii(raw))
    return malformed("must be ASCII without control bytes (IDNs as xn-- A-labels)");
  std::string name = to_lower_ascii(raw);
  if (name.back() == '.') name.pop_back();
  if (name.empty()) return malformed("is empty");
  if (name.size() > 253) return malformed("is longer than 253 bytes");
  std::size_t start = 0;
  bool first = true;
  std::string_view last;
  while (true) {
    const auto dot = name.find('.', start);
    const std::string_view label = std::string_view(name).substr(
        start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!(first && label == "*" && dot != std::string::npos)) {
      if (auto why = label_error(label); !why.empty()) return malformed(why);
    }
    last = label;
    first = false;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  // A name whose last label is numeric reads as an IPv4 address to many parsers.
  if (std::all_of(last.begin(), last.end(), digit))
    return malformed("ends in a numeric label (an IP address is not a DNS name)");
  return normal(std::move(name));
}

NormalizedName normalize_ip(std::string_view raw) {
  if (raw.empty() || raw.size() > 45 || !visible_ascii(raw))
    return malformed("is not an IP address");
  const auto ip = parse_ip(raw);
  if (!ip) return malformed("is not an IP address");
  if (ip->family == AF_INET6) {
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(ip->bytes.data(), kMapped, sizeof kMapped) == 0)
      return malformed("is IPv4-mapped IPv6 (use the IPv4 form)");
  }
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(ip->family, ip->bytes.data(), buf, sizeof buf);
  return normal(buf);
}

NormalizedName normalize_email(std::string_view raw) {
  if (raw.empty() || raw.size() > 254) return malformed("is not an e-mail address of 1-254 bytes");
  if (!visible_ascii(raw)) return malformed("must be ASCII without control bytes or spaces");
  const auto at = raw.find('@');
  if (at == std::string_view::npos || raw.find('@', at + 1) != std::string_view::npos)
    return malformed("must have exactly one '@'");
  const std::string_view local = raw.substr(0, at);
  if (local.empty() || local.size() > 64)
    return malformed("has a local part that is empty or longer than 64 bytes");
  static constexpr std::string_view kAtext = "!#$%&'*+-/=?^_`{|}~";
  for (char c : local) {
    const bool alnum = digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && c != '.' && kAtext.find(c) == std::string_view::npos)
      return malformed("has a character not allowed in a local part");
  }
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return malformed("has a misplaced '.' in its local part");
  }
  auto domain = normalize_dns_name(raw.substr(at + 1));
  if (!domain.ok()) return malformed("has a domain that " + domain.error);
  if (is_wildcard(domain.value)) return malformed("has a wildcard domain");
  return normal(std::string(local) + "@" + domain.value);
}

NormalizedName normalize_uri(std::string_view raw) {
  if (raw.empty() || raw.size() > 2048) return malformed("is not a URI of 1-2048 bytes");
  if (!visible_ascii(raw)) return malformed("must be ASCII without control bytes or spaces");
  if (raw.find_first_of("\\\"<>{}|^`") != std::string_view::npos)
    return malformed("has a character not allowed in a URI");
  const auto colon = raw.find(':');
  if (colon == std::string_view::npos || colon == 0) return malformed("has no scheme");
  const std::string scheme = to_lower_ascii(raw.substr(0, colon));
  if (!(scheme[0] >= 'a' && scheme[0] <= 'z'))
    return malformed("has a scheme that does not start with a letter");
  for (char c : scheme) {
    if (!(ldh(c) || c == '+' || c == '.')) return malformed("has an invalid scheme");
  }
  std::string_view rest = raw.substr(colon + 1);
  std::string out = scheme + ":";
  if (rest.substr(0, 2) == "//") {
    rest.remove_prefix(2);
    const auto end = rest.find_first_of("/?#");
    const std::string_view authority = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    if (authority.find('@') != std::string_view::npos)
      return malformed("has user information before the host");
    std::string_view host = authority;
    std::string_view port;
    if (!host.empty() && host.front() == '[') {
      const auto close = host.find(']');
      if (close == std::string_view::npos) return malformed("has an unterminated IPv6 host");
      auto ip = normalize_ip(host.substr(1, close - 1));
      if (!ip.ok() || ip.value.find(':') == std::string::npos)
        return malformed("has an invalid IPv6 host");
      out += "//[" + ip.value + "]";
      host = host.substr(close + 1);
      if (!host.empty() && host.front() != ':') return malformed("has text after its IPv6 host");
      port = host.empty() ? host : host.substr(1);
    } else {
      const auto pc = host.find(':');
      if (pc != std::string_view::npos) {
        port = host.substr(pc + 1);
        host = host.substr(0, pc);
      }
      if (host.empty()) return malformed("has an empty host");
      auto ip = normalize_ip(host);
      auto dns = normalize_dns_name(host);
      if (ip.ok() && ip.value.find(':') == std::string::npos) {
        out += "//" + ip.value;
      } else if (dns.ok() && !is_wildcard(dns.value)) {
        out += "//" + dns.value;
      } else {
        return malformed("has a host that is neither a DNS name nor an IP address");
      }
    }
    if (authority.find(':') != std::string_view::npos && authority.back() != ']') {
      if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), digit))
        return malformed("has an invalid port");
      out += ":" + std::string(port);
    }
    if (!rest.empty() && rest.front() != '/' && rest.front() != '?' && rest.front() != '#')
      return malformed("has an invalid path");
  }
  // Dot segments and encoded separators would let "prefix/../other" pass a prefix check.
  const std::string_view path = rest.substr(0, rest.find_first_of("?#"));
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto seg = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (seg == "." || seg == "..") return malformed("has a '.' or '..' path segment");
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] != '%') continue;
    if (i + 2 >= rest.size() || !hex_digit(rest[i + 1]) || !hex_digit(rest[i + 2]))
      return malformed("has an invalid %-escape");
    const std::string code = to_lower_ascii(rest.substr(i + 1, 2));
    if (code == "2e" || code == "2f" || code == "5c" || code == "00")
      return malformed("has an encoded '.', '/', '\\' or NUL");
  }
  out += rest;
  return normal(std::move(out));
}

bool is_wildcard(std::string_view dns_name) {
  return dns_name.substr(0, 2) == "*.";
}

bool at_or_below(std::string_view name, std::string_view domain) {
  if (name == domain) return true;
  return name.size() > domain.size() && name.substr(name.size() - domain.size()) == domain &&
         name[name.size() - domain.size() - 1] == '.';
}

std::size_t label_count(std::string_view dns_name) {
  return dns_name.empty()
             ? 0
             : static_cast<std::size_t>(std::count(dns_name.begin(), dns_name.end(), '.')) + 1;
}

UriParts split_uri(std::string_view uri) {
  UriParts p;
  const auto colon = uri.find(':');
  p.scheme = std::string(uri.substr(0, colon));
  std::string_view rest =
      colon == std::string_view::npos ? std::string_view() : uri.substr(colon + 1);
  if (rest.substr(0, 2) == "//") {
    p.has_authority = true;
    rest.remove_prefix(2);
    const auto end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    const auto close = authority.rfind(']');
    const auto pc = authority.rfind(':');
    if (pc != std::string_view::npos && (close == std::string_view::npos || pc > close)) {
      p.port = std::string(authority.substr(pc + 1));
      authority = authority.substr(0, pc);
    }
    p.host = std::string(authority);
  }
  p.path = std::string(rest);
  return p;
}

bool uri_matches_prefix(const UriParts& uri, const UriParts& prefix) {
  if (uri.scheme != prefix.scheme || uri.has_authority != prefix.has_authority ||
      uri.host != prefix.host || uri.port != prefix.port) {
    return false;
  }
  if (prefix.path.empty()) return true;
  if (uri.path.compare(0, prefix.path.size(), prefix.path) != 0) return false;
  if (uri.path.size() == prefix.path.size() || prefix.path.back() == '/') return true;
  const char next = uri.path[prefix.path.size()];
  return next == '/' || next == '?' || next == '#';
}

std::optional<IpAddress> parse_ip(std::string_view text) {
  if (text.size() > 45) return std::nullopt;
  const std::string s(text);
  IpAddress ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = AF_INET;
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = AF_INET6;
    return ip;
  }
  return std::nullopt;
}

std::string reverse_dns_name(const IpAddress& ip) {
  std::string out;
  if (ip.family == AF_INET) {
    for (std::size_t i = 4; i-- > 0;) out += std::to_string(ip.bytes[i]) + ".";
    return out + "in-addr.arpa";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 16; i-- > 0;) {
    out += kHex[ip.bytes[i] & 0x0fU];
    out += '.';
    out += kHex[ip.bytes[i] >> 4U];
    out += '.';
  }
  return out + "ip6.arpa";
}

bool IpRange::contains(const IpAddress& ip) const {
  if (ip.family != base.family) return false;
  int bits = prefix;
  for (std::size_t i = 0; bits > 0; ++i, bits -= 8) {
    const unsigned mask = bits >= 8 ? 0xffU : (0xffU << (8 - bits)) & 0xffU;
    if ((ip.bytes[i] & mask) != (base.bytes[i] & mask)) return false;
  }
  return true;
}

std::string IpRange::text() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(base.family, base.bytes.data(), buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(prefix);
}

std::optional<IpRange> parse_ip_range(std::string_view text, std::string* error) {
  auto fail = [&](const char* why) -> std::optional<IpRange> {
    if (error != nullptr) *error = why;
    return std::nullopt;
  };
  const auto slash = text.find('/');
  const auto ip = parse_ip(text.substr(0, slash));
  if (!ip) return fail("is not an address or CIDR block");
  IpRange r{*ip, ip->family == AF_INET ? 32 : 128};
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 || !std::all_of(digits.begin(), digits.end(), digit))
      return fail("has an invalid prefix length");
    const int n = std::stoi(std::string(digits));
    if (n > r.prefix) return fail("has a prefix length too large for its family");
    r.prefix = n;
  }
  IpRange masked = r;
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(r.prefix - i * 8, 0, 8);
    masked.base.bytes[static_cast<std::size_t>(i)] &=
        static_cast<unsigned char>((0xffU << (8 - keep)) & 0xffU);
  }
  if (masked.base.bytes != r.base.bytes) return fail("has bits set after its prefix");
  return r;
}

}  // namespace tenantca::core::pki
