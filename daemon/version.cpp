// The version this executable reports (health, tenantca_build_info, --version).
#include "tenantca/version.hpp"

#ifndef TENANTCA_VERSION_STRING
#error "TENANTCA_VERSION_STRING must be defined by the build"
#endif

namespace tenantca {
const char* const kVersion = TENANTCA_VERSION_STRING;
}
