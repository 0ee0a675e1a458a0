#include "core/negative_cache.hpp"

#include <gtest/gtest.h>

namespace tenantca::core {
namespace {

TEST(NegativeCache, RemembersMissesForItsTtlAndStaysBounded) {
  NegativeCache cache(1000, 3);
  EXPECT_FALSE(cache.recently_missing("a", 0));
  cache.note_missing("a", 0);
  EXPECT_TRUE(cache.recently_missing("a", 999));
  EXPECT_FALSE(cache.recently_missing("a", 1000)) << "forgotten after the TTL";
  EXPECT_EQ(cache.hits(), 1U);
  for (const char* id : {"b", "c", "d", "e", "f"}) cache.note_missing(id, 2000);
  EXPECT_LE(cache.size(), 3U);
}

}  // namespace
}  // namespace tenantca::core
