#include "core/secret_memory.hpp"

#include <openssl/crypto.h>
#include <sys/prctl.h>

#include <cstring>
#include <new>

namespace tenantca::core {

bool protect_process_secrets(std::size_t heap_bytes) {
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (CRYPTO_secure_malloc_initialized() == 1) return true;
  // 1: ready; 2: ready but not mlock'd (RLIMIT_MEMLOCK), still MADV_DONTDUMP.
  return CRYPTO_secure_malloc_init(heap_bytes, 16) != 0;
}

template <std::size_t N>
SecretBytes<N>::SecretBytes() : data_(static_cast<unsigned char*>(OPENSSL_secure_zalloc(N))) {
  if (data_ == nullptr) throw std::bad_alloc();
}

template <std::size_t N>
SecretBytes<N>::~SecretBytes() {
  OPENSSL_secure_clear_free(data_, N);
}

template <std::size_t N>
SecretBytes<N>::SecretBytes(const SecretBytes& other) : SecretBytes() {
  std::memcpy(data_, other.data_, N);
}

template <std::size_t N>
SecretBytes<N>& SecretBytes<N>::operator=(const SecretBytes& other) {
  if (this != &other) std::memcpy(data_, other.data_, N);
  return *this;
}

template <std::size_t N>
void SecretBytes<N>::fill(unsigned char v) {
  std::memset(data_, v, N);
}

template class SecretBytes<32>;

}  // namespace tenantca::core
