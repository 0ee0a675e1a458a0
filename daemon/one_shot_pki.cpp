#include "daemon/one_shot_pki.hpp"

#include <stdexcept>

namespace tenantca::daemon {

namespace {
const core::Kek& current_kek(const Preloaded& keys) {
  if (!keys.kek) throw std::runtime_error("security.kek_file is not set");
  return *keys.kek;
}
}  // namespace

OneShotPki::OneShotPki(const Config& cfg, const Preloaded& keys)
    : database_(db::DatabaseOptions{.conninfo = cfg.database_url, .pool_size = 1}),
      store_(database_),
      pki_(store_, &current_kek(keys), clock_, core::pki::PkiSettings{}) {
  pki_.set_previous_keks(keys.previous_kek_views());
}

}  // namespace tenantca::daemon
