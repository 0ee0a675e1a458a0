#pragma once
// What a worker keeps about revocation, and the one place it is invalidated:
// signed OCSP answers (by CA and CertID), certificate statuses (by CA and
// serial), and the last CRL it served per CA. Correctness rests on hearing
// every revocation (NOTIFY tenantca_pki through the change listener): a
// revocation drops that CA's entries and starts a quiet period, longer than a
// read replica may lag, in which nothing read for that CA is kept; while the
// listener is down nothing is used or kept at all.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/cache_stats.hpp"
#include "core/pki/ocsp_cache.hpp"
#include "core/pki/store.hpp"

namespace tenantca::core::pki {

// The limits an operator may tune (pki.* settings).
struct RevocationCacheLimits {
  int64_t quiet_seconds = 5;             // after a revocation of a CA
  int64_t answer_max_age_seconds = 300;  // OCSP answers and statuses
  std::size_t ocsp_max_entries = 50000;
  std::size_t ocsp_max_bytes = 16 << 20;  // per worker
  std::size_t status_max_entries = 50000;
};

class CrlCache {
 public:
  explicit CrlCache(int64_t quiet_seconds) : quiet_seconds_(quiet_seconds) {}
  // This worker's copy, when listening, fresh (per `fresh`), and confirmed
  // after the CA's last quiet period; counts hit, miss or bypass.
  template <class Fresh>
  std::optional<std::string> usable_copy(const std::string& ca_id, Fresh fresh) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!enabled_) {
      count_bypass(stats_);
      return std::nullopt;
    }
    auto it = crls_.find(ca_id);
    if (it != crls_.end() && fresh(it->second.crl) &&
        it->second.confirmed_at >= quiet_until_[ca_id]) {
      count_hit(stats_);
      return it->second.crl.der;
    }
    count_miss(stats_);
    return std::nullopt;
  }
  // The copy, when the database says `crl_number` is still the current one.
  std::optional<std::string> confirm(const std::string& ca_id, int64_t crl_number, int64_t now);
  void store(const std::string& ca_id, const StoredCrl& crl, int64_t now);
  void invalidate(const std::string& ca_id, int64_t now);
  void set_enabled(bool enabled);
  void set_stats(CacheStats* stats) { stats_ = stats; }

 private:
  struct Entry {
    StoredCrl crl;
    int64_t confirmed_at = 0;  // when the database last said this is the current CRL
  };
  int64_t quiet_seconds_;
  std::mutex mutex_;
  bool enabled_ = false;
  std::map<std::string, Entry> crls_;
  std::map<std::string, int64_t> quiet_until_;
  CacheStats* stats_ = nullptr;
};

class RevocationCache {
 public:
  explicit RevocationCache(RevocationCacheLimits limits = {});
  OcspResponseCache& answers() { return answers_; }
  OcspResponseCache& statuses() { return statuses_; }
  CrlCache& crls() { return crls_; }
  const RevocationCacheLimits& limits() const { return limits_; }
  // A revocation under `ca_id` was heard: drop what may now be wrong.
  void on_revocation(const std::string& ca_id, int64_t now);
  // Whether revocations can be heard; either way, what is kept may be stale.
  void set_listening(bool listening);

 private:
  RevocationCacheLimits limits_;
  OcspResponseCache answers_;
  OcspResponseCache statuses_;
  CrlCache crls_;
};

}  // namespace tenantca::core::pki
