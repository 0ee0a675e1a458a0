#include "core/pki/crl_entries_der.hpp"

#include <ctime>
#include <stdexcept>

namespace tenantca::core::pki {
namespace {

void append_length(std::string& out, std::size_t n) {
  if (n < 0x80) {
    out.push_back(static_cast<char>(n));
    return;
  }
  char bytes[sizeof(std::size_t)];
  int count = 0;
  for (std::size_t v = n; v != 0; v >>= 8) bytes[count++] = static_cast<char>(v & 0xff);
  out.push_back(static_cast<char>(0x80 | count));
  while (count > 0) out.push_back(bytes[--count]);
}

std::size_t length_size(std::size_t n) {
  std::size_t size = 1;
  if (n >= 0x80) {
    for (std::size_t v = n; v != 0; v >>= 8) ++size;
  }
  return size;
}

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

// UTCTime (tag 0x17, YYMMDDHHMMSSZ) for 1950-2049, GeneralizedTime (0x18,
// YYYYMMDDHHMMSSZ) otherwise, as RFC 5280 4.1.2.5 requires.
void append_time(std::string& out, int64_t t) {
  const time_t tt = static_cast<time_t>(t);
  std::tm tm{};
  if (gmtime_r(&tt, &tm) == nullptr) throw std::invalid_argument("time out of range");
  const int year = tm.tm_year + 1900;
  char buf[32];
  if (year >= 1950 && year < 2050) {
    std::snprintf(buf, sizeof buf, "%02d%02d%02d%02d%02d%02dZ", year % 100, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    out.push_back(0x17);
  } else {
    std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02dZ", year, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec);
    out.push_back(0x18);
  }
  const std::string s(buf);
  append_length(out, s.size());
  out += s;
}

// Reads the tag and length at `pos`; returns the header size, sets `content`.
std::size_t read_header(const std::string& der, std::size_t pos, std::size_t& content) {
  if (pos + 2 > der.size()) throw std::invalid_argument("truncated DER");
  const auto first = static_cast<unsigned char>(der[pos + 1]);
  if (first < 0x80) {
    content = first;
    return 2;
  }
  const std::size_t count = first & 0x7f;
  if (count == 0 || count > sizeof(std::size_t) || pos + 2 + count > der.size())
    throw std::invalid_argument("bad DER length");
  content = 0;
  for (std::size_t k = 0; k < count; ++k)
    content = content << 8 | static_cast<unsigned char>(der[pos + 2 + k]);
  return 2 + count;
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

std::string assemble_certificate_list(const std::string& tbs, const std::string& algorithm,
                                      const std::string& signature) {
  std::string bits;
  bits.push_back(0x03);
  append_length(bits, signature.size() + 1);
  bits.push_back('\0');  // no unused bits
  bits += signature;
  std::string out;
  out.reserve(tbs.size() + algorithm.size() + bits.size() + 8);
  out.push_back(0x30);
  append_length(out, tbs.size() + algorithm.size() + bits.size());
  out += tbs;
  out += algorithm;
  out += bits;
  return out;
}

}  // namespace tenantca::core::pki
