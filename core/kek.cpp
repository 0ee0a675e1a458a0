#include "core/kek.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/random.hpp"

namespace tenantca::core {

Kek load_kek_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw std::runtime_error(
        fmt::format("key-encryption key file {}: {}", path, std::strerror(errno)));
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    throw std::runtime_error(fmt::format(
        "key-encryption key file {} is accessible by group or others (mode {:o}); chmod 600 it",
        path, st.st_mode & 0777));
  }
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error(fmt::format("key-encryption key file {} is not readable", path));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  std::string b64;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) b64.push_back(c);
  }
  unsigned char out[64];
  if (b64.size() != 44) {
    throw std::runtime_error(fmt::format(
        "key-encryption key file {} must hold 32 bytes in base64 (44 characters)", path));
  }
  const int n = EVP_DecodeBlock(out, reinterpret_cast<const unsigned char*>(b64.data()),
                                static_cast<int>(b64.size()));
  if (n != 33 || b64[43] != '=' ||
      b64[42] == '=') {  // 32 bytes decode to 33 with one '=' of padding
    throw std::runtime_error(
        fmt::format("key-encryption key file {} is not valid base64 of 32 bytes", path));
  }
  Kek kek;
  std::memcpy(kek.bytes.data(), out, 32);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(kek.bytes.data(), kek.bytes.size(), digest);
  kek.id = to_hex(digest, 8);
  OPENSSL_cleanse(out, sizeof out);
  return kek;
}

std::string generate_kek_text() {
  auto key = random_bytes(32);
  unsigned char out[64];
  const int n = EVP_EncodeBlock(out, key.data(), 32);
  OPENSSL_cleanse(key.data(), key.size());
  return std::string(reinterpret_cast<char*>(out), static_cast<std::size_t>(n)) + "\n";
}

}  // namespace tenantca::core
