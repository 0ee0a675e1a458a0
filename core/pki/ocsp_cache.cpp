#include "core/pki/ocsp_cache.hpp"

#include <algorithm>

namespace tenantca::core::pki {
namespace {
std::string key_of(const std::string& ca_id, const std::string& key) {
  return ca_id + '\n' + key;
}
}  // namespace

OcspResponseCache::OcspResponseCache(OcspCacheSettings settings) : settings_(settings) {}

std::optional<std::string> OcspResponseCache::find(const std::string& ca_id, const std::string& key,
                                                   int64_t now) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!enabled_) {
    count_bypass(stats_);
    return std::nullopt;
  }
  auto it = entries_.find(key_of(ca_id, key));
  if (it == entries_.end()) {
    count_miss(stats_);
    return std::nullopt;
  }
  if (now >= it->second.expires_at) {
    bytes_ -= it->first.size() + it->second.response_der.size();
    entries_.erase(it);
    count_miss(stats_);
    return std::nullopt;
  }
  count_hit(stats_);
  return it->second.response_der;
}

uint64_t OcspResponseCache::generation() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return generation_;
}

void OcspResponseCache::store(const std::string& ca_id, const std::string& key,
                              std::string response_der, int64_t now, int64_t expires_at,
                              uint64_t generation_seen) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!enabled_ || generation_seen != generation_) return;
  if (auto q = quiet_until_.find(ca_id); q != quiet_until_.end()) {
    if (now < q->second) return;
    quiet_until_.erase(q);
  }
  std::string k = key_of(ca_id, key);
  const std::size_t size = k.size() + response_der.size();
  if (size > settings_.max_bytes) return;
  if (auto old = entries_.find(k); old != entries_.end()) {
    bytes_ -= old->first.size() + old->second.response_der.size();
    entries_.erase(old);
  }
  // Bound memory by count and bytes; hot requests come back at once.
  if (entries_.size() >= settings_.max_entries || bytes_ + size > settings_.max_bytes) {
    entries_.clear();
    bytes_ = 0;
  }
  bytes_ += size;
  entries_.emplace(std::move(k), Entry{ca_id, std::move(response_der),
                                       std::min(expires_at, now + settings_.max_age_seconds)});
}

void OcspResponseCache::invalidate_ca(const std::string& ca_id, int64_t now) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++generation_;
  count_invalidation(stats_);
  quiet_until_[ca_id] = now + settings_.quiet_seconds;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.ca_id == ca_id) {
      bytes_ -= it->first.size() + it->second.response_der.size();
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

void OcspResponseCache::set_enabled(bool enabled) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++generation_;
  entries_.clear();
  bytes_ = 0;
  enabled_ = enabled;
}

std::size_t OcspResponseCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

std::size_t OcspResponseCache::bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

}  // namespace tenantca::core::pki
