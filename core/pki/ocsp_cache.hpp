#pragma once
// OCSP data kept per worker under its CA: signed answers, so a relying party
// that asks again (the common case: no nonce, the same request bytes) costs
// neither a database read nor a signature; and certificate statuses by
// serial, so an answer that must be signed afresh (a nonce) needs no read.
//
// Only what is safe to repeat is kept (the caller decides): answers to
// requests without a nonce, statuses good or revoked ("unknown" may become
// "good" when the serial is issued). Correctness rests
// on invalidation: a revocation anywhere sends a notification (migration
// 0003) and the CA's answers are dropped; until the worker listens for those
// notifications the cache is off. After an invalidation the CA is not cached
// for a quiet period, longer than a read replica may lag, so an answer read
// from a replica that has not replayed the revocation yet is never kept.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/cache_stats.hpp"

namespace tenantca::core::pki {

struct OcspCacheSettings {
  int64_t max_age_seconds = 300;     // also capped by half the answer's validity
  int64_t quiet_seconds = 5;         // after an invalidation of a CA
  std::size_t max_entries = 50000;   // then the cache starts over
  std::size_t max_bytes = 16 << 20;  // keys and answers together, per worker
};

class OcspResponseCache {
 public:
  explicit OcspResponseCache(OcspCacheSettings settings = {});

  // A cached answer, or nothing (disabled, absent, expired). `key` names
  // what was asked (ocsp_cache_key, or a serial), never raw request bytes.
  std::optional<std::string> find(const std::string& ca_id, const std::string& key, int64_t now);
  // Taken before reading the status; store() keeps the answer only if no
  // invalidation happened since (the answer may predate it).
  uint64_t generation() const;
  void store(const std::string& ca_id, const std::string& key, std::string response_der,
             int64_t now, int64_t expires_at, uint64_t generation_seen);

  void invalidate_ca(const std::string& ca_id, int64_t now);
  // False while invalidations cannot be received: drops everything, keeps nothing.
  void set_enabled(bool enabled);
  std::size_t size() const;
  std::size_t bytes() const;
  // Where hits, misses, bypasses and invalidations are counted (may be null).
  void set_stats(CacheStats* stats) { stats_ = stats; }

 private:
  struct Entry {
    std::string ca_id;
    std::string response_der;
    int64_t expires_at;
  };
  OcspCacheSettings settings_;
  mutable std::mutex mutex_;
  bool enabled_ = false;
  uint64_t generation_ = 0;
  std::unordered_map<std::string, Entry> entries_;  // by CA id + key
  std::size_t bytes_ = 0;
  CacheStats* stats_ = nullptr;
  std::unordered_map<std::string, int64_t> quiet_until_;  // by CA id
};

}  // namespace tenantca::core::pki
