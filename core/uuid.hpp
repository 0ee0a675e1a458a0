#pragma once
#include <string>
#include <string_view>

namespace tenantca::core {

// A random (version 4) UUID, lowercase and hyphenated.
std::string new_uuid();
// True for a lowercase or uppercase hyphenated UUID of the canonical 8-4-4-4-12 shape.
bool is_uuid(std::string_view s);

}  // namespace tenantca::core
