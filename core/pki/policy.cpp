#include "core/pki/policy.hpp"

#include <algorithm>

#include "core/errors.hpp"
#include "core/pki/names.hpp"
#include "core/text.hpp"
#include "core/time_format.hpp"

namespace tenantca::core::pki {
namespace {

constexpr std::size_t kMaxSans = 100;
constexpr std::size_t kMaxCommonName = 64;  // ub-common-name, RFC 5280

NameJudgement allowed(std::string value) {
  return {Verdict::allowed, std::move(value), {}};
}
NameJudgement refused(std::string value, std::string reason) {
  return {Verdict::refused, std::move(value), std::move(reason)};
}
NameJudgement malformed(std::string_view raw, std::string reason) {
  return {Verdict::malformed, std::string(raw), std::move(reason)};
}

bool in_domain_list(const std::vector<std::string>& list, std::string_view name, bool subdomains) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& d) {
    return name == d || (subdomains && at_or_below(name, d));
  });
}

// The denied domain that `name` (or, for a wildcard, any name it covers) falls under.
const std::string* denied_by(const Policy& p, std::string_view name) {
  const bool wildcard = is_wildcard(name);
  const std::string_view base = wildcard ? name.substr(2) : name;
  for (const auto& d : p.denied_domains) {
    if (at_or_below(base, d) || (wildcard && at_or_below(d, base))) return &d;
  }
  return nullptr;
}

NameJudgement judge_dns(const Policy& p, std::string_view raw) {
  const auto n = normalize_dns_name(raw);
  if (!n.ok()) return malformed(raw, n.error);
  const std::string& name = n.value;
  const bool wildcard = is_wildcard(name);
  if (wildcard && !p.allow_wildcards)
    return refused(name, "wildcard names are not allowed by this CA (allow_wildcards)");
  if (wildcard && label_count(name) < 3)
    return refused(name, "a wildcard must have at least two labels after '*.' (no *.tld)");
  if (const auto* d = denied_by(p, name))
    return refused(name, "it falls under denied_domains entry '" + *d + "'");
  if (!p.restricts_names()) return allowed(name);
  if (p.allowed_domains.empty())
    return refused(name, "this CA's policy allows no DNS names (allowed_domains is empty)");
  const bool ok =
      wildcard ? p.allow_subdomains && in_domain_list(p.allowed_domains, name.substr(2), true)
               : in_domain_list(p.allowed_domains, name, p.allow_subdomains);
  if (!ok) return refused(name, "it is not within allowed_domains");
  return allowed(name);
}

NameJudgement judge_ip(const Policy& p, std::string_view raw) {
  const auto n = normalize_ip(raw);
  if (!n.ok()) return malformed(raw, n.error);
  if (!p.allow_ip_sans)
    return refused(n.value, "IP addresses are not allowed by this CA (allow_ip_sans is false)");
  if (!p.allowed_ip_ranges.empty()) {
    const auto ip = parse_ip(n.value);
    for (const auto& text : p.allowed_ip_ranges) {
      if (auto range = parse_ip_range(text); range && ip && range->contains(*ip))
        return allowed(n.value);
    }
    return refused(n.value, "it is not within allowed_ip_ranges");
  }
  if (p.restricts_names())
    return refused(n.value, "this CA's policy allows no IP addresses (allowed_ip_ranges is empty)");
  return allowed(n.value);
}

NameJudgement judge_email(const Policy& p, std::string_view raw) {
  const auto n = normalize_email(raw);
  if (!n.ok()) return malformed(raw, n.error);
  const std::string domain = n.value.substr(n.value.find('@') + 1);
  if (const auto* d = denied_by(p, domain))
    return refused(n.value, "its domain falls under denied_domains entry '" + *d + "'");
  if (!p.allowed_email_domains.empty()) {
    if (in_domain_list(p.allowed_email_domains, domain, p.allow_subdomains))
      return allowed(n.value);
    return refused(n.value, "its domain is not within allowed_email_domains");
  }
  if (p.restricts_names())
    return refused(n.value,
                   "this CA's policy allows no e-mail addresses (allowed_email_domains is empty)");
  return allowed(n.value);
}

NameJudgement judge_uri(const Policy& p, std::string_view raw) {
  const auto n = normalize_uri(raw);
  if (!n.ok()) return malformed(raw, n.error);
  const UriParts parts = split_uri(n.value);
  if (parts.has_authority && normalize_dns_name(parts.host).ok()) {
    if (const auto* d = denied_by(p, parts.host))
      return refused(n.value, "its host falls under denied_domains entry '" + *d + "'");
  }
  if (!p.allowed_uri_prefixes.empty()) {
    for (const auto& prefix : p.allowed_uri_prefixes) {
      if (uri_matches_prefix(parts, split_uri(prefix))) return allowed(n.value);
    }
    return refused(n.value, "it does not start with any of allowed_uri_prefixes");
  }
  if (p.restricts_names())
    return refused(n.value, "this CA's policy allows no URIs (allowed_uri_prefixes is empty)");
  return allowed(n.value);
}

bool has_control_bytes(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b < 0x20 || b == 0x7f;
  });
}

const char* type_label(NameType t) {
  switch (t) {
    case NameType::dns:
      return "DNS name";
    case NameType::ip:
      return "IP address";
    case NameType::email:
      return "e-mail address";
    case NameType::uri:
      return "URI";
    case NameType::common_name:
      return "common name";
  }
  return "name";
}

// Throws for a judgement that is not `allowed`; returns the normal form.
std::string require(const NameJudgement& j, NameType type) {
  if (j.verdict == Verdict::malformed) {
    throw_invalid(std::string("Not a valid ") + type_label(type) + ": '" + printable(j.value) +
                  "' " + j.reason + ".");
  }
  if (j.verdict == Verdict::refused) {
    throw DomainError(ErrorCode::policy_violation, std::string(type_label(type)) + " '" +
                                                       printable(j.value) +
                                                       "' is not allowed: " + j.reason + ".");
  }
  return j.value;
}

void add_unique(std::vector<std::string>& v, std::string x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(std::move(x));
}

}  // namespace

bool known_subject_field(std::string_view name) {
  return name == "organization" || name == "organizational_unit" || name == "country" ||
         name == "state" || name == "locality";
}

NameJudgement judge_name(const Policy& p, NameType type, std::string_view raw) {
  switch (type) {
    case NameType::dns:
      return judge_dns(p, raw);
    case NameType::ip:
      return judge_ip(p, raw);
    case NameType::email:
      return judge_email(p, raw);
    case NameType::uri:
      return judge_uri(p, raw);
    case NameType::common_name:
      break;
  }
  if (raw.empty()) return allowed({});
  if (has_control_bytes(raw)) return malformed(raw, "has NUL or control bytes");
  if (raw.size() > kMaxCommonName) return malformed(raw, "is longer than 64 bytes");
  if (normalize_ip(raw).ok()) return judge_ip(p, raw);
  const auto dns = normalize_dns_name(raw);
  // A CN with a dot that reads as a host name is one to every TLS client
  // that falls back to the CN: judge it as such, restricted or not.
  if (dns.ok() && (p.restricts_names() || label_count(dns.value) >= 2)) return judge_dns(p, raw);
  if (p.restricts_names()) {
    return refused(std::string(raw),
                   "on this CA the common name must be a DNS name or IP address it allows");
  }
  return allowed(std::string(raw));
}

void apply_name_policy(const Policy& p, Subject& subject, Sans& sans) {
  Sans out;
  for (const auto& d : sans.dns) add_unique(out.dns, require(judge_dns(p, d), NameType::dns));
  for (const auto& ip : sans.ip) add_unique(out.ip, require(judge_ip(p, ip), NameType::ip));
  for (const auto& e : sans.email)
    add_unique(out.email, require(judge_email(p, e), NameType::email));
  for (const auto& u : sans.uri) add_unique(out.uri, require(judge_uri(p, u), NameType::uri));
  const std::string cn =
      require(judge_name(p, NameType::common_name, subject.common_name), NameType::common_name);
  if (!cn.empty()) {
    if (normalize_ip(cn).ok()) {
      add_unique(out.ip, cn);
      subject.common_name = cn;
    } else if (normalize_dns_name(cn).ok() && (p.restricts_names() || label_count(cn) >= 2)) {
      add_unique(out.dns, cn);
      subject.common_name = cn;
    }
  }
  if (out.dns.size() + out.ip.size() + out.email.size() + out.uri.size() > kMaxSans) {
    throw_invalid("At most 100 subject alternative names are allowed.");
  }
  auto keep = [&](const char* field, std::string& value) {
    if (value.empty()) return;
    if (std::find(p.allowed_subject_fields.begin(), p.allowed_subject_fields.end(), field) ==
        p.allowed_subject_fields.end()) {
      value.clear();  // left out, as public CAs do; the answer shows the subject issued
      return;
    }
    if (has_control_bytes(value))
      throw_invalid(std::string("Subject field '") + field + "' has NUL or control bytes.");
  };
  keep("organization", subject.organization);
  keep("organizational_unit", subject.organizational_unit);
  keep("country", subject.country);
  keep("state", subject.state);
  keep("locality", subject.locality);
  sans = std::move(out);
}

void enforce_key_policy(const Policy& p, const KeyFacts& k) {
  auto violation = [](const std::string& what) {
    throw DomainError(ErrorCode::policy_violation,
                      what +
                          " is not allowed: keys must be EC P-256 or P-384, RSA 2048-8192 bits "
                          "with exponent 65537, "
                          "or Ed25519.");
  };
  std::optional<KeyType> type;
  if (k.type == "ec") {
    if (k.curve != "prime256v1" && k.curve != "secp384r1") {
      violation("An EC key on curve '" +
                (k.curve.empty() ? std::string("explicit parameters") : k.curve) + "'");
    }
    type = KeyType::ec;
  } else if (k.type == "rsa") {
    if (k.bits < 2048 || k.bits > 8192)
      violation("An RSA key of " + std::to_string(k.bits) + " bits");
    if (!k.rsa_exponent_65537) violation("An RSA key whose public exponent is not 65537");
    type = KeyType::rsa;
  } else if (k.type == "ed25519") {
    type = KeyType::ed25519;
  } else {
    violation("A key of type '" + k.type + "'");
  }
  if (std::find(p.key_types.begin(), p.key_types.end(), *type) == p.key_types.end()) {
    throw DomainError(ErrorCode::policy_violation,
                      "Key type '" + k.type + "' is not allowed by this CA's policy (key_types).");
  }
}

void enforce_validity(const Policy& p, int64_t validity_days, int64_t not_after,
                      int64_t ca_not_after) {
  if (validity_days > p.max_validity_days) {
    throw DomainError(ErrorCode::policy_violation, "validity_days " +
                                                       std::to_string(validity_days) +
                                                       " exceeds this CA's max_validity_days " +
                                                       std::to_string(p.max_validity_days) + ".");
  }
  if (not_after > ca_not_after) {
    throw DomainError(ErrorCode::policy_violation,
                      "validity_days " + std::to_string(validity_days) +
                          " would end after the CA itself (" + format_rfc3339(ca_not_after) + ").");
  }
}

Policy validated_policy(Policy p, const std::string& prefix) {
  auto domains = [&](std::vector<std::string>& list, const char* field) {
    std::vector<std::string> out;
    for (const auto& d : list) {
      const auto n = normalize_dns_name(d);
      if (!n.ok() || is_wildcard(n.value)) {
        throw_invalid("Field '" + prefix + "." + field + "' has an invalid domain: '" +
                      printable(d) + "'" + (n.ok() ? " (no wildcards)" : " (" + n.error + ")") +
                      ".");
      }
      add_unique(out, n.value);
    }
    list = std::move(out);
  };
  domains(p.allowed_domains, "allowed_domains");
  domains(p.denied_domains, "denied_domains");
  domains(p.allowed_email_domains, "allowed_email_domains");
  std::vector<std::string> ranges;
  for (const auto& r : p.allowed_ip_ranges) {
    std::string why;
    auto range = parse_ip_range(r, &why);
    if (!range) {
      std::string detail = "Field '" + prefix + ".allowed_ip_ranges' has an invalid range: '";
      detail += printable(r) + "' " + why + ".";
      throw_invalid(detail);
    }
    add_unique(ranges, range->text());
  }
  p.allowed_ip_ranges = std::move(ranges);
  std::vector<std::string> prefixes;
  for (const auto& u : p.allowed_uri_prefixes) {
    const auto n = normalize_uri(u);
    if (!n.ok())
      throw_invalid("Field '" + prefix + ".allowed_uri_prefixes' has an invalid URI: '" +
                    printable(u) + "' " + n.error + ".");
    add_unique(prefixes, n.value);
  }
  p.allowed_uri_prefixes = std::move(prefixes);
  std::vector<std::string> fields;
  for (const auto& f : p.allowed_subject_fields) {
    if (!known_subject_field(f)) {
      throw_invalid("Field '" + prefix + ".allowed_subject_fields' has an unknown field '" +
                    printable(f) +
                    "' (organization, organizational_unit, country, state, locality).");
    }
    add_unique(fields, f);
  }
  p.allowed_subject_fields = std::move(fields);
  if (p.key_types.empty()) throw_invalid("Field '" + prefix + ".key_types' must not be empty.");
  if (p.max_validity_days < 1)
    throw_invalid("Field '" + prefix + ".max_validity_days' must be at least 1.");
  return p;
}

Policy apply_policy_patch(const Policy& base, const PolicyPatch& patch) {
  const Policy defaults;
  Policy out = base;
  auto field = [&](const char* name, auto member) {
    if (patch.reset.count(name)) out.*member = defaults.*member;
    if (patch.set.count(name)) out.*member = patch.values.*member;
  };
  field("allowed_domains", &Policy::allowed_domains);
  field("denied_domains", &Policy::denied_domains);
  field("allow_subdomains", &Policy::allow_subdomains);
  field("allow_wildcards", &Policy::allow_wildcards);
  field("allow_ip_sans", &Policy::allow_ip_sans);
  field("allowed_ip_ranges", &Policy::allowed_ip_ranges);
  field("allowed_email_domains", &Policy::allowed_email_domains);
  field("allowed_uri_prefixes", &Policy::allowed_uri_prefixes);
  field("allowed_subject_fields", &Policy::allowed_subject_fields);
  field("max_validity_days", &Policy::max_validity_days);
  field("key_types", &Policy::key_types);
  field("name_constraints", &Policy::name_constraints);
  return validated_policy(std::move(out));
}

}  // namespace tenantca::core::pki
