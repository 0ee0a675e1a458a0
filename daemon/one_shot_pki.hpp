#pragma once
// The PKI service for a single command run outside the workers: the
// start-time unseal check and `tenantca kek rewrap`. One database
// connection, the system clock, and the KEKs preload loaded.
#include "core/clock.hpp"
#include "core/pki/service.hpp"
#include "daemon/app.hpp"
#include "db/database.hpp"
#include "db/pki_store.hpp"

namespace tenantca::daemon {

class OneShotPki {
 public:
  // `keys` must outlive this object (the service keeps pointers to the KEKs)
  // and must hold a current KEK.
  OneShotPki(const Config& cfg, const Preloaded& keys);
  core::pki::PkiService& pki() { return pki_; }
  db::Database& database() { return database_; }

 private:
  db::Database database_;
  db::SqlPkiStore store_;
  core::SystemClock clock_;
  core::pki::PkiService pki_;
};

}  // namespace tenantca::daemon
