#pragma once
// Proves ACME challenges over the network, as RFC 8555 section 8 and RFC
// 8737 describe: http-01 (libcurl: one GET, no redirects, pinned to an
// address checked against the forbidden ranges), dns-01 (c-ares: the TXT
// record at _acme-challenge.<name>, through the configured resolver) and
// tls-alpn-01 (OpenSSL: a handshake offering acme-tls/1, then the
// certificate's acmeIdentifier). Every step is bounded by a timeout; no
// address in a forbidden range is ever connected to (no request forgery
// through challenges).
#include <string>
#include <vector>

#include "core/acme/service.hpp"
#include "core/pki/names.hpp"

namespace tenantca::core::acme {

struct NetworkValidatorSettings {
  std::string dns_resolver;  // host:port; empty: the system's (/etc/resolv.conf)
  int http01_port = 80;
  int tlsalpn01_port = 443;
  int timeout_ms = 5000;
  std::vector<pki::IpRange> forbidden_ranges;  // never connected to
};

class NetworkValidator final : public ChallengeValidator {
 public:
  explicit NetworkValidator(NetworkValidatorSettings settings);
  ValidationResult validate(const ValidationJob& job,
                            const std::string& key_authorization) override;

  // The addresses of a name (A and AAAA) through the configured resolver.
  std::vector<std::string> resolve(const std::string& name, std::string& error) const;
  // TXT records of a name through the configured resolver.
  std::vector<std::string> txt_records(const std::string& name, std::string& error) const;

 private:
  // The address to connect to for an identifier, or a failed result.
  bool pick_address(const Identifier& id, std::string& address, ValidationResult& failure) const;
  ValidationResult http01(const ValidationJob& job, const std::string& key_authorization) const;
  ValidationResult dns01(const ValidationJob& job, const std::string& key_authorization) const;
  ValidationResult tls_alpn01(const ValidationJob& job, const std::string& key_authorization) const;

  NetworkValidatorSettings settings_;
};

// base64url(SHA-256(key authorization)): the dns-01 TXT value.
std::string dns01_digest(const std::string& key_authorization);

}  // namespace tenantca::core::acme
