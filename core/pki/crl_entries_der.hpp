#pragma once
// DER encoding of a CRL's revokedCertificates (RFC 5280 5.1), by hand.
//
// Why not OpenSSL's X509_REVOKED objects: measured at 100,000 entries,
// building them and letting i2d encode the CRL took ~0.5 s (its template
// encoder recomputes nested lengths at every level); the same bytes written
// here take a few tens of milliseconds. OpenSSL still builds, encodes and
// signs everything else (revocation.cpp); this only writes the list.
#include <cstdint>
#include <string>
#include <vector>

#include "core/pki/revocation.hpp"

namespace tenantca::core::pki {

// The whole `revokedCertificates SEQUENCE OF SEQUENCE {...}` element: serial
// (from canonical hex), revocationDate (UTCTime before 2050, else
// GeneralizedTime) and a reasonCode entry extension unless unspecified.
// Throws std::invalid_argument for a serial that is not hex.
std::string encode_revoked_certificates(const std::vector<RevokedEntry>& revoked);

// Inserts an encoded element into a TBSCertList, right before its
// crlExtensions ([0] EXPLICIT), and fixes the outer length.
std::string splice_into_tbs(const std::string& tbs_der, const std::string& element);

}  // namespace tenantca::core::pki
