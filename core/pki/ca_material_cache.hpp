#pragma once
// A CA's parsed certificate and decrypted key, per worker. They never change
// for a CA id, so they are kept for the worker's lifetime (OpenSSL 3 decoding
// costs far more than signing; docs/pitfalls.md), bounded in count.
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/pki/leaf_der.hpp"
#include "core/pki/ossl.hpp"

namespace tenantca::core::pki {

struct CaMaterial {
  X509Ptr cert;
  EvpPkeyPtr key;  // private numbers in the secure heap (core/secret_memory.hpp)
  // A signing context set up once for this key and its digest (the algorithm
  // fetched, the provider context made); each signature starts from a copy
  // of it (core/pki/certs.cpp). Null when the key's provider cannot copy one.
  EvpMdCtxPtr sign_template;
  // What every leaf of this CA shares, encoded once (core/pki/leaf_der.hpp).
  // Null when it cannot be made (then issuing answers the error, as before).
  std::shared_ptr<const LeafIssuer> leaf_issuer;
  std::string leaf_issuer_error;
};

class CaMaterialCache {
 public:
  explicit CaMaterialCache(std::size_t max_entries = 10000) : max_entries_(max_entries) {}
  std::shared_ptr<const CaMaterial> find(const std::string& ca_id) const;
  // Keeps `material` (or the copy another thread stored first) and returns it.
  std::shared_ptr<const CaMaterial> insert(const std::string& ca_id,
                                           std::shared_ptr<const CaMaterial> material);
  std::size_t size() const;

 private:
  std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const CaMaterial>> entries_;
};

}  // namespace tenantca::core::pki
