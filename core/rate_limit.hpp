#pragma once
// Token-bucket rate limiting per API key. The arithmetic is a pure function;
// the store behind the RateLimiter interface decides how far the limit holds
// (one process, one instance through shared memory, or several instances
// through a shared store such as Redis).
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace tenantca::core {

struct RateDecision {
  bool allowed = true;
  int limit = 0;                // bucket size (burst)
  int remaining = 0;            // whole tokens left after this request
  int reset_seconds = 0;        // until the bucket is full again
  int retry_after_seconds = 0;  // when refused: until one token is back
};

struct BucketState {
  double tokens = 0;
  int64_t last_us = 0;
};

// Refills `state` for the time elapsed up to now_us and takes one token if
// there is one. A fresh state (last_us == 0) starts full.
RateDecision token_bucket_take(BucketState& state, int rate_per_second, int burst, int64_t now_us);

// The headers' numbers once a take left `tokens_left` in the bucket; shared
// by every store so they all answer alike.
RateDecision decision_after_take(double tokens_left, bool allowed, int rate_per_second, int burst);

// How an instance's limiter is doing, for /metrics: decisions made by the
// shared store, decisions made locally because it was unreachable, and
// whether it answered last time (-1: no shared store configured).
struct RateLimiterStats {
  std::atomic<uint64_t> shared_decisions{0};
  std::atomic<uint64_t> fallback_decisions{0};
  std::atomic<int> shared_store_up{-1};
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  virtual RateDecision take(const std::string& key, int rate_per_second, int burst) = 0;
};

// One table in shared anonymous memory, mapped before fork() so every worker
// of the instance (and every later generation) sees the same buckets; a
// process-shared robust mutex keeps it exact and survives a worker dying
// while holding it.
class SharedMemoryRateLimiter final : public RateLimiter {
 public:
  using Clock = std::function<int64_t()>;  // monotonic microseconds, same clock in every process
  explicit SharedMemoryRateLimiter(std::size_t capacity = 65536, Clock clock = {});
  ~SharedMemoryRateLimiter() override;
  SharedMemoryRateLimiter(const SharedMemoryRateLimiter&) = delete;
  SharedMemoryRateLimiter& operator=(const SharedMemoryRateLimiter&) = delete;

  RateDecision take(const std::string& key, int rate_per_second, int burst) override;

 private:
  struct Shared;
  Shared* shared_;
  std::size_t bytes_;
  Clock clock_;
};

int64_t monotonic_micros();

}  // namespace tenantca::core
