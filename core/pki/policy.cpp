#include "core/pki/policy.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include "core/errors.hpp"
#include "core/time_format.hpp"

namespace tenantca::core::pki {
namespace {

bool valid_label(const std::string& l) {
  if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') return false;
  return std::all_of(l.begin(), l.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

bool valid_dns_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  std::string rest = name;
  if (rest.rfind("*.", 0) == 0) rest = rest.substr(2);
  std::size_t start = 0;
  int labels = 0;
  while (true) {
    const auto dot = rest.find('.', start);
    if (!valid_label(rest.substr(start, dot == std::string::npos ? std::string::npos : dot - start))) return false;
    ++labels;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return labels >= 1;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

[[noreturn]] void violation(const std::string& detail) { throw DomainError(ErrorCode::policy_violation, detail); }

}  // namespace

void normalize_and_validate_sans(Sans& sans) {
  for (auto& d : sans.dns) {
    std::transform(d.begin(), d.end(), d.begin(), ::tolower);
    if (!valid_dns_name(d)) throw_invalid("Not a valid DNS name: '" + d + "'.");
  }
  for (auto& ip : sans.ip) {
    unsigned char buf[16];
    if (inet_pton(AF_INET, ip.c_str(), buf) != 1 && inet_pton(AF_INET6, ip.c_str(), buf) != 1) {
      throw_invalid("Not a valid IP address: '" + ip + "'.");
    }
  }
  for (auto& e : sans.email) {
    const auto at = e.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= e.size() || e.size() > 254 ||
        e.find_first_of(" \t\r\n,<>") != std::string::npos) {
      throw_invalid("Not a valid e-mail address: '" + e + "'.");
    }
  }
  for (auto& u : sans.uri) {
    const auto colon = u.find(':');
    if (colon == std::string::npos || colon == 0 || u.size() > 2048 ||
        u.find_first_of(" \t\r\n\"<>") != std::string::npos) {
      throw_invalid("Not a valid URI: '" + u + "'.");
    }
  }
  auto dedupe = [](std::vector<std::string>& v) {
    std::vector<std::string> out;
    for (auto& x : v) {
      if (std::find(out.begin(), out.end(), x) == out.end()) out.push_back(x);
    }
    v = out;
  };
  dedupe(sans.dns);
  dedupe(sans.ip);
  dedupe(sans.email);
  dedupe(sans.uri);
  if (sans.dns.size() + sans.ip.size() + sans.email.size() + sans.uri.size() > 100) {
    throw_invalid("At most 100 subject alternative names are allowed.");
  }
}

bool domain_allowed(const Policy& policy, const std::string& name) {
  const bool wildcard = name.rfind("*.", 0) == 0;
  if (wildcard && !policy.allow_wildcards) return false;
  if (policy.allowed_domains.empty()) return true;
  const std::string base = wildcard ? name.substr(2) : name;
  for (const auto& domain : policy.allowed_domains) {
    if (!wildcard && base == domain) return true;
    // "*.domain" covers subdomains of domain, so it needs allow_subdomains too.
    if (wildcard && base == domain && policy.allow_subdomains) return true;
    if (policy.allow_subdomains && ends_with(base, "." + domain)) return true;
  }
  return false;
}

void enforce_policy(const Policy& policy, const IssueFacts& f) {
  for (const auto& d : f.sans->dns) {
    if (d.rfind("*.", 0) == 0 && !policy.allow_wildcards) violation("Wildcard names are not allowed by this CA: '" + d + "'.");
    if (!domain_allowed(policy, d)) violation("DNS name '" + d + "' is not allowed by this CA's policy.");
  }
  if (!f.sans->ip.empty() && !policy.allow_ip_sans) violation("IP SANs are not allowed by this CA: '" + f.sans->ip.front() + "'.");
  const auto kt = parse_key_type(f.key_type);
  if (!kt || std::find(policy.key_types.begin(), policy.key_types.end(), *kt) == policy.key_types.end()) {
    violation("Key type '" + f.key_type + "' is not allowed by this CA's policy.");
  }
  if (*kt == KeyType::rsa && f.key_bits < 2048) violation("RSA keys need at least 2048 bits, got " + std::to_string(f.key_bits) + ".");
  if (f.validity_days > policy.max_validity_days) {
    violation("validity_days " + std::to_string(f.validity_days) + " exceeds this CA's max_validity_days " +
              std::to_string(policy.max_validity_days) + ".");
  }
  if (f.not_after > f.ca_not_after) {
    violation("validity_days " + std::to_string(f.validity_days) + " would end after the CA itself (" +
              format_rfc3339(f.ca_not_after) + ").");
  }
}

}  // namespace tenantca::core::pki
