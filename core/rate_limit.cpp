#include "core/rate_limit.hpp"

#include <pthread.h>
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace tenantca::core {

int64_t monotonic_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

RateDecision decision_after_take(double tokens_left, bool allowed, int rate, int burst) {
  RateDecision d;
  d.limit = burst;
  d.allowed = allowed;
  if (!allowed)
    d.retry_after_seconds = std::max(1, static_cast<int>(std::ceil((1.0 - tokens_left) / rate)));
  d.remaining = static_cast<int>(std::floor(tokens_left));
  d.reset_seconds = static_cast<int>(std::ceil((burst - tokens_left) / rate));
  return d;
}

RateDecision token_bucket_take(BucketState& s, int rate, int burst, int64_t now_us) {
  if (s.last_us == 0) {
    s.tokens = burst;
  } else if (now_us > s.last_us) {
    s.tokens =
        std::min<double>(burst, s.tokens + static_cast<double>(now_us - s.last_us) * rate / 1e6);
  }
  s.last_us = std::max(s.last_us, now_us);
  const bool allowed = s.tokens >= 1.0;
  if (allowed) s.tokens -= 1.0;
  return decision_after_take(s.tokens, allowed, rate, burst);
}

namespace {
constexpr std::size_t kKeyBytes = 40;
constexpr std::size_t kProbe = 32;
struct Entry {
  char key[kKeyBytes];
  BucketState bucket;
};
uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}
}  // namespace

struct SharedMemoryRateLimiter::Shared {
  pthread_mutex_t mutex;
  std::size_t capacity;
  Entry entries[1];  // capacity entries follow
};

SharedMemoryRateLimiter::SharedMemoryRateLimiter(std::size_t capacity, Clock clock)
    : clock_(clock ? std::move(clock) : Clock(monotonic_micros)) {
  if (capacity == 0) throw std::invalid_argument("rate limit table needs capacity");
  bytes_ = sizeof(Shared) + sizeof(Entry) * capacity;
  void* mem = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) throw std::runtime_error("mmap of the rate limit table failed");
  shared_ = static_cast<Shared*>(mem);  // zero-filled by the kernel
  shared_->capacity = capacity;
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&shared_->mutex, &attr);
  pthread_mutexattr_destroy(&attr);
}

SharedMemoryRateLimiter::~SharedMemoryRateLimiter() {
  ::munmap(shared_, bytes_);
}

RateDecision SharedMemoryRateLimiter::take(const std::string& key, int rate, int burst) {
  if (key.size() >= kKeyBytes) throw std::invalid_argument("rate limit key too long");
  const int64_t now = clock_();
  int rc = pthread_mutex_lock(&shared_->mutex);
  if (rc == EOWNERDEAD)
    pthread_mutex_consistent(&shared_->mutex);  // a worker died holding it; entries stay valid
  else if (rc != 0)
    throw std::runtime_error("rate limit mutex failed");
  const std::size_t cap = shared_->capacity;
  const std::size_t start = fnv1a(key) % cap;
  Entry* target = nullptr;
  Entry* oldest = nullptr;
  for (std::size_t i = 0; i < std::min(kProbe, cap); ++i) {
    Entry& e = shared_->entries[(start + i) % cap];
    if (e.key[0] == '\0' || std::strncmp(e.key, key.c_str(), kKeyBytes) == 0) {
      target = &e;
      break;
    }
    if (oldest == nullptr || e.bucket.last_us < oldest->bucket.last_us) oldest = &e;
  }
  if (target == nullptr) {
    target =
        oldest != nullptr
            ? oldest
            : &shared_->entries[start];  // evict the least recently used bucket of the probe window
    target->bucket = BucketState{};
  }
  if (target->key[0] == '\0' || std::strncmp(target->key, key.c_str(), kKeyBytes) != 0) {
    std::memset(target->key, 0, kKeyBytes);
    std::memcpy(target->key, key.data(), key.size());
    target->bucket = BucketState{};
  }
  RateDecision d = token_bucket_take(target->bucket, rate, burst, now);
  pthread_mutex_unlock(&shared_->mutex);
  return d;
}

}  // namespace tenantca::core
