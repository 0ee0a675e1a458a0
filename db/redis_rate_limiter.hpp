#pragma once
// Token buckets kept in Redis, so one tenant's limit holds across every
// instance of a deployment. The bucket arithmetic runs inside Redis as one
// Lua script (atomic per key, on Redis's own clock, so instances with
// drifting clocks still agree). When Redis cannot be reached the limiter
// answers from the instance's local limiter and says so in the log and
// /metrics: availability over exactness, documented in docs/scaling.md.
//
// Lives beside the PostgreSQL code because it is the other shared store;
// it is its own library (tenantca_redis), so only the daemon links hiredis.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/rate_limit.hpp"

struct redisContext;

namespace tenantca::db {

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;  // empty: no AUTH
  int database = 0;
};
// redis://[:password@]host[:port][/db]; throws std::invalid_argument naming the problem.
RedisEndpoint parse_redis_url(const std::string& url);

class RedisRateLimiter final : public core::RateLimiter {
 public:
  RedisRateLimiter(RedisEndpoint endpoint, std::chrono::milliseconds timeout,
                   core::RateLimiter& fallback, core::RateLimiterStats* stats);
  ~RedisRateLimiter() override;
  RedisRateLimiter(const RedisRateLimiter&) = delete;
  RedisRateLimiter& operator=(const RedisRateLimiter&) = delete;

  core::RateDecision take(const std::string& key, int rate_per_second, int burst) override;

 private:
  // A hiredis context is not thread-safe: each request leases one, so the
  // worker's threads wait on Redis in parallel, not behind one another.
  struct Connection {
    redisContext* ctx = nullptr;
    std::string script_sha;
    ~Connection();
  };
  std::unique_ptr<Connection> lease();
  void give_back(std::unique_ptr<Connection> c);
  std::unique_ptr<Connection> connect(std::string& why);
  bool eval(Connection& c, const std::string& key, int rate, int burst, bool& allowed,
            double& tokens, std::string& why);
  void went_down(const std::string& why);

  RedisEndpoint endpoint_;
  std::chrono::milliseconds timeout_;
  core::RateLimiter& fallback_;
  core::RateLimiterStats* stats_;
  std::mutex mutex_;  // guards the fields below
  std::vector<std::unique_ptr<Connection>> idle_;
  std::chrono::steady_clock::time_point retry_at_{};
  bool reported_down_ = false;
};

}  // namespace tenantca::db
