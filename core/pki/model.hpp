#pragma once
// PKI domain types, free of OpenSSL, SQL and HTTP.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tenantca::core::pki {

struct Subject {
  std::string common_name;
  std::string organization;
  std::string organizational_unit;
  std::string country;
  std::string state;
  std::string locality;
};

struct Sans {
  std::vector<std::string> dns;
  std::vector<std::string> ip;
  std::vector<std::string> email;
  std::vector<std::string> uri;
  bool empty() const { return dns.empty() && ip.empty() && email.empty() && uri.empty(); }
};

enum class KeyType { ec, rsa, ed25519 };
std::string key_type_name(KeyType t);
std::optional<KeyType> parse_key_type(const std::string& s);

struct KeySpec {
  KeyType type = KeyType::ec;
  std::string curve = "P-256";  // ec: P-256 | P-384
  int bits = 2048;              // rsa: 2048 | 3072 | 4096
};

// What a CA may sign. The four allow lists make a CA "restricted": once any
// is non-empty, every name of every type must match one (docs/policy.md).
struct Policy {
  std::vector<std::string> allowed_domains;  // normalised DNS names
  std::vector<std::string> denied_domains;   // deny beats allow, subdomains included
  bool allow_subdomains = true;
  bool allow_wildcards = false;
  bool allow_ip_sans = true;
  std::vector<std::string> allowed_ip_ranges;      // CIDR, canonical text
  std::vector<std::string> allowed_email_domains;  // normalised DNS names
  std::vector<std::string> allowed_uri_prefixes;   // normalised URIs
  std::vector<std::string>
      allowed_subject_fields;  // organization, organizational_unit, country, state, locality
  int max_validity_days = 397;
  std::vector<KeyType> key_types = {KeyType::ec, KeyType::rsa, KeyType::ed25519};
  bool name_constraints = false;  // fixed at CA creation
  bool restricts_names() const {
    return !allowed_domains.empty() || !allowed_ip_ranges.empty() ||
           !allowed_email_domains.empty() || !allowed_uri_prefixes.empty();
  }
};

enum class Usage { server_auth, client_auth };

// RFC 5280 CRLReason, snake_case names in the API.
enum class RevocationReason {
  unspecified = 0,
  key_compromise = 1,
  ca_compromise = 2,
  affiliation_changed = 3,
  superseded = 4,
  cessation_of_operation = 5,
  certificate_hold = 6,
  remove_from_crl = 8,
  privilege_withdrawn = 9,
  aa_compromise = 10,
};
std::optional<RevocationReason> parse_revocation_reason(const std::string& s);
std::string revocation_reason_name(RevocationReason r);

// What a parsed certificate says about itself.
struct CertInfo {
  std::string serial_hex;  // lowercase, no leading zeros
  Subject subject;
  Subject issuer;
  Sans sans;
  int64_t not_before = 0;
  int64_t not_after = 0;
  std::string key_type;  // ec | rsa | ed25519 | other
  std::string fingerprint_sha256;
  std::string pem;
  bool is_ca = false;
  std::optional<int> path_length;  // pathlen of basicConstraints, when a CA
  bool self_signed = false;
};

// ACME for a CA (docs/acme.md): off until its owner turns it on.
struct AcmeCaSettings {
  bool enabled = false;
  std::vector<std::string> challenges;  // http-01, dns-01, tls-alpn-01
};

struct CaRecord {
  std::string id;
  std::string tenant_id;
  std::string name;
  std::string type;  // root | intermediate | imported
  std::optional<std::string> parent_ca_id;
  CertInfo cert;
  std::string key_ciphertext;  // binary: nonce || ciphertext || tag
  std::string key_kek_id;
  Policy policy;
  bool disabled = false;
  int64_t created_us = 0;
  // Bumped by the database on every change to the row; issuance stores a
  // certificate only under the revision it was planned with.
  int64_t revision = 0;
  AcmeCaSettings acme;
};

struct CertRecord {
  std::string id;
  std::string tenant_id;
  std::optional<std::string> ca_id;
  std::string source;  // issued | imported
  CertInfo cert;
  std::string chain_pem;  // imported: the chain that came with it
  std::optional<int64_t> revoked_at;
  std::optional<RevocationReason> revocation_reason;
  int64_t created_us = 0;
  std::string status(int64_t now) const {
    if (revoked_at) return "revoked";
    return cert.not_after < now ? "expired" : "valid";
  }
};

}  // namespace tenantca::core::pki
