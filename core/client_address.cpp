#include "core/client_address.hpp"

namespace tenantca::core {
namespace {

bool trusted(const std::string& address, const std::vector<pki::IpRange>& ranges) {
  const auto ip = pki::parse_ip(address);
  if (!ip) return false;
  for (const auto& r : ranges) {
    if (r.contains(*ip)) return true;
  }
  return false;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::string client_address(const std::string& peer, const std::string* forwarded_for,
                           const std::vector<pki::IpRange>& trusted_proxies) {
  if (forwarded_for == nullptr || trusted_proxies.empty() || !trusted(peer, trusted_proxies))
    return peer;
  std::string client = peer;
  std::string rest = *forwarded_for;
  while (!rest.empty()) {
    const auto comma = rest.rfind(',');
    const std::string hop = trim(comma == std::string::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string::npos ? std::string() : rest.substr(0, comma);
    const auto ip = pki::normalize_ip(hop);
    if (!ip.ok()) break;  // garbage: stop at the last hop we could read
    client = ip.value;
    if (!trusted(client, trusted_proxies)) break;
  }
  return client;
}

}  // namespace tenantca::core
