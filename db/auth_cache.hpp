#pragma once
// A worker's cache of API key records, so a hot key costs no database round
// trip. Invalidation is pushed: the worker's ChangeListener hears the
// 'tenantca_auth' notifications that triggers send when a key is deleted or a
// tenant changes, from any worker of any instance, and drops the entries
// within milliseconds. While that connection is down the cache is bypassed
// (every lookup goes to the database), and a TTL bounds any entry's age.
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/cache_stats.hpp"
#include "core/negative_cache.hpp"
#include "core/tenancy.hpp"

namespace tenantca::db {

class AuthCache {
 public:
  using Loader = std::function<std::optional<core::KeyRecord>(const std::string& key_id)>;
  AuthCache(Loader loader, std::chrono::seconds ttl);
  AuthCache(const AuthCache&) = delete;
  AuthCache& operator=(const AuthCache&) = delete;

  std::optional<core::KeyRecord> find(const std::string& key_id);
  // From the ChangeListener: a 'tenantca_auth' payload ("api_keys:<id>",
  // "tenants:<id>"), and whether notifications are being received.
  void invalidate(const std::string& payload);
  void set_listening(bool listening);
  // Where hits, misses, bypasses (not listening) and invalidations are counted.
  void set_stats(core::CacheStats* stats) { stats_ = stats; }

 private:
  struct Entry {
    core::KeyRecord record;
    std::chrono::steady_clock::time_point loaded;
  };
  Loader loader_;
  std::chrono::seconds ttl_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  uint64_t epoch_ = 0;  // bumped on every invalidation, so a load racing one is not cached
  std::atomic<bool> listening_{false};
  // Unknown key ids, briefly: a flood of made-up keys is not a flood of queries.
  core::NegativeCache unknown_{10000, 100000};
  core::CacheStats* stats_ = nullptr;
};

}  // namespace tenantca::db
