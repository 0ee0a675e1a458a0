#pragma once
#include "core/pki/service.hpp"
#include "handlers/router.hpp"

namespace tenantca::handlers {

struct PkiDeps {
  core::pki::PkiService* service = nullptr;
};

// Tenant endpoints for CAs and certificates, and the public /pki endpoints.
void add_pki_routes(Router& router, PkiDeps deps);

}  // namespace tenantca::handlers
