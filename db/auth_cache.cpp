#include "db/auth_cache.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>

#include "db/pq.hpp"

namespace tenantca::db {

AuthCache::AuthCache(std::string conninfo, Loader loader, std::chrono::seconds ttl)
    : conninfo_(std::move(conninfo)), loader_(std::move(loader)), ttl_(ttl) {
  thread_ = std::thread([this] { listen_loop(); });
}

AuthCache::~AuthCache() {
  stop_ = true;
  thread_.join();
}

std::optional<core::KeyRecord> AuthCache::find(const std::string& key_id) {
  const auto now = std::chrono::steady_clock::now();
  uint64_t epoch = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    epoch = epoch_;
    if (listening_) {
      auto it = entries_.find(key_id);
      if (it != entries_.end() && now - it->second.loaded < ttl_) return it->second.record;
    }
  }
  auto record = loader_(key_id);
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

void AuthCache::listen_loop() {
  while (!stop_) {
    PgConn conn;
    try {
      conn = pq_connect(conninfo_);
      pq_exec(conn.get(), "LISTEN tenantca_auth");
    } catch (const std::exception& e) {
      spdlog::warn("auth cache: cannot listen for invalidations, bypassing the cache: {}", e.what());
      for (int i = 0; i < 20 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    {
      // Anything may have changed while we were not listening.
      std::lock_guard<std::mutex> lock(mutex_);
      entries_.clear();
      ++epoch_;
    }
    listening_ = true;
    while (!stop_) {
      pollfd pfd{PQsocket(conn.get()), POLLIN, 0};
      const int rc = ::poll(&pfd, 1, 200);
      if (rc < 0) continue;
      if (rc > 0 && !PQconsumeInput(conn.get())) break;
      if (PQstatus(conn.get()) != CONNECTION_OK) break;
      while (PGnotify* n = PQnotifies(conn.get())) {
        invalidate(n->extra ? n->extra : "");
        PQfreemem(n);
      }
    }
    listening_ = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      entries_.clear();
      ++epoch_;
    }
    if (!stop_) spdlog::warn("auth cache: invalidation connection lost; bypassing the cache until it is back");
  }
}

}  // namespace tenantca::db
