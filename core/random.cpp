#include "core/random.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace tenantca::core {

std::vector<unsigned char> random_bytes(std::size_t n) {
  std::vector<unsigned char> out(n);
  if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

namespace {

struct IdentifierPool {
  static constexpr std::size_t kSize = 4096;
  unsigned char bytes[kSize];
  std::size_t used = kSize;
  pid_t pid = -1;
};

}  // namespace

void identifier_random_bytes(unsigned char* out, std::size_t n) {
  thread_local IdentifierPool pool;
  if (n > IdentifierPool::kSize / 4) {  // large draws do not go through the pool
    if (RAND_bytes(out, static_cast<int>(n)) != 1) {
      throw std::runtime_error("RAND_bytes failed");
    }
    return;
  }
  const pid_t pid = getpid();
  if (pool.pid != pid || IdentifierPool::kSize - pool.used < n) {
    if (RAND_bytes(pool.bytes, static_cast<int>(IdentifierPool::kSize)) != 1) {
      throw std::runtime_error("RAND_bytes failed");
    }
    pool.used = 0;
    pool.pid = pid;
  }
  std::memcpy(out, pool.bytes + pool.used, n);
  // Bytes handed out are not kept: no later reader of this memory sees them.
  OPENSSL_cleanse(pool.bytes + pool.used, n);
  pool.used += n;
}

std::string to_hex(const unsigned char* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0x0f]);
  }
  return out;
}

}  // namespace tenantca::core
