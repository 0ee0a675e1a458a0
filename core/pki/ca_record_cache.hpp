#pragma once
// CA rows for issuance, per worker, so that issuing costs no CA read. A
// cached row may be stale (a policy PATCH, a disable, a KEK rotation on
// another worker or instance): that is safe because the statement that
// stores a certificate checks the CA's revision (db/certificate_sql.cpp), and
// the service re-reads the CA and plans again when it changed. Entries also
// expire after max_age, and the cache is bounded in count.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/cache_stats.hpp"
#include "core/pki/model.hpp"

namespace tenantca::core::pki {

struct CaRecordCacheLimits {
  std::size_t max_entries = 10000;
  int64_t max_age_ms = 60000;
};

class CaRecordCache {
 public:
  explicit CaRecordCache(CaRecordCacheLimits limits = {}) : limits_(limits) {}
  std::shared_ptr<const CaRecord> find(const std::string& tenant_id, const std::string& ca_id,
                                       int64_t now_ms);
  void put(std::shared_ptr<const CaRecord> ca, int64_t now_ms);
  void drop(const std::string& tenant_id, const std::string& ca_id);
  std::size_t size() const;
  void set_stats(CacheStats* stats) { stats_ = stats; }

 private:
  struct Entry {
    std::shared_ptr<const CaRecord> ca;
    int64_t stored_ms;
  };
  CaRecordCacheLimits limits_;
  CacheStats* stats_ = nullptr;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;  // key: tenant_id + "/" + ca_id
};

}  // namespace tenantca::core::pki
