#pragma once
// The few DER building blocks tenantca writes by hand (CRL entries, leaf
// certificates): lengths, times and the signed-object envelope. Everything
// else is encoded by OpenSSL; these exist because its template encoder
// recomputes nested lengths at every level, measured as a large share of
// the CPU a CRL or a certificate costs (crl_entries_der.hpp, leaf_der.hpp).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tenantca::core::pki::der {

// A definite length, short form below 128, else long form.
void append_length(std::string& out, std::size_t n);
// How many bytes append_length writes for n.
std::size_t length_size(std::size_t n);
// tag, length, content.
void append_tlv(std::string& out, unsigned char tag, std::string_view content);
// UTCTime (tag 0x17, YYMMDDHHMMSSZ) for 1950-2049, GeneralizedTime (0x18,
// YYYYMMDDHHMMSSZ) otherwise, as RFC 5280 4.1.2.5 requires. Throws
// std::invalid_argument for a time gmtime cannot represent.
void append_time(std::string& out, int64_t t);
// Reads the tag and length at `pos`; returns the header size, sets `content`.
// Throws std::invalid_argument for truncated or malformed headers.
std::size_t read_header(std::string_view der, std::size_t pos, std::size_t& content);
// Certificate and CertificateList share this envelope:
// SEQUENCE { tbs, signatureAlgorithm, signatureValue BIT STRING }.
std::string assemble_signed(std::string_view tbs, std::string_view algorithm,
                            std::string_view signature);

}  // namespace tenantca::core::pki::der
