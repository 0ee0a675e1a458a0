#include "core/pki/ca_record_cache.hpp"

namespace tenantca::core::pki {
namespace {
std::string key_of(const std::string& tenant_id, const std::string& ca_id) {
  return tenant_id + "/" + ca_id;
}
}  // namespace

std::shared_ptr<const CaRecord> CaRecordCache::find(const std::string& tenant_id,
                                                    const std::string& ca_id, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(key_of(tenant_id, ca_id));
  if (it == entries_.end() || now_ms - it->second.stored_ms >= limits_.max_age_ms) {
    if (it != entries_.end()) entries_.erase(it);
    count_miss(stats_);
    return nullptr;
  }
  count_hit(stats_);
  return it->second.ca;
}

void CaRecordCache::put(std::shared_ptr<const CaRecord> ca, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Bounded: when full, start over (rows are re-read on demand, cheaply).
  if (entries_.size() >= limits_.max_entries) entries_.clear();
  const std::string key = key_of(ca->tenant_id, ca->id);
  entries_[key] = Entry{std::move(ca), now_ms};
}

void CaRecordCache::drop(const std::string& tenant_id, const std::string& ca_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (entries_.erase(key_of(tenant_id, ca_id)) > 0) count_invalidation(stats_);
}

std::size_t CaRecordCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

}  // namespace tenantca::core::pki
