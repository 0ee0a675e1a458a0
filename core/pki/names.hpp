#pragma once
// Syntax and normal form of the names a certificate can carry: DNS names, IP
// addresses and ranges, e-mail addresses and URIs. Pure functions, no policy:
// core/pki/policy decides what a CA allows from these normal forms.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace tenantca::core::pki {

// A name in its normal form, or why it is malformed.
struct NormalizedName {
  std::string value;  // set when ok()
  std::string error;  // set when malformed
  bool ok() const { return error.empty(); }
};

// Lower case, one trailing dot dropped, ASCII only (IDNs as xn-- A-labels),
// LDH labels of 1-63 bytes; "*" only as the whole leftmost label.
NormalizedName normalize_dns_name(std::string_view raw);
// Canonical text of an IPv4 or IPv6 address; IPv4-mapped IPv6 is refused.
NormalizedName normalize_ip(std::string_view raw);
// local@domain: a dot-atom local part (case kept) and a normalised domain.
NormalizedName normalize_email(std::string_view raw);
// scheme:[//host[:port]]path with scheme and host lower-cased; no userinfo,
// no dot segments, no encoded '.', '/' or '\'.
NormalizedName normalize_uri(std::string_view raw);

bool is_wildcard(std::string_view dns_name);
// True when `name` is `domain` or a name below it (both normalised).
bool at_or_below(std::string_view name, std::string_view domain);
std::size_t label_count(std::string_view dns_name);

struct UriParts {
  std::string scheme;
  bool has_authority = false;
  std::string host;
  std::string port;
  std::string path;  // with query and fragment
};
// Splits a normalised URI.
UriParts split_uri(std::string_view normalized);
// The path of `uri` is the prefix's path, or continues it at a '/' boundary.
bool uri_matches_prefix(const UriParts& uri, const UriParts& prefix);

struct IpAddress {
  int family = 0;  // AF_INET or AF_INET6
  std::array<unsigned char, 16> bytes{};
};
std::optional<IpAddress> parse_ip(std::string_view text);
// The reverse-mapping name of an address: "4.3.2.1.in-addr.arpa" (RFC 1034),
// 32 nibbles then "ip6.arpa" (RFC 3596). TLS SNI cannot carry an address, so
// tls-alpn-01 for an ip identifier sends this name (RFC 8738 section 6).
std::string reverse_dns_name(const IpAddress& ip);

struct IpRange {
  IpAddress base;
  int prefix = 0;
  bool contains(const IpAddress& ip) const;
  std::string text() const;
};
// "10.0.0.0/8", "fd00::/8"; a bare address is a /32 or /128; host bits must be zero.
std::optional<IpRange> parse_ip_range(std::string_view text, std::string* error = nullptr);

}  // namespace tenantca::core::pki
