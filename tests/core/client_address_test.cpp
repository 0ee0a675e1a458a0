#include "core/client_address.hpp"

#include <gtest/gtest.h>

namespace tenantca::core {
namespace {

TEST(ClientAddress, OnlyTrustedPeersSpeakForTheirClients) {
  const std::vector<pki::IpRange> trusted = {*pki::parse_ip_range("10.0.0.0/8"),
                                             *pki::parse_ip_range("127.0.0.2")};
  struct Case {
    const char* label;
    std::string peer;
    const char* xff;  // null: no header
    std::string want;
  };
  const Case cases[] = {
      {"no header", "10.1.1.1", nullptr, "10.1.1.1"},
      {"trusted peer, one hop", "127.0.0.2", "203.0.113.7", "203.0.113.7"},
      {"untrusted peer: header ignored", "198.51.100.9", "203.0.113.7", "198.51.100.9"},
      {"client-written hops left of the real one are ignored", "127.0.0.2", "1.2.3.4, 203.0.113.7",
       "203.0.113.7"},
      {"chain of trusted proxies", "10.0.0.5", "203.0.113.7, 10.9.9.9", "203.0.113.7"},
      {"all hops trusted: the leftmost", "10.0.0.5", "10.1.1.1, 10.2.2.2", "10.1.1.1"},
      {"garbage hop: the last readable one", "10.0.0.5", "203.0.113.7, nonsense", "10.0.0.5"},
      {"IPv6 hop", "127.0.0.2", "2001:DB8::7", "2001:db8::7"},
      {"spaces", "127.0.0.2", "  203.0.113.7  ", "203.0.113.7"},
      {"empty header", "127.0.0.2", "", "127.0.0.2"},
  };
  for (const auto& c : cases) {
    const std::string xff = c.xff ? c.xff : "";
    EXPECT_EQ(client_address(c.peer, c.xff ? &xff : nullptr, trusted), c.want) << c.label;
  }
  const std::string xff = "203.0.113.7";
  EXPECT_EQ(client_address("127.0.0.2", &xff, {}), "127.0.0.2") << "no trusted proxies configured";
}

}  // namespace
}  // namespace tenantca::core
