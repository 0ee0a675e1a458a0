#include "core/pki/revocation_cache.hpp"

namespace tenantca::core::pki {

std::optional<std::string> CrlCache::confirm(const std::string& ca_id, int64_t crl_number,
                                             int64_t now) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = crls_.find(ca_id);
  if (it == crls_.end() || it->second.crl.crl_number != crl_number) return std::nullopt;
  it->second.confirmed_at = now;
  return it->second.crl.der;
}

void CrlCache::store(const std::string& ca_id, const StoredCrl& crl, int64_t now) {
  std::lock_guard<std::mutex> lock(mutex_);
  crls_[ca_id] = Entry{crl, now};
}

void CrlCache::invalidate(const std::string& ca_id, int64_t now) {
  std::lock_guard<std::mutex> lock(mutex_);
  crls_.erase(ca_id);
  count_invalidation(stats_);
  quiet_until_[ca_id] = now + quiet_seconds_;
}

void CrlCache::set_enabled(bool enabled) {
  std::lock_guard<std::mutex> lock(mutex_);
  crls_.clear();
  enabled_ = enabled;
}

RevocationCache::RevocationCache(RevocationCacheLimits limits)
    : limits_(limits),
      answers_(OcspCacheSettings{limits.answer_max_age_seconds, limits.quiet_seconds,
                                 limits.ocsp_max_entries, limits.ocsp_max_bytes}),
      statuses_(OcspCacheSettings{limits.answer_max_age_seconds, limits.quiet_seconds,
                                  limits.status_max_entries, limits.ocsp_max_bytes}),
      crls_(limits.quiet_seconds) {}

void RevocationCache::on_revocation(const std::string& ca_id, int64_t now) {
  answers_.invalidate_ca(ca_id, now);
  statuses_.invalidate_ca(ca_id, now);
  crls_.invalidate(ca_id, now);
}

void RevocationCache::set_listening(bool listening) {
  answers_.set_enabled(listening);
  statuses_.set_enabled(listening);
  crls_.set_enabled(listening);
}

}  // namespace tenantca::core::pki
