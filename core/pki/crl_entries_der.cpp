#include "core/pki/crl_entries_der.hpp"

#include <stdexcept>

#include "core/pki/der.hpp"

namespace tenantca::core::pki {
namespace {

using der::append_length;
using der::append_time;
using der::length_size;
using der::read_header;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  throw std::invalid_argument("serial is not hexadecimal");
}

// INTEGER content of a positive serial: minimal big-endian bytes, with a
// leading 0x00 when the top bit is set.
void serial_content(const std::string& hex, std::string& out) {
  std::size_t i = 0;
  while (i + 1 < hex.size() && hex[i] == '0') ++i;  // tolerate leading zeros
  if (hex.size() == i) throw std::invalid_argument("empty serial");
  std::string bytes;
  if ((hex.size() - i) % 2 == 1) bytes.push_back(static_cast<char>(hex_value(hex[i++])));
  for (; i < hex.size(); i += 2)
    bytes.push_back(static_cast<char>(hex_value(hex[i]) << 4 | hex_value(hex[i + 1])));
  std::size_t start = 0;
  while (start + 1 < bytes.size() && bytes[start] == 0 &&
         !(static_cast<unsigned char>(bytes[start + 1]) & 0x80))
    ++start;
  if (static_cast<unsigned char>(bytes[start]) & 0x80) out.push_back('\0');
  out.append(bytes, start, std::string::npos);
}

}  // namespace

std::string encode_revoked_certificates(const std::vector<RevokedEntry>& revoked) {
  std::string entries;
  entries.reserve(revoked.size() * 48);
  std::string serial, time;
  for (const auto& r : revoked) {
    serial.clear();
    serial_content(r.serial_hex, serial);
    time.clear();
    append_time(time, r.revoked_at);
    const bool has_reason =
        r.reason != RevocationReason::unspecified;  // unspecified SHOULD be absent
    // crlEntryExtensions: SEQUENCE { SEQUENCE { OID 2.5.29.21, OCTET STRING { ENUMERATED reason } }
    // }
    const std::size_t ext_size = has_reason ? 14 : 0;
    const std::size_t body =
        1 + length_size(serial.size()) + serial.size() + time.size() + ext_size;
    entries.push_back(0x30);
    append_length(entries, body);
    entries.push_back(0x02);
    append_length(entries, serial.size());
    entries += serial;
    entries += time;
    if (has_reason) {
      const char ext[] = {
          0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55,
          0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01, static_cast<char>(static_cast<int>(r.reason))};
      entries.append(ext, sizeof ext);
    }
  }
  std::string out;
  out.reserve(entries.size() + 8);
  out.push_back(0x30);
  append_length(out, entries.size());
  out += entries;
  return out;
}

std::string splice_into_tbs(const std::string& tbs, const std::string& element) {
  std::size_t outer = 0;
  if (tbs.empty() || static_cast<unsigned char>(tbs[0]) != 0x30)
    throw std::invalid_argument("TBSCertList is not a SEQUENCE");
  const std::size_t header = read_header(tbs, 0, outer);
  if (header + outer != tbs.size()) throw std::invalid_argument("TBSCertList length mismatch");
  std::size_t pos = header;
  std::size_t insert_at = tbs.size();
  while (pos < tbs.size()) {
    std::size_t content = 0;
    const std::size_t h = read_header(tbs, pos, content);
    if (static_cast<unsigned char>(tbs[pos]) == 0xa0) {
      insert_at = pos;
      break;
    }
    pos += h + content;
  }
  std::string out;
  out.reserve(tbs.size() + element.size() + 8);
  out.push_back(0x30);
  append_length(out, outer + element.size());
  out.append(tbs, header, insert_at - header);
  out += element;
  out.append(tbs, insert_at, std::string::npos);
  return out;
}

}  // namespace tenantca::core::pki
