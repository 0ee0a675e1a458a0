#include <gtest/gtest.h>

#include "core/rate_limit.hpp"
#include "db/redis_rate_limiter.hpp"

using tenantca::db::parse_redis_url;

TEST(RedisUrl, HostPortDatabaseAndPassword) {
  const auto e = parse_redis_url("redis://:s3cret@cache.internal:6380/2");
  EXPECT_EQ(e.host, "cache.internal");
  EXPECT_EQ(e.port, 6380);
  EXPECT_EQ(e.database, 2);
  EXPECT_EQ(e.password, "s3cret");
}

TEST(RedisUrl, DefaultsAndIpv6) {
  const auto e = parse_redis_url("redis://10.0.0.5");
  EXPECT_EQ(e.port, 6379);
  EXPECT_EQ(e.database, 0);
  EXPECT_TRUE(e.password.empty());
  EXPECT_EQ(parse_redis_url("redis://[::1]:7000").host, "::1");
}

TEST(RedisUrl, RefusesOtherForms) {
  for (const char* bad : {"", "127.0.0.1:6379", "http://x", "redis://", "redis://h:99999",
                          "redis://h:1/x", "redis://h x"}) {
    EXPECT_THROW(parse_redis_url(bad), std::invalid_argument) << bad;
  }
}

TEST(RateDecision, SameHeadersWhateverTheStore) {
  // Redis returns the tokens left; the headers must match the local arithmetic.
  tenantca::core::BucketState state;
  const auto local = tenantca::core::token_bucket_take(state, 2, 5, 1'000'000);
  const auto shared = tenantca::core::decision_after_take(state.tokens, true, 2, 5);
  EXPECT_EQ(local.remaining, shared.remaining);
  EXPECT_EQ(local.reset_seconds, shared.reset_seconds);
  const auto refused = tenantca::core::decision_after_take(0.25, false, 2, 5);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 1);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.reset_seconds, 3);
}

TEST(RedisUrl, ErrorsNeverCarryThePassword) {
  try {
    tenantca::db::parse_redis_url("redis://:s3cret-pass@host:notaport");
    FAIL() << "a malformed URL must be refused";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("s3cret-pass"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("***"), std::string::npos) << e.what();
  }
}
