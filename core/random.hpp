#pragma once
// Random bytes from OpenSSL's CSPRNG. OpenSSL 3 reseeds per process after
// fork(), so workers never share a stream with the master.
#include <cstddef>
#include <string>
#include <vector>

namespace tenantca::core {

std::vector<unsigned char> random_bytes(std::size_t n);

// Random bytes for identifiers that are unpredictable but not secret: UUIDs,
// request ids, certificate serial numbers. The same CSPRNG, drawn 4 KiB at a
// time into a per-thread buffer: one RAND_bytes call costs ~1 µs (3 µs with
// 16 threads drawing), a few per issuance, against nanoseconds from the
// buffer. The buffer is dropped when the process id changes, so a forked
// worker never hands out bytes its parent handed out too. Never for keys,
// secrets or nonces: those call random_bytes.
void identifier_random_bytes(unsigned char* out, std::size_t n);
std::string to_hex(const unsigned char* data, std::size_t n);
inline std::string to_hex(const std::vector<unsigned char>& v) {
  return to_hex(v.data(), v.size());
}

}  // namespace tenantca::core
