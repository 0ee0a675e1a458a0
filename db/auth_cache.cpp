#include "db/auth_cache.hpp"

namespace tenantca::db {

AuthCache::AuthCache(Loader loader, std::chrono::seconds ttl)
    : loader_(std::move(loader)), ttl_(ttl) {}

std::optional<core::KeyRecord> AuthCache::find(const std::string& key_id) {
  const auto now = std::chrono::steady_clock::now();
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  if (unknown_.recently_missing(key_id, now_ms)) return std::nullopt;
  uint64_t epoch = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    epoch = epoch_;
    if (listening_) {
      auto it = entries_.find(key_id);
      if (it != entries_.end() && now - it->second.loaded < ttl_) {
        core::count_hit(stats_);
        return it->second.record;
      }
      core::count_miss(stats_);
    } else {
      core::count_bypass(stats_);
    }
  }
  auto record = loader_(key_id);
  if (!record) unknown_.note_missing(key_id, now_ms);
  if (record && listening_) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (epoch == epoch_) {
      if (entries_.size() > 100000) entries_.clear();  // bound memory; hot keys come back at once
      entries_[key_id] = Entry{*record, now};
    }
  }
  return record;
}

void AuthCache::invalidate(const std::string& payload) {
  const auto colon = payload.find(':');
  const std::string table = payload.substr(0, colon);
  const std::string id = colon == std::string::npos ? "" : payload.substr(colon + 1);
  std::lock_guard<std::mutex> lock(mutex_);
  ++epoch_;
  core::count_invalidation(stats_);
  if (table == "api_keys") {
    entries_.erase(id);
  } else if (table == "tenants") {
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = (it->second.record.tenant_id == id) ? entries_.erase(it) : std::next(it);
    }
  } else {
    entries_.clear();
  }
}

void AuthCache::set_listening(bool listening) {
  // Either way, anything cached may have missed a change: start empty.
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.clear();
  ++epoch_;
  listening_ = listening;
}

}  // namespace tenantca::db
