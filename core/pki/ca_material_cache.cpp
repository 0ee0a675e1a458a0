#include "core/pki/ca_material_cache.hpp"

namespace tenantca::core::pki {

std::shared_ptr<const CaMaterial> CaMaterialCache::find(const std::string& ca_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(ca_id);
  return it == entries_.end() ? nullptr : it->second;
}

std::shared_ptr<const CaMaterial> CaMaterialCache::insert(
    const std::string& ca_id, std::shared_ptr<const CaMaterial> material) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (entries_.size() >= max_entries_) entries_.clear();  // bounded; entries come back on use
  return entries_.emplace(ca_id, std::move(material)).first->second;
}

std::size_t CaMaterialCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

}  // namespace tenantca::core::pki
