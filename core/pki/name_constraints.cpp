#include "core/pki/name_constraints.hpp"

#include <arpa/inet.h>
#include <openssl/x509v3.h>

#include "core/pki/names.hpp"

namespace tenantca::core::pki {
namespace {

constexpr const char* kNowhere = "invalid";  // RFC 6761: never a real name

void push(STACK_OF(GENERAL_SUBTREE) * *subtrees, GENERAL_NAME* name) {
  if (*subtrees == nullptr)
    *subtrees = check_ptr(sk_GENERAL_SUBTREE_new_null(), "sk_GENERAL_SUBTREE_new_null");
  GENERAL_SUBTREE* st = check_ptr(GENERAL_SUBTREE_new(), "GENERAL_SUBTREE_new");
  GENERAL_NAME_free(st->base);
  st->base = name;
  check(sk_GENERAL_SUBTREE_push(*subtrees, st) > 0, "sk_GENERAL_SUBTREE_push");
}

GENERAL_NAME* ia5_name(int type, const std::string& value) {
  GENERAL_NAME* g = check_ptr(GENERAL_NAME_new(), "GENERAL_NAME_new");
  ASN1_IA5STRING* s = check_ptr(ASN1_IA5STRING_new(), "ASN1_IA5STRING_new");
  check(ASN1_STRING_set(s, value.data(), static_cast<int>(value.size())) == 1, "ASN1_STRING_set");
  GENERAL_NAME_set0_value(g, type, s);
  return g;
}

// iPAddress in a constraint: the address followed by its mask (RFC 5280).
GENERAL_NAME* ip_range_name(const IpRange& r) {
  const std::size_t len = r.base.family == AF_INET ? 4 : 16;
  unsigned char buf[32] = {};
  for (std::size_t i = 0; i < len; ++i) {
    buf[i] = r.base.bytes[i];
    const int keep = std::max(0, std::min(8, r.prefix - static_cast<int>(i) * 8));
    buf[len + i] = static_cast<unsigned char>((0xffU << (8 - keep)) & 0xffU);
  }
  ASN1_OCTET_STRING* o = check_ptr(ASN1_OCTET_STRING_new(), "ASN1_OCTET_STRING_new");
  check(ASN1_OCTET_STRING_set(o, buf, static_cast<int>(2 * len)) == 1, "ASN1_OCTET_STRING_set");
  GENERAL_NAME* g = check_ptr(GENERAL_NAME_new(), "GENERAL_NAME_new");
  GENERAL_NAME_set0_value(g, GEN_IPADD, o);
  return g;
}

}  // namespace

NameConstraintsPtr name_constraints_for(const Policy& p) {
  NameConstraintsPtr nc(check_ptr(NAME_CONSTRAINTS_new(), "NAME_CONSTRAINTS_new"));
  const bool restricted = p.restricts_names();
  // DNS names: permitted subtrees match the name and everything below it.
  for (const auto& d : p.allowed_domains) push(&nc->permittedSubtrees, ia5_name(GEN_DNS, d));
  if (restricted && p.allowed_domains.empty())
    push(&nc->permittedSubtrees, ia5_name(GEN_DNS, kNowhere));
  for (const auto& d : p.denied_domains) push(&nc->excludedSubtrees, ia5_name(GEN_DNS, d));
  // IP addresses.
  if (!p.allow_ip_sans || (restricted && p.allowed_ip_ranges.empty())) {
    push(&nc->excludedSubtrees, ip_range_name(*parse_ip_range("0.0.0.0/0")));
    push(&nc->excludedSubtrees, ip_range_name(*parse_ip_range("::/0")));
  } else {
    for (const auto& r : p.allowed_ip_ranges) {
      if (auto range = parse_ip_range(r)) push(&nc->permittedSubtrees, ip_range_name(*range));
    }
  }
  // E-mail: "domain" is mailboxes at that host, ".domain" those below it.
  for (const auto& d : p.allowed_email_domains) {
    push(&nc->permittedSubtrees, ia5_name(GEN_EMAIL, d));
    if (p.allow_subdomains) push(&nc->permittedSubtrees, ia5_name(GEN_EMAIL, "." + d));
  }
  if (restricted && p.allowed_email_domains.empty())
    push(&nc->permittedSubtrees, ia5_name(GEN_EMAIL, kNowhere));
  // URIs: constraints name hosts only; the path part of a prefix is enforced here, not by relying
  // parties.
  for (const auto& prefix : p.allowed_uri_prefixes) {
    const auto parts = split_uri(prefix);
    if (parts.has_authority && !parts.host.empty())
      push(&nc->permittedSubtrees, ia5_name(GEN_URI, parts.host));
  }
  if (restricted && p.allowed_uri_prefixes.empty())
    push(&nc->permittedSubtrees, ia5_name(GEN_URI, kNowhere));
  return nc;
}

void add_name_constraints(X509* cert, const Policy& policy) {
  auto nc = name_constraints_for(policy);
  if (nc->permittedSubtrees == nullptr && nc->excludedSubtrees == nullptr)
    return;  // nothing to constrain
  check(X509_add1_ext_i2d(cert, NID_name_constraints, nc.get(), 1, X509V3_ADD_DEFAULT) == 1,
        "nameConstraints");
}

}  // namespace tenantca::core::pki
