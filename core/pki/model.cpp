#include "core/pki/model.hpp"

#include <array>
#include <utility>

namespace tenantca::core::pki {
namespace {
constexpr std::array<std::pair<RevocationReason, const char*>, 10> kReasons = {{
    {RevocationReason::unspecified, "unspecified"},
    {RevocationReason::key_compromise, "key_compromise"},
    {RevocationReason::ca_compromise, "ca_compromise"},
    {RevocationReason::affiliation_changed, "affiliation_changed"},
    {RevocationReason::superseded, "superseded"},
    {RevocationReason::cessation_of_operation, "cessation_of_operation"},
    {RevocationReason::certificate_hold, "certificate_hold"},
    {RevocationReason::remove_from_crl, "remove_from_crl"},
    {RevocationReason::privilege_withdrawn, "privilege_withdrawn"},
    {RevocationReason::aa_compromise, "aa_compromise"},
}};
}  // namespace

std::string key_type_name(KeyType t) {
  switch (t) {
    case KeyType::ec:
      return "ec";
    case KeyType::rsa:
      return "rsa";
    case KeyType::ed25519:
      return "ed25519";
  }
  return "ec";
}

std::optional<KeyType> parse_key_type(const std::string& s) {
  if (s == "ec") return KeyType::ec;
  if (s == "rsa") return KeyType::rsa;
  if (s == "ed25519") return KeyType::ed25519;
  return std::nullopt;
}

std::optional<RevocationReason> parse_revocation_reason(const std::string& s) {
  for (const auto& [r, name] : kReasons) {
    if (s == name) return r;
  }
  return std::nullopt;
}

std::string revocation_reason_name(RevocationReason r) {
  for (const auto& [reason, name] : kReasons) {
    if (reason == r) return name;
  }
  return "unspecified";
}

}  // namespace tenantca::core::pki
