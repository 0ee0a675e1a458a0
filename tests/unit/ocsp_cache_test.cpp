#include "core/pki/ocsp_cache.hpp"

#include <gtest/gtest.h>

#include "core/pki/revocation.hpp"

using tenantca::core::pki::OcspCacheSettings;
using tenantca::core::pki::OcspResponseCache;

namespace {
// A cache that hears revocations (its worker listens).
struct EnabledCache : OcspResponseCache {
  explicit EnabledCache(OcspCacheSettings s = {}) : OcspResponseCache(s) { set_enabled(true); }
};
}  // namespace

TEST(OcspCache, OffUntilNotificationsArrive) {
  OcspResponseCache c;
  c.store("ca", "req", "resp", 100, 1000, c.generation());
  EXPECT_FALSE(c.find("ca", "req", 100));
  c.set_enabled(true);
  c.store("ca", "req", "resp", 100, 1000, c.generation());
  EXPECT_EQ(c.find("ca", "req", 101).value_or(""), "resp");
  c.set_enabled(false);  // listener lost: may miss revocations
  EXPECT_FALSE(c.find("ca", "req", 101));
}

TEST(OcspCache, ExpiresAtTheEarlierOfAnswerAndMaxAge) {
  EnabledCache c(OcspCacheSettings{60, 5, 100});
  c.store("ca", "a", "ra", 100, 130, c.generation());
  c.store("ca", "b", "rb", 100, 10000, c.generation());
  EXPECT_TRUE(c.find("ca", "a", 129));
  EXPECT_FALSE(c.find("ca", "a", 130));
  EXPECT_TRUE(c.find("ca", "b", 159));
  EXPECT_FALSE(c.find("ca", "b", 160));
}

TEST(OcspCache, RevocationDropsOnlyThatCaAndKeepsItQuiet) {
  EnabledCache c(OcspCacheSettings{300, 5, 100});
  c.store("ca1", "r", "one", 100, 1000, c.generation());
  c.store("ca2", "r", "two", 100, 1000, c.generation());
  c.invalidate_ca("ca1", 200);
  EXPECT_FALSE(c.find("ca1", "r", 200));
  EXPECT_EQ(c.find("ca2", "r", 200).value_or(""), "two");
  // Within the quiet period a fresh answer may come from a lagging replica: not kept.
  c.store("ca1", "r", "maybe-stale", 204, 1000, c.generation());
  EXPECT_FALSE(c.find("ca1", "r", 204));
  c.store("ca1", "r", "fresh", 205, 1000, c.generation());
  EXPECT_EQ(c.find("ca1", "r", 205).value_or(""), "fresh");
}

TEST(OcspCache, AnswerComputedBeforeAnInvalidationIsNotKept) {
  EnabledCache c;
  const uint64_t seen = c.generation();        // status read here...
  c.invalidate_ca("other", 100);               // ...a revocation lands...
  c.store("ca", "r", "old", 200, 1000, seen);  // ...the answer may predate it
  EXPECT_FALSE(c.find("ca", "r", 200));
}

TEST(OcspCache, BoundedSize) {
  EnabledCache c(OcspCacheSettings{300, 5, 3});
  for (int i = 0; i < 10; ++i) c.store("ca", std::to_string(i), "x", 100, 1000, c.generation());
  EXPECT_LE(c.size(), 3u);
  EXPECT_TRUE(c.find("ca", "9", 100));
}

TEST(OcspStatusText, RoundTrips) {
  using namespace tenantca::core::pki;
  OcspStatus good;
  good.kind = OcspStatus::Kind::good;
  EXPECT_EQ(status_from_text(status_to_text(good)).kind, OcspStatus::Kind::good);
  OcspStatus revoked;
  revoked.kind = OcspStatus::Kind::revoked;
  revoked.revoked_at = 1700000123;
  revoked.reason = RevocationReason::key_compromise;
  const OcspStatus back = status_from_text(status_to_text(revoked));
  EXPECT_EQ(back.kind, OcspStatus::Kind::revoked);
  EXPECT_EQ(back.revoked_at, 1700000123);
  EXPECT_EQ(back.reason, RevocationReason::key_compromise);
  EXPECT_EQ(status_from_text("garbage").kind, OcspStatus::Kind::unknown);
}
