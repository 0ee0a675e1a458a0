#include "core/negative_cache.hpp"

namespace tenantca::core {

bool NegativeCache::recently_missing(const std::string& id, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = noted_.find(id);
  if (it == noted_.end()) return false;
  if (now_ms - it->second >= ttl_ms_) {
    noted_.erase(it);
    return false;
  }
  hits_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void NegativeCache::note_missing(const std::string& id, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (noted_.size() >= max_entries_) {
    // Drop what has expired; if the flood is that wide, start over.
    for (auto it = noted_.begin(); it != noted_.end();)
      it = now_ms - it->second >= ttl_ms_ ? noted_.erase(it) : std::next(it);
    if (noted_.size() >= max_entries_) noted_.clear();
  }
  noted_[id] = now_ms;
}

std::size_t NegativeCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return noted_.size();
}

}  // namespace tenantca::core
