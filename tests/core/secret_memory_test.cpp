// Secrets stay out of core dumps: the process is made non-dumpable, the KEK
// lives in OpenSSL's secure heap, and so do the private numbers of a CA key
// decrypted under it.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <sys/prctl.h>

#include "core/kek.hpp"
#include "core/pki/keys.hpp"
#include "core/secret_memory.hpp"

namespace tenantca::core {
namespace {

TEST(SecretMemory, ProcessIsNotDumpableAndTheKekIsInTheSecureHeap) {
  ASSERT_TRUE(protect_process_secrets());
  EXPECT_EQ(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
  EXPECT_EQ(CRYPTO_secure_malloc_initialized(), 1);
  Kek kek;
  kek.bytes.fill(9);
  EXPECT_EQ(CRYPTO_secure_allocated(kek.bytes.data()), 1);
  Kek copy = kek;
  EXPECT_EQ(CRYPTO_secure_allocated(copy.bytes.data()), 1);
  EXPECT_EQ(copy.bytes.data()[31], 9);
}

TEST(SecretMemory, UnwrappedCaKeysKeepTheirPrivateNumbersInTheSecureHeap) {
  ASSERT_TRUE(protect_process_secrets());
  Kek kek;
  kek.bytes.fill(3);
  kek.id = "t";
  auto key = pki::generate_key(pki::KeySpec{});
  const auto blob = pki::wrap_private_key(key.get(), kek, "aad");
  auto back = pki::unwrap_private_key(blob, kek, "aad");
  BIGNUM* priv = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(back.get(), OSSL_PKEY_PARAM_PRIV_KEY, &priv), 1);
  // The copy handed out is secure when the key's own number is.
  EXPECT_NE(BN_get_flags(priv, BN_FLG_SECURE), 0);
  BN_clear_free(priv);
}

}  // namespace
}  // namespace tenantca::core
