#include "core/request_id.hpp"

#include "core/random.hpp"

namespace tenantca::core {

std::string accept_or_make_request_id(std::string_view client_value) {
  bool sane = !client_value.empty() && client_value.size() <= 128;
  for (char c : client_value) {
    if (c < 0x21 || c > 0x7e) {
      sane = false;
      break;
    }
  }
  if (sane) return std::string(client_value);
  unsigned char id[16];
  identifier_random_bytes(id, sizeof id);
  return to_hex(id, sizeof id);
}

}  // namespace tenantca::core
