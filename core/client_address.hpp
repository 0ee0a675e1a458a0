#pragma once
// The client's address behind trusted reverse proxies. Only a peer inside
// server.trusted_proxies may say who its client is (X-Forwarded-For); the
// client is the rightmost hop that is not itself a trusted proxy, since
// everything left of it was written by the client and may be forged.
#include <string>
#include <vector>

#include "core/pki/names.hpp"

namespace tenantca::core {

std::string client_address(const std::string& peer, const std::string* forwarded_for,
                           const std::vector<pki::IpRange>& trusted_proxies);

}  // namespace tenantca::core
