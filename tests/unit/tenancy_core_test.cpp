#include <gtest/gtest.h>
#include <openssl/hmac.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "core/api_key.hpp"
#include "core/errors.hpp"
#include "core/pagination.hpp"
#include "core/rate_limit.hpp"
#include "core/tenancy.hpp"

using namespace tenantca::core;

TEST(ApiKey, RoundTripsAndHashesOnlyTheSecret) {
  const auto k = generate_api_key();
  const auto parsed = parse_api_key(k.token);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->key_id, k.id);
  EXPECT_TRUE(constant_time_equal(hash_secret(parsed->secret), k.hash));
  EXPECT_FALSE(constant_time_equal(hash_secret(parsed->secret + "x"), k.hash));
  EXPECT_FALSE(parse_api_key("tca_short"));
  EXPECT_FALSE(parse_api_key("xyz" + k.token.substr(3)));
  EXPECT_NE(generate_api_key().token, k.token);
}

// Hashes stored by earlier versions must keep matching: HMAC-SHA256 under the
// fixed domain key, whatever way it is computed, on every call and thread.
TEST(ApiKey, SecretHashIsHmacSha256UnderTheDomainKey) {
  const std::string key = "tenantca/api-key/v1";
  for (const std::string& secret : std::vector<std::string>{"", "abc", std::string(200, 'z')}) {
    unsigned char expected[32];
    unsigned int len = 0;
    ASSERT_NE(
        HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), expected, &len),
        nullptr);
    for (int round = 0; round < 2; ++round) {
      const auto got = hash_secret(secret);
      EXPECT_EQ(std::string(got.begin(), got.end()),
                std::string(reinterpret_cast<char*>(expected), sizeof expected))
          << secret.size() << " round " << round;
    }
    SecretHash other{};
    std::thread([&] { other = hash_secret(secret); }).join();
    EXPECT_TRUE(constant_time_equal(other, hash_secret(secret)));
  }
}

TEST(TokenBucket, StartsFullRefillsAndRefuses) {
  BucketState s;
  int64_t now = 1'000'000;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(token_bucket_take(s, 1, 3, now).allowed);
  auto refused = token_bucket_take(s, 1, 3, now);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 1);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.reset_seconds, 3);
  now += 1'000'000;
  auto again = token_bucket_take(s, 1, 3, now);
  EXPECT_TRUE(again.allowed);
  now += 100'000'000;  // long idle: capped at burst
  token_bucket_take(s, 1, 3, now);
  EXPECT_EQ(token_bucket_take(s, 1, 3, now).remaining, 1);
}

TEST(SharedMemoryRateLimiter, IsExactAcrossForkedProcesses) {
  int64_t fixed_now = 5'000'000;
  SharedMemoryRateLimiter limiter(1024, [&] { return fixed_now; });
  // Four children each try 10 times against one bucket of 10: 10 succeed in total.
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  for (int c = 0; c < 4; ++c) {
    if (::fork() == 0) {
      unsigned char allowed = 0;
      for (int i = 0; i < 10; ++i) allowed += limiter.take("key-a", 1, 10).allowed ? 1 : 0;
      [[maybe_unused]] auto n = ::write(pipefd[1], &allowed, 1);
      ::_exit(0);
    }
  }
  int total = 0;
  for (int c = 0; c < 4; ++c) {
    unsigned char v = 0;
    ASSERT_EQ(::read(pipefd[0], &v, 1), 1);
    total += v;
    ::wait(nullptr);
  }
  EXPECT_EQ(total, 10);
  EXPECT_TRUE(limiter.take("key-b", 1, 10).allowed) << "buckets are per key";
}

TEST(Pagination, CursorRoundTripsAndRejectsGarbage) {
  const std::string id = "123e4567-e89b-42d3-a456-426614174000";
  const std::string cur = encode_cursor(1700000000123456, id);
  const std::string lim = "7";
  const auto p = parse_page_request(&lim, &cur);
  EXPECT_EQ(p.limit, 7);
  EXPECT_TRUE(p.has_cursor);
  EXPECT_EQ(p.after_micros, 1700000000123456);
  EXPECT_EQ(p.after_id, id);
  const std::string bad = "bm9wZQ==";
  EXPECT_THROW(parse_page_request(nullptr, &bad), DomainError);
  const std::string zero = "0";
  EXPECT_THROW(parse_page_request(&zero, nullptr), DomainError);
  EXPECT_EQ(parse_page_request(nullptr, nullptr).limit, 50);
}

TEST(Tenancy, NamesAndRoles) {
  EXPECT_TRUE(valid_tenant_name("acme-1"));
  EXPECT_FALSE(valid_tenant_name("Acme"));
  EXPECT_FALSE(valid_tenant_name(std::string(65, 'a')));
  EXPECT_FALSE(valid_tenant_name(""));
  EXPECT_EQ(parse_tenant_role("issuer"), Role::issuer);
  EXPECT_FALSE(parse_tenant_role("operator"));
  EXPECT_TRUE(role_at_least(Role::owner, Role::issuer));
  EXPECT_FALSE(role_at_least(Role::reader, Role::issuer));
  EXPECT_FALSE(role_at_least(Role::operator_, Role::reader));
}
