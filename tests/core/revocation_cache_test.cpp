// The per-worker caches of what revocation changes: used only while
// revocations can be heard, dropped for the revoked CA (and only that CA),
// and not refilled for it during the quiet period.
#include "core/pki/revocation_cache.hpp"

#include <gtest/gtest.h>

#include "core/pki/ca_material_cache.hpp"

namespace tenantca::core::pki {
namespace {

StoredCrl crl(int64_t number, const std::string& der) {
  StoredCrl c;
  c.der = der;
  c.crl_number = number;
  c.next_update = 1'000'000;
  c.valid = true;
  return c;
}
auto always_fresh = [](const StoredCrl&) { return true; };

TEST(RevocationCache, NothingIsUsedWhileRevocationsCannotBeHeard) {
  RevocationCache cache;
  CacheStats stats;
  cache.crls().set_stats(&stats);
  cache.crls().store("ca", crl(1, "der1"), 100);
  EXPECT_FALSE(cache.crls().usable_copy("ca", always_fresh));
  EXPECT_EQ(stats.bypasses.load(), 1U);
  cache.answers().store("ca", "k", "answer", 100, 1000, cache.answers().generation());
  EXPECT_FALSE(cache.answers().find("ca", "k", 101));
}

TEST(RevocationCache, ARevocationDropsThatCaOnlyAndStartsAQuietPeriod) {
  RevocationCache cache(RevocationCacheLimits{.quiet_seconds = 5});
  cache.set_listening(true);
  cache.crls().store("a", crl(1, "crl-a"), 100);
  cache.crls().store("b", crl(1, "crl-b"), 100);
  cache.answers().store("a", "k", "good-a", 100, 1000, cache.answers().generation());
  cache.answers().store("b", "k", "good-b", 100, 1000, cache.answers().generation());
  cache.statuses().store("a", "01", "g", 100, 1000, cache.statuses().generation());
  ASSERT_EQ(cache.crls().usable_copy("a", always_fresh), "crl-a");

  cache.on_revocation("a", 200);
  EXPECT_FALSE(cache.crls().usable_copy("a", always_fresh)) << "the revoked CA's CRL copy is gone";
  EXPECT_FALSE(cache.answers().find("a", "k", 201));
  EXPECT_FALSE(cache.statuses().find("a", "01", 201));
  EXPECT_EQ(cache.crls().usable_copy("b", always_fresh), "crl-b") << "other CAs keep theirs";
  EXPECT_EQ(cache.answers().find("b", "k", 201), "good-b");

  // Within the quiet period, a copy read (perhaps from a lagging replica) is not trusted.
  cache.crls().store("a", crl(2, "crl-a2"), 202);
  EXPECT_FALSE(cache.crls().usable_copy("a", always_fresh));
  cache.answers().store("a", "k", "stale?", 202, 1000, cache.answers().generation());
  EXPECT_FALSE(cache.answers().find("a", "k", 203));
  // Confirmed by the database after the quiet period: trusted again.
  EXPECT_EQ(cache.crls().confirm("a", 2, 206), "crl-a2");
  EXPECT_EQ(cache.crls().usable_copy("a", always_fresh), "crl-a2");
  EXPECT_FALSE(cache.crls().confirm("a", 3, 207))
      << "a newer number in the database: not this copy";
}

TEST(RevocationCache, AnswersReadBeforeAnInvalidationAreNotKept) {
  RevocationCache cache;
  cache.set_listening(true);
  const auto generation = cache.answers().generation();  // taken before reading the status
  cache.on_revocation("a", 100);
  cache.answers().store("a", "k", "good", 200, 1000, generation);
  EXPECT_FALSE(cache.answers().find("a", "k", 201));
}

TEST(RevocationCache, ListenerLossClearsEverything) {
  RevocationCache cache;
  cache.set_listening(true);
  cache.crls().store("a", crl(1, "x"), 100);
  cache.answers().store("a", "k", "good", 100, 1000, cache.answers().generation());
  cache.set_listening(false);
  cache.set_listening(true);
  EXPECT_FALSE(cache.crls().usable_copy("a", always_fresh));
  EXPECT_FALSE(cache.answers().find("a", "k", 101));
}

TEST(CaMaterialCache, KeepsTheFirstCopyAndStaysBounded) {
  CaMaterialCache cache(2);
  auto first = cache.insert("a", std::make_shared<CaMaterial>());
  auto second = cache.insert("a", std::make_shared<CaMaterial>());
  EXPECT_EQ(first, second) << "a racing second copy is not kept";
  cache.insert("b", std::make_shared<CaMaterial>());
  cache.insert("c", std::make_shared<CaMaterial>());
  EXPECT_LE(cache.size(), 2U);
  EXPECT_TRUE(cache.find("c"));
}

}  // namespace
}  // namespace tenantca::core::pki
