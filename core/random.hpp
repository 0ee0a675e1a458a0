#pragma once
// Random bytes from OpenSSL's CSPRNG. OpenSSL 3 reseeds per process after
// fork(), so workers never share a stream with the master.
#include <cstddef>
#include <string>
#include <vector>

namespace tenantca::core {

std::vector<unsigned char> random_bytes(std::size_t n);
std::string to_hex(const unsigned char* data, std::size_t n);
inline std::string to_hex(const std::vector<unsigned char>& v) {
  return to_hex(v.data(), v.size());
}

}  // namespace tenantca::core
