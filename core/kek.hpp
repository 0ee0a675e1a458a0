#pragma once
// The key-encryption key (KEK) that wraps CA private keys at rest: 32 random
// bytes, base64 in a file readable only by the service user.
#include <string>

#include "core/secret_memory.hpp"

namespace tenantca::core {

struct Kek {
  SecretBytes<32> bytes;  // in the secure heap: never in a core dump
  std::string id;         // short fingerprint stored beside each ciphertext, for rotation
};

// Throws std::runtime_error naming the reason: missing, unreadable, group- or
// world-accessible, or not exactly 32 bytes of base64.
Kek load_kek_file(const std::string& path);

// A new KEK file content (base64 of 32 random bytes, with a newline).
std::string generate_kek_text();

}  // namespace tenantca::core
