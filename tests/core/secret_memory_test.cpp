// Secrets stay out of core dumps: the process is made non-dumpable, the KEK
// lives in OpenSSL's secure heap, and so do the private numbers of a CA key
// decrypted under it.
#define OPENSSL_SUPPRESS_DEPRECATED  // EC_KEY is the only way to reach the key's own number
#include "core/secret_memory.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <sys/prctl.h>

#include "core/kek.hpp"
#include "core/pki/keys.hpp"

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
  const EC_KEY* ec = EVP_PKEY_get0_EC_KEY(back.get());
  ASSERT_NE(ec, nullptr);
  const BIGNUM* priv = EC_KEY_get0_private_key(ec);
  ASSERT_NE(priv, nullptr);
  EXPECT_NE(BN_get_flags(priv, BN_FLG_SECURE), 0);
}

}  // namespace
}  // namespace tenantca::core
