#pragma once
// Counters of one cache, for /metrics: how often it answered (hit), had to
// ask the database (miss), or was not consulted because it could not be
// trusted (bypass: the change feed that invalidates it was down, or a
// quiet period after an invalidation). Lives in the instance's shared
// memory, so the workers' counts add up.
#include <atomic>
#include <cstdint>

namespace tenantca::core {

struct CacheStats {
  std::atomic<uint64_t> hits{0};
  std::atomic<uint64_t> misses{0};
  std::atomic<uint64_t> bypasses{0};
  std::atomic<uint64_t> invalidations{0};
};

inline void count_hit(CacheStats* s) {
  if (s != nullptr) s->hits.fetch_add(1, std::memory_order_relaxed);
}
inline void count_miss(CacheStats* s) {
  if (s != nullptr) s->misses.fetch_add(1, std::memory_order_relaxed);
}
inline void count_bypass(CacheStats* s) {
  if (s != nullptr) s->bypasses.fetch_add(1, std::memory_order_relaxed);
}
inline void count_invalidation(CacheStats* s) {
  if (s != nullptr) s->invalidations.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace tenantca::core
