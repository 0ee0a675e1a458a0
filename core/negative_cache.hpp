#pragma once
// Ids recently looked up and not found, remembered briefly so a flood of
// random ids (unknown CAs on the public endpoints, unknown API-key ids)
// costs one database read per id and TTL, not one per request. Safe because
// the ids are random UUIDs: nobody looks one up before it is created.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tenantca::core {

class NegativeCache {
 public:
  NegativeCache(int64_t ttl_ms, std::size_t max_entries)
      : ttl_ms_(ttl_ms), max_entries_(max_entries) {}
  // True when `id` was noted missing less than the TTL before `now_ms` (a monotonic clock).
  bool recently_missing(const std::string& id, int64_t now_ms);
  void note_missing(const std::string& id, int64_t now_ms);
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  std::size_t size() const;

 private:
  int64_t ttl_ms_;
  std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, int64_t> noted_;  // id -> when
  std::atomic<uint64_t> hits_{0};
};

}  // namespace tenantca::core
