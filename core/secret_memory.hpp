#pragma once
// Memory for secrets that must not reach a core dump: OpenSSL's secure heap
// (mmap'd, mlock'd where the limit allows, MADV_DONTDUMP, cleansed on free).
// Decrypted CA private keys live there too: OpenSSL allocates private key
// numbers with BN_secure_new once the heap exists.
#include <cstddef>

namespace tenantca::core {

// Sets up the secure heap and makes the process non-dumpable
// (PR_SET_DUMPABLE 0: no core file, no ptrace by other users); call before
// any secret is loaded. Returns false when the heap could not be made
// (secrets then live in ordinary memory, still never dumped while
// non-dumpable).
bool protect_process_secrets(std::size_t heap_bytes = 1 << 20);

// A fixed-size secret in the secure heap; copies are secure too.
template <std::size_t N>
class SecretBytes {
 public:
  SecretBytes();
  ~SecretBytes();
  SecretBytes(const SecretBytes& other);
  SecretBytes& operator=(const SecretBytes& other);
  unsigned char* data() { return data_; }
  const unsigned char* data() const { return data_; }
  static constexpr std::size_t size() { return N; }
  void fill(unsigned char v);

 private:
  unsigned char* data_;
};

}  // namespace tenantca::core
