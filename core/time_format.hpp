#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace tenantca::core {

// RFC 3339 UTC with second precision: 2026-11-26T17:00:00Z.
std::string format_rfc3339(int64_t epoch_seconds);
inline std::string format_rfc3339_us(int64_t epoch_micros) {
  return format_rfc3339(epoch_micros >= 0 ? epoch_micros / 1000000
                                          : -((-epoch_micros + 999999) / 1000000));
}

}  // namespace tenantca::core
